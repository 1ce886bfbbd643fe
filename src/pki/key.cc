#include "certchaos/pki/key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

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

Result<PrivateKey> PrivateKey::deriveEcdsaP256(std::string_view seed) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), digest);
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), &EC_GROUP_free);
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), &BN_CTX_free);
  std::unique_ptr<BIGNUM, decltype(&BN_clear_free)> scalar(
      BN_bin2bn(digest, sizeof digest, nullptr), &BN_clear_free);
  auto failed = [] {
    return makeError("KeyGeneration", "deriving a P-256 key failed: " + lastOpensslError());
  };
  if (!group || !ctx || !scalar) return failed();
  if (BN_nnmod(scalar.get(), scalar.get(), EC_GROUP_get0_order(group.get()), ctx.get()) != 1) {
    return failed();
  }
  if (BN_is_zero(scalar.get())) BN_one(scalar.get());  // 2^-256: still a valid key
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> point(EC_POINT_new(group.get()),
                                                            &EC_POINT_free);
  unsigned char pub[65];
  if (!point ||
      EC_POINT_mul(group.get(), point.get(), scalar.get(), nullptr, nullptr, ctx.get()) != 1 ||
      EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub,
                         ctx.get()) != sizeof pub) {
    return failed();
  }
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                        &OSSL_PARAM_BLD_free);
  if (!build ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_PRIV_KEY, scalar.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub) !=
          1) {
    return failed();
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
      OSSL_PARAM_BLD_to_param(build.get()), &OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> pctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
      EVP_PKEY_fromdata(pctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return failed();
  }
  return PrivateKey(EvpPkeyPtr(key));
}

PrivateKey PrivateKey::share() const {
  EVP_PKEY_up_ref(key_.get());
  return PrivateKey(EvpPkeyPtr(key_.get()));
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
