// Private keys: generation, PEM encoding, and the public half, on OpenSSL 3's EVP API.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "certchaos/common/result.h"

namespace certchaos::pki {

enum class KeyAlgorithm {
  kRsa2048,
  kRsa3072,
  kRsa4096,
  kEcdsaP256,
  kEcdsaP384,
  kEcdsaP521,
  kEd25519
};

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

class PrivateKey {
 public:
  static Result<PrivateKey> generate(KeyAlgorithm algorithm);
  static Result<PrivateKey> fromPem(std::string_view pem);
  // The Ed25519 key whose 32-byte private seed this is (RFC 8032): the same bytes give the same
  // key, so a seeded fault can make the same CA key in every reconcile and after a restart.
  static Result<PrivateKey> ed25519FromSeed(const std::array<unsigned char, 32>& seed);
  // A P-256 key whose scalar is SHA-256(`seed`) reduced modulo the group order: the same key
  // wherever the same seed is given. Only for chaos CAs that the issuer and the runner must agree
  // on without exchanging keys; anyone who knows the seed has the key.
  static Result<PrivateKey> deriveEcdsaP256(std::string_view seed);
  // Another handle on the same key (OpenSSL reference count).
  PrivateKey share() const;

  // PKCS#8 PEM; callers must never log it.
  std::string toPem() const;
  std::string publicKeyPem() const;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  explicit PrivateKey(EvpPkeyPtr key) : key_(std::move(key)) {}
  EvpPkeyPtr key_;
};

// The last OpenSSL error as text, for error messages.
std::string lastOpensslError();

}  // namespace certchaos::pki
