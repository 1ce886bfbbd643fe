// PKCS#10 certificate signing requests as cert-manager sends them in a CertificateRequest's
// `spec.request`: parsing, self-signature check, key policy, and what the CSR asks for.
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/pki/key.h"

namespace certchaos::pki {

struct X509ReqDeleter {
  void operator()(X509_REQ* req) const { X509_REQ_free(req); }
};
using X509ReqPtr = std::unique_ptr<X509_REQ, X509ReqDeleter>;

enum class PublicKeyType { kRsa, kEcdsa, kEd25519 };

// What kind of key a CSR carries; only the kinds the issuer accepts can be represented.
struct PublicKeyInfo {
  PublicKeyType type = PublicKeyType::kRsa;
  int bits = 0;       // RSA modulus size, or the curve size for ECDSA; 256 for Ed25519
  std::string curve;  // "P-256", "P-384", "P-521" for ECDSA; empty otherwise

  std::string describe() const;  // "RSA 2048", "ECDSA P-256", "Ed25519"
  // The generation algorithm that makes a key of the same kind (used to forge a look-alike key).
  KeyAlgorithm algorithm() const;
};

// Accepts RSA 2048–4096, ECDSA P-256/P-384/P-521 and Ed25519; refuses everything else with a
// message naming what was found and what is accepted.
Result<PublicKeyInfo> checkKeyPolicy(EVP_PKEY* key);

struct BasicConstraints {
  bool isCA = false;
  std::optional<int> maxPathLength;
};

class CertificateSigningRequest {
 public:
  // `spec.request` of a CertificateRequest: base64 of the PEM. A bare PEM is also accepted.
  // A CSR asking for an extension this issuer cannot honour (anything but subjectAltName,
  // keyUsage, extendedKeyUsage, basicConstraints and nameConstraints), or for one twice, is
  // refused with a message naming it: the certificate would silently lack what was asked.
  static Result<CertificateSigningRequest> fromBase64Pem(std::string_view base64);
  // A PEM "CERTIFICATE REQUEST" (or "NEW CERTIFICATE REQUEST") block. The self-signature and
  // the key policy are checked here, so a CertificateSigningRequest in hand is always usable.
  static Result<CertificateSigningRequest> fromPem(std::string_view pem);

  X509_REQ* get() const { return req_.get(); }
  EVP_PKEY* publicKey() const;  // owned by the request
  const PublicKeyInfo& keyInfo() const { return keyInfo_; }

  // The subject in order as (short name or dotted OID, UTF-8 value) pairs.
  const std::vector<std::pair<std::string, std::string>>& subject() const { return subject_; }
  std::string commonName() const;

  const std::vector<std::string>& dnsNames() const { return dnsNames_; }
  const std::vector<std::string>& ipAddresses() const { return ipAddresses_; }
  const std::vector<std::string>& uris() const { return uris_; }
  const std::vector<std::string>& emails() const { return emails_; }
  // subjectAltName entries of the other kinds (otherName such as a UPN, directoryName,
  // registeredID, x400Address, ediPartyName): each GeneralName's DER, in the CSR's order.
  const std::vector<std::string>& otherSans() const { return otherSans_; }
  // The subject and the subjectAltName extension's value exactly as the CSR encodes them
  // (cert-manager's CA issuer copies both byte for byte); "" when absent.
  std::string subjectDer() const;
  const std::string& subjectAltNameDer() const { return subjectAltNameDer_; }
  // nameConstraints (a CA request's), copied to the certificate as cert-manager does.
  const std::optional<RawExtension>& nameConstraints() const { return nameConstraints_; }

  // Bits of certchaos::pki::KeyUsage; nullopt when the CSR has no keyUsage extension.
  std::optional<unsigned> keyUsage() const { return keyUsage_; }
  // Dotted OIDs in the CSR's order; nullopt when it has no extendedKeyUsage extension.
  const std::optional<std::vector<std::string>>& extKeyUsageOids() const { return extKeyUsage_; }
  const std::optional<BasicConstraints>& basicConstraints() const { return basicConstraints_; }

  std::string toPem() const;

 private:
  explicit CertificateSigningRequest(X509ReqPtr req) : req_(std::move(req)) {}
  Result<void> readExtensions();

  X509ReqPtr req_;
  PublicKeyInfo keyInfo_;
  std::vector<std::pair<std::string, std::string>> subject_;
  std::vector<std::string> dnsNames_, ipAddresses_, uris_, emails_, otherSans_;
  std::string subjectAltNameDer_;
  std::optional<RawExtension> nameConstraints_;
  std::optional<unsigned> keyUsage_;
  std::optional<std::vector<std::string>> extKeyUsage_;
  std::optional<BasicConstraints> basicConstraints_;
};

}  // namespace certchaos::pki
