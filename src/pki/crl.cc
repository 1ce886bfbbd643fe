#include "certchaos/pki/crl.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

#include "openssl_util.h"

namespace certchaos::pki {
namespace {

// A CRL is small; a distribution point serving more is not serving a CRL of ours.
constexpr std::size_t kMaxCrlBytes = 1 << 20;

std::string hexOf(const ASN1_INTEGER* serial) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  if (bn == nullptr) return "";
  char* hex = BN_bn2hex(bn);
  std::string out = hex == nullptr ? "" : hex;
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

}  // namespace

Result<Crl> Crl::parse(std::string_view derOrPem) {
  if (derOrPem.empty()) {
    return makeError("BadCRL", "expected a CRL (DER or PEM), found an empty body");
  }
  if (derOrPem.size() > kMaxCrlBytes) {
    return makeError("BadCRL", "expected a CRL of at most 1 MiB, found " +
                                   std::to_string(derOrPem.size()) + " bytes");
  }
  X509_CRL* raw = nullptr;
  if (derOrPem.find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
    detail::BioPtr bio(BIO_new_mem_buf(derOrPem.data(), static_cast<int>(derOrPem.size())));
    raw = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(derOrPem.data());
    raw = d2i_X509_CRL(nullptr, &p, static_cast<long>(derOrPem.size()));
  }
  if (raw == nullptr) {
    const std::string why = lastOpensslError();
    ERR_clear_error();
    return makeError("BadCRL", "expected a CRL (DER or PEM X509 CRL), found " +
                                   std::to_string(derOrPem.size()) +
                                   " bytes that do not parse as one (" + why + ")");
  }
  return Crl(X509CrlPtr(raw));
}

Result<Crl> Crl::build(const SigningAuthority& authority,
                       const std::vector<RevokedCertificate>& revoked, SystemTime thisUpdate,
                       SystemTime nextUpdate) {
  X509CrlPtr crl(X509_CRL_new());
  if (!crl || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(authority.certificate().get())) !=
          1) {
    return makeError("CRLFailed", "cannot start a CRL: " + lastOpensslError());
  }
  auto setTime = [](SystemTime t) {
    return ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(t));
  };
  ASN1_TIME* last = setTime(thisUpdate);
  ASN1_TIME* next = setTime(nextUpdate);
  const bool timesSet = last != nullptr && next != nullptr &&
                        X509_CRL_set1_lastUpdate(crl.get(), last) == 1 &&
                        X509_CRL_set1_nextUpdate(crl.get(), next) == 1;
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  if (!timesSet) return makeError("CRLFailed", "cannot set the CRL's update times");
  for (const auto& entry : revoked) {
    BIGNUM* bn = nullptr;
    if (BN_hex2bn(&bn, entry.serialHex.c_str()) == 0) {
      return makeError("CRLFailed",
                       "expected a hexadecimal serial to revoke, found '" + entry.serialHex + "'");
    }
    ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
    BN_free(bn);
    ASN1_TIME* at = setTime(entry.revokedAt);
    X509_REVOKED* item = X509_REVOKED_new();
    const bool ok = serial != nullptr && at != nullptr && item != nullptr &&
                    X509_REVOKED_set_serialNumber(item, serial) == 1 &&
                    X509_REVOKED_set_revocationDate(item, at) == 1 &&
                    X509_CRL_add0_revoked(crl.get(), item) == 1;
    ASN1_INTEGER_free(serial);
    ASN1_TIME_free(at);
    if (!ok) {
      X509_REVOKED_free(item);
      return makeError("CRLFailed", "cannot list serial " + entry.serialHex + " as revoked");
    }
  }
  X509_CRL_sort(crl.get());
  const std::string digest = authority.preferredDigest();
  const EVP_MD* md = digest.empty() ? nullptr : EVP_get_digestbyname(digest.c_str());
  if (X509_CRL_sign(crl.get(), authority.key().get(), md) <= 0) {
    return makeError("CRLFailed", "signing the CRL failed: " + lastOpensslError());
  }
  return Crl(std::move(crl));
}

std::string Crl::toDer() const {
  unsigned char* der = nullptr;
  const int len = i2d_X509_CRL(crl_.get(), &der);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string Crl::issuerCommonName() const {
  for (const auto& [name, value] : detail::nameEntries(X509_CRL_get_issuer(crl_.get()))) {
    if (name == "CN") return value;
  }
  return "";
}

SystemTime Crl::thisUpdate() const {
  return detail::asn1ToTimePoint(X509_CRL_get0_lastUpdate(crl_.get()));
}

std::vector<RevokedCertificate> Crl::revoked() const {
  std::vector<RevokedCertificate> out;
  STACK_OF(X509_REVOKED)* items = X509_CRL_get_REVOKED(crl_.get());
  for (int i = 0; items != nullptr && i < sk_X509_REVOKED_num(items); ++i) {
    const X509_REVOKED* item = sk_X509_REVOKED_value(items, i);
    out.push_back({hexOf(X509_REVOKED_get0_serialNumber(item)),
                   detail::asn1ToTimePoint(X509_REVOKED_get0_revocationDate(item))});
  }
  return out;
}

}  // namespace certchaos::pki
