#include "certchaos/pki/signing_authority.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "certchaos/pki/usages.h"
#include "openssl_util.h"

namespace certchaos::pki {
namespace {

CertificateTemplate caTemplate(const std::string& commonName, SystemTime notBefore,
                               SystemTime notAfter) {
  CertificateTemplate t;
  t.commonName = commonName;
  t.organizations = {"certchaos"};
  t.notBefore = notBefore;
  t.notAfter = notAfter;
  t.isCA = true;
  t.keyUsage = kCertSign | kCrlSign | kDigitalSignature;
  return t;
}

// A CA must say so (basicConstraints CA:TRUE) and, if it limits its key's usages, allow
// keyCertSign: verifiers refuse its chains otherwise. Each problem is named as it is.
Result<void> checkCanSign(const Certificate& cert) {
  X509* x = cert.get();
  const uint32_t flags = X509_get_extension_flags(x);
  const bool constraintsSayCa = (flags & EXFLAG_CA) != 0;
  const bool noCertSign =
      (flags & EXFLAG_KUSAGE) != 0 && (X509_get_key_usage(x) & KU_KEY_CERT_SIGN) == 0;
  const std::string found = "found CN=" + cert.subjectCommonName();
  if (!constraintsSayCa && X509_check_ca(x) == 0) {
    return makeError("BadCA",
                     "expected the first certificate of tls.crt to be a CA "
                     "(basicConstraints CA:TRUE), " +
                         found + " which is not; use a CA certificate");
  }
  if (noCertSign) {
    std::string names;
    for (const auto& n : keyUsageNames(keyUsageFromOpenssl(X509_get_key_usage(x)))) {
      names += (names.empty() ? "" : ", ") + n;
    }
    return makeError("BadCA",
                     "expected the CA certificate (first in tls.crt) to allow keyUsage "
                     "keyCertSign (\"cert sign\"), " +
                         found + " whose keyUsage is [" + names +
                         "]; reissue the CA with keyUsage keyCertSign and cRLSign");
  }
  return {};
}

}  // namespace

bool isSelfSigned(const Certificate& cert) {
  X509* x = cert.get();
  if (X509_check_issued(x, x) != X509_V_OK) return false;
  const bool ok = X509_verify(x, X509_get0_pubkey(x)) == 1;
  ERR_clear_error();
  return ok;
}

Result<SigningAuthority> SigningAuthority::fromPem(std::string_view certChainPem,
                                                   std::string_view keyPem) {
  auto chain = Certificate::chainFromPem(certChainPem);
  if (!chain) {
    return makeError("BadCA", "the CA Secret's tls.crt: " + chain.error().message +
                                  "; put the CA certificate (then its issuers) there in PEM");
  }
  auto key = PrivateKey::fromPem(keyPem);
  if (!key) {
    return makeError("BadCA", "the CA Secret's tls.key: " + key.error().message);
  }
  X509* ca = chain->front().get();
  if (X509_check_private_key(ca, key->get()) != 1) {
    ERR_clear_error();
    return makeError("BadCA",
                     "expected tls.key to be the private key of the first certificate "
                     "in tls.crt (CN=" +
                         chain->front().subjectCommonName() +
                         "), found a different key; put the matching pair in the "
                         "Secret");
  }
  if (auto r = checkCanSign(chain->front()); !r) return r.error();
  return SigningAuthority(std::move(*key), std::move(*chain));
}

Result<SigningAuthority> SigningAuthority::generateRoot(const std::string& commonName,
                                                        KeyAlgorithm algorithm,
                                                        SystemTime notBefore, SystemTime notAfter) {
  auto key = PrivateKey::generate(algorithm);
  if (!key) return key.error();
  return rootWithKey(commonName, std::move(*key), notBefore, notAfter);
}

Result<SigningAuthority> SigningAuthority::rootWithKey(const std::string& commonName,
                                                       PrivateKey key, SystemTime notBefore,
                                                       SystemTime notAfter, std::string serial) {
  CertificateTemplate tmpl = caTemplate(commonName, notBefore, notAfter);
  tmpl.serial = std::move(serial);
  auto cert = signCertificate(tmpl, key.get(), key, nullptr);
  if (!cert) return cert.error();
  std::vector<Certificate> chain;
  chain.push_back(std::move(*cert));
  return SigningAuthority(std::move(key), std::move(chain));
}

Result<Certificate> SigningAuthority::crossSign(const Certificate& ca, SystemTime notBefore,
                                                SystemTime notAfter) const {
  // The subject must be the CA's own, byte for byte, for verifiers to build the path through it.
  CertificateTemplate tmpl = caTemplate(ca.subjectCommonName(), notBefore, notAfter);
  unsigned char* der = nullptr;
  const int size = i2d_X509_NAME(X509_get_subject_name(ca.get()), &der);
  if (size <= 0)
    return makeError("BadCA", "the CA's subject cannot be encoded: " + lastOpensslError());
  tmpl.subjectDer.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  tmpl.subject = detail::nameEntries(X509_get_subject_name(ca.get()));
  if (std::string digest = preferredDigest(); !digest.empty()) tmpl.signatureDigest = digest;
  return signCertificate(tmpl, X509_get0_pubkey(ca.get()), key_, &certificate());
}

Result<SigningAuthority> SigningAuthority::issueIntermediate(const std::string& commonName,
                                                             KeyAlgorithm algorithm,
                                                             SystemTime notBefore,
                                                             SystemTime notAfter) const {
  auto key = PrivateKey::generate(algorithm);
  if (!key) return key.error();
  return issueIntermediate(commonName, std::move(*key), notBefore, notAfter);
}

Result<SigningAuthority> SigningAuthority::issueIntermediate(const std::string& commonName,
                                                             PrivateKey key, SystemTime notBefore,
                                                             SystemTime notAfter) const {
  CertificateTemplate tmpl = caTemplate(commonName, notBefore, notAfter);
  tmpl.maxPathLength = 0;
  if (std::string digest = preferredDigest(); !digest.empty()) tmpl.signatureDigest = digest;
  auto cert = signCertificate(tmpl, key.get(), key_, &certificate());
  if (!cert) return cert.error();
  std::vector<Certificate> chain;
  chain.push_back(std::move(*cert));
  chain.insert(chain.end(), chain_.begin(), chain_.end());
  return SigningAuthority(std::move(key), std::move(chain));
}

Result<Certificate> SigningAuthority::crossSign(const Certificate& ca) const {
  return crossSign(ca, certificate().notBefore(), certificate().notAfter());
}

std::string SigningAuthority::preferredDigest() const {
  EVP_PKEY* k = key_.get();
  const int bits = EVP_PKEY_get_bits(k);
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_ED25519:
      return "";
    case EVP_PKEY_EC:
      return bits > 384 ? "SHA512" : bits > 256 ? "SHA384" : "SHA256";
    default:
      return bits >= 4096 ? "SHA512" : bits >= 3072 ? "SHA384" : "SHA256";
  }
}

std::string SigningAuthority::certificatePem() const {
  std::string out;
  for (const auto& c : chain_) out += c.toPem();
  return out;
}

}  // namespace certchaos::pki
