#include "certchaos/pki/csr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "pki_test_util.h"

namespace certchaos::pki {
namespace {

using testing::defaultCsrTemplate;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::makeCsr;
using testing::makeKey;
using testing::makeRawKey;

struct KeyCase {
  KeyAlgorithm algorithm;
  const char* description;
};

class CsrKeyTypeTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(CsrKeyTypeTest, ParsesSpecRequestAndVerifiesSignature) {
  auto key = makeKey(GetParam().algorithm);
  auto pem = buildCsrPem(defaultCsrTemplate(), key);
  ASSERT_TRUE(pem.ok());
  auto csr = CertificateSigningRequest::fromBase64Pem(encodeBase64(*pem));
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->keyInfo().describe(), GetParam().description);
  EXPECT_EQ(EVP_PKEY_eq(csr->publicKey(), key.get()), 1);
  EXPECT_EQ(csr->keyInfo().algorithm(), GetParam().algorithm);
}

INSTANTIATE_TEST_SUITE_P(EveryAcceptedKey, CsrKeyTypeTest,
                         ::testing::Values(KeyCase{KeyAlgorithm::kRsa2048, "RSA 2048"},
                                           KeyCase{KeyAlgorithm::kRsa3072, "RSA 3072"},
                                           KeyCase{KeyAlgorithm::kRsa4096, "RSA 4096"},
                                           KeyCase{KeyAlgorithm::kEcdsaP256, "ECDSA P-256"},
                                           KeyCase{KeyAlgorithm::kEcdsaP384, "ECDSA P-384"},
                                           KeyCase{KeyAlgorithm::kEcdsaP521, "ECDSA P-521"},
                                           KeyCase{KeyAlgorithm::kEd25519, "Ed25519"}));

TEST(CsrTest, ExposesSubjectSansUsagesAndBasicConstraints) {
  CsrTemplate t;
  t.subject = {{"C", "DE"}, {"O", "Example"}, {"OU", "Ops"}, {"CN", "app.example.com"}};
  t.dnsNames = {"app.example.com", "*.example.com"};
  t.ipAddresses = {"10.0.0.1", "2001:db8::1"};
  t.uris = {"spiffe://cluster.local/ns/default/sa/app"};
  t.emails = {"ops@example.com"};
  t.keyUsage = kDigitalSignature | kKeyEncipherment;
  t.extKeyUsageOids = std::vector<std::string>{kServerAuthOid, kClientAuthOid};
  t.isCA = false;
  auto csr = makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256));

  EXPECT_EQ(csr.subject(), t.subject);
  EXPECT_EQ(csr.commonName(), "app.example.com");
  EXPECT_EQ(csr.dnsNames(), t.dnsNames);
  EXPECT_EQ(csr.ipAddresses(), t.ipAddresses);
  EXPECT_EQ(csr.uris(), t.uris);
  EXPECT_EQ(csr.emails(), t.emails);
  EXPECT_EQ(csr.keyUsage(), kDigitalSignature | kKeyEncipherment);
  ASSERT_TRUE(csr.extKeyUsageOids());
  EXPECT_THAT(*csr.extKeyUsageOids(), ElementsAre(kServerAuthOid, kClientAuthOid));
  ASSERT_TRUE(csr.basicConstraints());
  EXPECT_FALSE(csr.basicConstraints()->isCA);
}

TEST(CsrTest, AbsentExtensionsAreNullopt) {
  CsrTemplate t;
  t.subject = {{"CN", "bare"}};
  auto csr = makeCsr(t, makeKey(KeyAlgorithm::kEd25519));
  EXPECT_FALSE(csr.keyUsage());
  EXPECT_FALSE(csr.extKeyUsageOids());
  EXPECT_FALSE(csr.basicConstraints());
  EXPECT_TRUE(csr.dnsNames().empty());
}

TEST(CsrTest, AcceptsBarePemInSpecRequest) {
  auto pem = buildCsrPem(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256));
  ASSERT_TRUE(pem.ok());
  EXPECT_TRUE(CertificateSigningRequest::fromBase64Pem(*pem).ok());
}

TEST(CsrTest, RoundTripsThroughPem) {
  auto csr = makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256));
  auto again = CertificateSigningRequest::fromPem(csr.toPem());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->dnsNames(), csr.dnsNames());
}

TEST(CsrTest, RefusesNonBase64WithOffset) {
  auto csr = CertificateSigningRequest::fromBase64Pem("TUlJQ!!");
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code, "BadRequest");
  EXPECT_THAT(csr.error().message, HasSubstr("found byte 0x21 at offset 5"));
}

TEST(CsrTest, RefusesTruncatedBase64) {
  auto csr = CertificateSigningRequest::fromBase64Pem("TUlJQ");
  ASSERT_FALSE(csr.ok());
  EXPECT_THAT(csr.error().message, HasSubstr("multiple of 4"));
}

TEST(CsrTest, RefusesBase64OfSomethingElse) {
  auto csr = CertificateSigningRequest::fromBase64Pem(encodeBase64("\x30\x82\x01\x0a garbage"));
  ASSERT_FALSE(csr.ok());
  EXPECT_THAT(csr.error().message, HasSubstr("without a PEM header"));
}

TEST(CsrTest, RefusesGarbagePem) {
  auto csr = CertificateSigningRequest::fromPem(
      "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----\n");
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code, "BadRequest");
  EXPECT_THAT(csr.error().message, HasSubstr("expected a PEM CERTIFICATE REQUEST"));
}

TEST(CsrTest, RefusesEmptyRequest) {
  auto csr = CertificateSigningRequest::fromBase64Pem("");
  ASSERT_FALSE(csr.ok());
  EXPECT_THAT(csr.error().message, HasSubstr("empty"));
}

TEST(CsrTest, RefusesABadSignature) {
  auto key = makeKey(KeyAlgorithm::kEcdsaP256);
  auto pem = buildCsrPem(defaultCsrTemplate(), key);
  ASSERT_TRUE(pem.ok());
  // Change the subject after signing: the old signature no longer covers the content.
  BIO* in = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  X509_REQ* req = PEM_read_bio_X509_REQ(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("evil.example.com"), -1, -1, 0);
  X509_REQ_set_subject_name(req, name);
  X509_NAME_free(name);
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(out, req);
  char* data = nullptr;
  long len = BIO_get_mem_data(out, &data);
  std::string tampered(data, static_cast<size_t>(len));
  BIO_free(out);
  X509_REQ_free(req);

  auto csr = CertificateSigningRequest::fromPem(tampered);
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code, "BadSignature");
  EXPECT_THAT(csr.error().message, HasSubstr("does not verify"));
}

TEST(CsrTest, RefusesWeakRsa) {
  auto key = makeRawKey("RSA", "1024");
  auto pem = buildCsrPem(defaultCsrTemplate(), key);
  ASSERT_TRUE(pem.ok());
  auto csr = CertificateSigningRequest::fromPem(*pem);
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code, "WeakKey");
  EXPECT_THAT(csr.error().message, HasSubstr("found RSA 1024"));
  EXPECT_THAT(csr.error().message, HasSubstr("spec.privateKey"));
}

TEST(CsrTest, RefusesOtherCurvesAndKeyTypes) {
  using Case = std::tuple<const char*, const char*, const char*>;
  for (auto [type, param, found] :
       {Case{"EC", "secp256k1", "curve 'secp256k1'"}, Case{"ED448", nullptr, "ED448"}}) {
    auto pem = buildCsrPem(defaultCsrTemplate(), makeRawKey(type, param));
    ASSERT_TRUE(pem.ok());
    auto csr = CertificateSigningRequest::fromPem(*pem);
    ASSERT_FALSE(csr.ok()) << type;
    EXPECT_EQ(csr.error().code, "UnsupportedKey");
    EXPECT_THAT(csr.error().message, HasSubstr(found));
  }
}

}  // namespace
}  // namespace certchaos::pki
