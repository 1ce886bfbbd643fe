// What makes a client's trust anchor the issuer of a chain: the subject and the public key. A
// cross-signed certificate, or the same root re-derived elsewhere, matches by these, not by bytes.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certchaos/pki/certificate.h"
#include "check_kind.h"

namespace certchaos::scenario {

std::vector<RootIdentity> rootIdentities(const std::string& pem) {
  std::vector<RootIdentity> out;
  auto chain = pki::Certificate::chainFromPem(pem);
  if (!chain) return out;
  for (const auto& c : *chain) {
    unsigned char* der = nullptr;
    const int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c.get()), &der);
    if (size <= 0) continue;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    const bool hashed = EVP_Digest(der, static_cast<std::size_t>(size), digest, &length,
                                   EVP_sha256(), nullptr) == 1;
    OPENSSL_free(der);
    if (!hashed) continue;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
      hex += kHex[digest[i] >> 4];
      hex += kHex[digest[i] & 0xf];
    }
    const std::string cn = c.subjectCommonName();
    out.push_back({cn.empty() ? "" : "CN=" + cn, hex});
  }
  return out;
}

}  // namespace certchaos::scenario
