#include "certchaos/pki/key.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace certchaos::pki {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string bioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

std::string lastOpensslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

Result<PrivateKey> PrivateKey::generate(KeyAlgorithm algorithm) {
  EVP_PKEY* key = nullptr;
  switch (algorithm) {
    case KeyAlgorithm::kRsa2048:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case KeyAlgorithm::kRsa3072:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
      break;
    case KeyAlgorithm::kRsa4096:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096});
      break;
    case KeyAlgorithm::kEcdsaP256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyAlgorithm::kEcdsaP384:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyAlgorithm::kEcdsaP521:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
    case KeyAlgorithm::kEd25519:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (key == nullptr)
    return makeError("KeyGeneration", "generating a key failed: " + lastOpensslError());
  return PrivateKey(EvpPkeyPtr(key));
}

Result<PrivateKey> PrivateKey::ed25519FromSeed(const std::array<unsigned char, 32>& seed) {
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (key == nullptr) {
    return makeError("KeyGeneration",
                     "making an Ed25519 key from a seed failed: " + lastOpensslError());
  }
  return PrivateKey(EvpPkeyPtr(key));
}

Result<PrivateKey> PrivateKey::fromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return makeError("BadKey",
                     "expected a PEM private key (PKCS#1, SEC1 or PKCS#8), found data "
                     "OpenSSL cannot read: " +
                         lastOpensslError());
  }
  return PrivateKey(EvpPkeyPtr(key));
}

std::string PrivateKey::toPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bioToString(bio.get());
}

std::string PrivateKey::publicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key_.get());
  return bioToString(bio.get());
}

}  // namespace certchaos::pki
