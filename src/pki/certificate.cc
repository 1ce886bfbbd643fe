#include "certchaos/pki/certificate.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "openssl_util.h"

namespace certchaos::pki {
namespace {

std::string x509NameCommonName(X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

Result<void> addExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr) {
    return makeError("BadTemplate", "cannot encode extension " + std::string(OBJ_nid2sn(nid)) +
                                        "=" + value + ": " + lastOpensslError());
  }
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return {};
}

Result<void> addRawExtension(X509* cert, int nid, const RawExtension& raw) {
  ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char*>(raw.der.data()),
                        static_cast<int>(raw.der.size()));
  X509_EXTENSION* ext = X509_EXTENSION_create_by_NID(nullptr, nid, raw.critical ? 1 : 0, value);
  ASN1_OCTET_STRING_free(value);
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) {
    X509_EXTENSION_free(ext);
    return makeError("BadTemplate", "cannot add extension " + std::string(OBJ_nid2sn(nid)) + ": " +
                                        lastOpensslError());
  }
  X509_EXTENSION_free(ext);
  return {};
}

// The subject: the request's DER as it came while `subject` still says what it decodes to,
// otherwise encoded from `subject` (or commonName and organizations when that is empty).
Result<void> setSubject(X509* cert, const CertificateTemplate& tmpl) {
  if (!tmpl.subjectDer.empty()) {
    const auto* p = reinterpret_cast<const unsigned char*>(tmpl.subjectDer.data());
    X509_NAME* raw = d2i_X509_NAME(nullptr, &p, static_cast<long>(tmpl.subjectDer.size()));
    if (raw == nullptr) {
      return makeError("BadTemplate",
                       "the template's subject is not a DER Name: " + lastOpensslError());
    }
    const bool unchanged = detail::nameEntries(raw) == tmpl.subject;
    if (unchanged) X509_set_subject_name(cert, raw);
    X509_NAME_free(raw);
    if (unchanged) return {};
  }
  X509_NAME* name = X509_get_subject_name(cert);
  for (const auto& [type, value] : tmpl.subject) {
    if (X509_NAME_add_entry_by_txt(name, type.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                   0) != 1) {
      return makeError("BadTemplate", "cannot encode subject attribute " + type + "='" + value +
                                          "': " + lastOpensslError());
    }
  }
  for (const auto& org : tmpl.subject.empty() ? tmpl.organizations : std::vector<std::string>{}) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  }
  if (tmpl.subject.empty() && !tmpl.commonName.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(tmpl.commonName.c_str()), -1,
                               -1, 0);
  }
  return {};
}

// As Go's x509: the issuer's subjectKeyIdentifier when it has one, nothing otherwise (a CA
// without one can still sign) and nothing on a self-signed certificate or one named as its issuer.
Result<void> addAuthorityKeyId(X509* cert, const Certificate* issuer) {
  if (issuer == nullptr) return {};
  // Go cites no key identifier either when the subject is the issuer's own name.
  if (X509_NAME_cmp(X509_get_subject_name(issuer->get()), X509_get_subject_name(cert)) == 0) {
    return {};
  }
  const ASN1_OCTET_STRING* issuerKeyId = X509_get0_subject_key_id(issuer->get());
  if (issuerKeyId == nullptr) return {};
  AUTHORITY_KEYID* akid = AUTHORITY_KEYID_new();
  akid->keyid = ASN1_OCTET_STRING_dup(issuerKeyId);
  const int added =
      X509_add1_ext_i2d(cert, NID_authority_key_identifier, akid, 0, X509V3_ADD_DEFAULT);
  AUTHORITY_KEYID_free(akid);
  if (added != 1) {
    return makeError("BadTemplate", "cannot add the authorityKeyIdentifier: " + lastOpensslError());
  }
  return {};
}

// RFC 5280 §4.2.1.6: with an empty subject the SAN extension must be critical.
Result<void> addSubjectAltName(X509* cert, const CertificateTemplate& tmpl, bool subjectEmpty) {
  const detail::SubjectAltNames wanted{tmpl.dnsNames, tmpl.ipAddresses, tmpl.uris, tmpl.emails,
                                       tmpl.otherSans};
  if (!tmpl.subjectAltNameDer.empty()) {
    const auto* p = reinterpret_cast<const unsigned char*>(tmpl.subjectAltNameDer.data());
    detail::GeneralNamesPtr raw(
        d2i_GENERAL_NAMES(nullptr, &p, static_cast<long>(tmpl.subjectAltNameDer.size())));
    if (!raw) {
      return makeError("BadTemplate", "the template's subjectAltName is not DER GeneralNames: " +
                                          lastOpensslError());
    }
    auto carried = detail::splitGeneralNames(raw.get(), "subjectAltName");
    if (carried && *carried == wanted) {
      return addRawExtension(cert, NID_subject_alt_name, {tmpl.subjectAltNameDer, subjectEmpty});
    }
  }
  if (wanted == detail::SubjectAltNames{}) return {};
  auto names = detail::buildGeneralNames(wanted);
  if (!names) return names.error();
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names->get(), subjectEmpty ? 1 : 0,
                        X509V3_ADD_DEFAULT) != 1) {
    return makeError("BadTemplate", "cannot add the subjectAltName: " + lastOpensslError());
  }
  return {};
}

}  // namespace

Certificate::Certificate(const Certificate& other) : cert_(X509_dup(other.cert_.get())) {}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) cert_.reset(X509_dup(other.cert_.get()));
  return *this;
}

Result<Certificate> Certificate::fromPem(std::string_view pem) {
  detail::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) {
    return makeError(
        "BadCertificate",
        "expected a PEM CERTIFICATE block, found data OpenSSL cannot read: " + lastOpensslError());
  }
  return Certificate(X509Ptr(cert));
}

Result<std::vector<Certificate>> Certificate::chainFromPem(std::string_view pem) {
  detail::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<Certificate> chain;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    chain.emplace_back(X509Ptr(cert));
  }
  ERR_clear_error();  // the loop always ends on a "no start line" error
  if (chain.empty()) {
    return makeError("BadCertificate", "expected one or more PEM CERTIFICATE blocks, found none");
  }
  return chain;
}

std::string Certificate::toPem() const {
  detail::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert_.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string Certificate::serialHex() const {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::string Certificate::subjectCommonName() const {
  return x509NameCommonName(X509_get_subject_name(cert_.get()));
}
std::string Certificate::issuerCommonName() const {
  return x509NameCommonName(X509_get_issuer_name(cert_.get()));
}
SystemTime Certificate::notBefore() const {
  return detail::asn1ToTimePoint(X509_get0_notBefore(cert_.get()));
}
SystemTime Certificate::notAfter() const {
  return detail::asn1ToTimePoint(X509_get0_notAfter(cert_.get()));
}
bool Certificate::isCA() const { return X509_check_ca(cert_.get()) > 0; }

std::vector<std::string> Certificate::dnsNames() const {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert_.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* s = name->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::vector<std::string> Certificate::crlDistributionPoints() const {
  std::vector<std::string> out;
  auto* points = static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(cert_.get(), NID_crl_distribution_points, nullptr, nullptr));
  for (int i = 0; points != nullptr && i < sk_DIST_POINT_num(points); ++i) {
    const DIST_POINT* point = sk_DIST_POINT_value(points, i);
    if (point->distpoint == nullptr || point->distpoint->type != 0) continue;  // not a fullName
    const GENERAL_NAMES* names = point->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, j);
      if (name->type != GEN_URI) continue;
      const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                       static_cast<std::size_t>(ASN1_STRING_length(uri)));
    }
  }
  CRL_DIST_POINTS_free(points);
  return out;
}

std::vector<std::string> Certificate::ipAddresses() const {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert_.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_IPADD) continue;
    const ASN1_OCTET_STRING* ip = name->d.iPAddress;
    const int len = ASN1_STRING_length(ip);
    if (len != 4 && len != 16) {  // not an address: say so rather than read past its bytes
      out.push_back("(invalid IP SAN of " + std::to_string(len) + " bytes)");
      continue;
    }
    char buf[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), buf, sizeof buf) !=
        nullptr) {
      out.emplace_back(buf);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

Result<Certificate> signCertificate(const CertificateTemplate& tmpl, EVP_PKEY* subjectKey,
                                    const PrivateKey& issuerKey, const Certificate* issuer) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);

  // 128 random bits, positive, as CAs do (RFC 5280 allows up to 20 octets), unless fixed.
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn =
      tmpl.serial.empty()
          ? BN_bin2bn(serial, sizeof serial, nullptr)
          : BN_bin2bn(reinterpret_cast<const unsigned char*>(tmpl.serial.data()),
                      static_cast<int>(std::min<std::size_t>(tmpl.serial.size(), 20)), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);

  ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                std::chrono::system_clock::to_time_t(tmpl.notBefore));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                std::chrono::system_clock::to_time_t(tmpl.notAfter));

  if (auto r = setSubject(cert.get(), tmpl); !r) return r.error();
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer->get()) : name);
  if (X509_set_pubkey(cert.get(), subjectKey) != 1) {
    return makeError("BadKey", "the subject key cannot be used: " + lastOpensslError());
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer->get() : cert.get(), cert.get(), nullptr, nullptr,
                 0);
  std::string bc = tmpl.isCA ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (tmpl.isCA && tmpl.maxPathLength) bc += ",pathlen:" + std::to_string(*tmpl.maxPathLength);
  std::vector<std::pair<int, std::string>> exts;
  if (tmpl.keyUsage != 0) exts.emplace_back(NID_key_usage, detail::keyUsageConf(tmpl.keyUsage));
  if (!tmpl.extKeyUsageOids.empty()) {
    std::string eku;
    for (const auto& oid : tmpl.extKeyUsageOids) eku += (eku.empty() ? "" : ",") + oid;
    exts.emplace_back(NID_ext_key_usage, eku);
  }
  exts.emplace_back(NID_basic_constraints, bc);
  // As Go's x509: only a CA gets a subjectKeyIdentifier of its own.
  if (tmpl.isCA) exts.emplace_back(NID_subject_key_identifier, "hash");
  if (!tmpl.crlDistributionPoints.empty()) {
    std::string cdp;
    for (const auto& uri : tmpl.crlDistributionPoints)
      cdp += (cdp.empty() ? "" : ",") + ("URI:" + uri);
    exts.emplace_back(NID_crl_distribution_points, cdp);
  }
  for (const auto& [nid, value] : exts) {
    if (auto r = addExtension(cert.get(), &ctx, nid, value); !r) return r.error();
  }
  if (auto r = addAuthorityKeyId(cert.get(), issuer); !r) return r.error();
  if (auto r = addSubjectAltName(cert.get(), tmpl, X509_NAME_entry_count(name) == 0); !r) {
    return r.error();
  }
  if (tmpl.nameConstraints) {
    if (auto r = addRawExtension(cert.get(), NID_name_constraints, *tmpl.nameConstraints); !r) {
      return r.error();
    }
  }

  const bool edwards = EVP_PKEY_get_base_id(issuerKey.get()) == EVP_PKEY_ED25519;
  const EVP_MD* md = edwards ? nullptr : EVP_get_digestbyname(tmpl.signatureDigest.c_str());
  if (!edwards && md == nullptr) {
    return makeError("BadTemplate", "unknown signature digest '" + tmpl.signatureDigest +
                                        "'; expected SHA256, SHA384, SHA512 or SHA1");
  }
  if (X509_sign(cert.get(), issuerKey.get(), md) <= 0) {
    return makeError("SigningFailed", "signing the certificate failed: " + lastOpensslError());
  }
  return Certificate(std::move(cert));
}

}  // namespace certchaos::pki
