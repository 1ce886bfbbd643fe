// X.509 certificates: parsing, inspection and building from a template (OpenSSL 3).
#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/pki/key.h"

namespace certchaos::pki {

using SystemTime = std::chrono::system_clock::time_point;

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

class Certificate {
 public:
  static Result<Certificate> fromPem(std::string_view pem);
  // Every certificate of a PEM bundle, in order.
  static Result<std::vector<Certificate>> chainFromPem(std::string_view pem);
  explicit Certificate(X509Ptr cert) : cert_(std::move(cert)) {}
  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;

  std::string toPem() const;
  std::string serialHex() const;
  std::string subjectCommonName() const;
  std::string issuerCommonName() const;
  SystemTime notBefore() const;
  SystemTime notAfter() const;
  std::vector<std::string> dnsNames() const;
  std::vector<std::string> ipAddresses() const;
  // The URIs of the CRL distribution points extension, in order; empty when it has none.
  std::vector<std::string> crlDistributionPoints() const;
  bool isCA() const;
  X509* get() const { return cert_.get(); }

 private:
  X509Ptr cert_;
};

// Key usage bits (RFC 5280 §4.2.1.3), combined with |.
enum KeyUsage : unsigned {
  kDigitalSignature = 1u << 0,
  kContentCommitment = 1u << 1,
  kKeyEncipherment = 1u << 2,
  kDataEncipherment = 1u << 3,
  kKeyAgreement = 1u << 4,
  kCertSign = 1u << 5,
  kCrlSign = 1u << 6,
  kEncipherOnly = 1u << 7,
  kDecipherOnly = 1u << 8,
};

// An extension as a request carried it, copied without re-encoding.
struct RawExtension {
  std::string der;  // the DER inside extnValue
  bool critical = false;
};

struct CertificateTemplate {
  std::string commonName;
  std::vector<std::string> organizations;
  std::vector<std::string> dnsNames;
  std::vector<std::string> ipAddresses;
  std::vector<std::string> uris;
  std::vector<std::string> emails;
  // subjectAltName entries of the kinds without a field above (otherName such as a UPN,
  // directoryName, registeredID, x400Address, ediPartyName): each GeneralName's DER, in order.
  std::vector<std::string> otherSans;
  SystemTime notBefore;
  SystemTime notAfter;
  bool isCA = false;
  std::optional<int> maxPathLength;
  unsigned keyUsage = 0;
  std::vector<std::string> extKeyUsageOids;  // e.g. "1.3.6.1.5.5.7.3.1" (serverAuth)
  std::string signatureDigest = "SHA256";    // ignored for Ed25519
  // The full subject in order, as (attribute short name or dotted OID, UTF-8 value) pairs, for
  // copying a CSR's subject as CAs do; when non-empty it replaces commonName and organizations.
  std::vector<std::pair<std::string, std::string>> subject;
  // What a CSR carried, byte for byte. cert-manager's CA issuer copies a CSR's subject and
  // subjectAltName exactly (string types, multi-valued RDNs, order of names); signCertificate
  // does so too while `subject` and the SAN fields above still say what these decode to, and
  // encodes those fields instead once they were changed (a fault's edit).
  std::string subjectDer;
  std::string subjectAltNameDer;
  // A CA request's name constraints, copied with their criticality as cert-manager does.
  std::optional<RawExtension> nameConstraints;
  // The serial's big-endian bytes (positive); empty: 128 random bits, as CAs do. A fixed serial
  // makes a certificate from a fixed key reproducible (a seeded fault's CA).
  std::string serial;
  // URIs of a CRL distribution points extension (scenario 25 names its issuer's CRL); none when
  // empty, as cert-manager's CA issuer writes none.
  std::vector<std::string> crlDistributionPoints;
};

inline constexpr const char* kServerAuthOid = "1.3.6.1.5.5.7.3.1";
inline constexpr const char* kClientAuthOid = "1.3.6.1.5.5.7.3.2";

// Signs a certificate for subjectKey (a public or private key). With no issuer, the certificate
// is self-signed by issuerKey (which must then be the subject's own key). Extensions as Go's
// x509.CreateCertificate writes them for cert-manager: a subjectKeyIdentifier on CA
// certificates only, an authorityKeyIdentifier from the issuer's, the SAN critical when the
// subject is empty.
Result<Certificate> signCertificate(const CertificateTemplate& tmpl, EVP_PKEY* subjectKey,
                                    const PrivateKey& issuerKey, const Certificate* issuer);

}  // namespace certchaos::pki
