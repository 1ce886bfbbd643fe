#include "pki_test_util.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>

#include "certchaos/pki/usages.h"

namespace certchaos::pki::testing {

PrivateKey makeKey(KeyAlgorithm algorithm) {
  auto key = PrivateKey::generate(algorithm);
  EXPECT_TRUE(key.ok());
  return std::move(*key);
}

PrivateKey makeRawKey(const char* type, const char* param) {
  EVP_PKEY* raw = std::string(type) == "RSA"
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{std::stoul(param)})
                  : param != nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, param)
                                     : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  EXPECT_NE(raw, nullptr) << lastOpensslError();
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, raw, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  auto key = PrivateKey::fromPem(std::string(data, static_cast<size_t>(len)));
  BIO_free(bio);
  EVP_PKEY_free(raw);
  EXPECT_TRUE(key.ok());
  return std::move(*key);
}

CsrTemplate defaultCsrTemplate() {
  CsrTemplate t;
  t.subject = {{"O", "certchaos tests"}, {"CN", "app.example.com"}};
  t.dnsNames = {"app.example.com", "www.example.com"};
  t.keyUsage = kDigitalSignature | kKeyEncipherment;
  return t;
}

CertificateSigningRequest makeCsr(const CsrTemplate& tmpl, const PrivateKey& key) {
  auto pem = buildCsrPem(tmpl, key);
  EXPECT_TRUE(pem.ok()) << (pem.ok() ? "" : pem.error().message);
  auto csr = CertificateSigningRequest::fromPem(*pem);
  EXPECT_TRUE(csr.ok()) << (csr.ok() ? "" : csr.error().message);
  return std::move(*csr);
}

SigningAuthority makeRoot(KeyAlgorithm algorithm, const std::string& name) {
  auto root = SigningAuthority::generateRoot(name, algorithm, testNow() - std::chrono::hours(24),
                                             testNow() + std::chrono::hours(24 * 3650));
  EXPECT_TRUE(root.ok()) << (root.ok() ? "" : root.error().message);
  return std::move(*root);
}

std::string verifyChain(const std::string& chainPem, const std::string& trustedPem, SystemTime at) {
  auto chain = Certificate::chainFromPem(chainPem);
  if (!chain) return "chain does not parse: " + chain.error().message;
  auto trusted = Certificate::chainFromPem(trustedPem);
  if (!trusted) return "trusted roots do not parse: " + trusted.error().message;
  X509_STORE* store = X509_STORE_new();
  for (const auto& c : *trusted) X509_STORE_add_cert(store, c.get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (size_t i = 1; i < chain->size(); ++i) sk_X509_push(untrusted, (*chain)[i].get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, chain->front().get(), untrusted);
  X509_STORE_CTX_set_time(ctx, 0, std::chrono::system_clock::to_time_t(at));
  const int ok = X509_verify_cert(ctx);
  std::string out = ok == 1 ? "ok" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  return out;
}

unsigned leafKeyUsage(const Certificate& cert) {
  return keyUsageFromOpenssl(X509_get_key_usage(cert.get()));
}

std::vector<std::string> leafExtKeyUsage(const Certificate& cert) {
  std::vector<std::string> out;
  auto* ekus = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(cert.get(), NID_ext_key_usage, nullptr, nullptr));
  for (int i = 0; ekus != nullptr && i < sk_ASN1_OBJECT_num(ekus); ++i) {
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, sk_ASN1_OBJECT_value(ekus, i), 1);
    out.emplace_back(buf);
  }
  EXTENDED_KEY_USAGE_free(ekus);
  return out;
}

}  // namespace certchaos::pki::testing
