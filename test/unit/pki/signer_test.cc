#include "certchaos/pki/signer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <array>
#include <functional>

#include "certchaos/common/time.h"
#include "pki_test_util.h"

namespace certchaos::pki {
namespace {

using std::chrono::hours;
using testing::defaultCsrTemplate;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::leafExtKeyUsage;
using testing::leafKeyUsage;
using testing::makeCsr;
using testing::makeKey;
using testing::makeRoot;
using testing::testNow;
using testing::verifyChain;

struct AlgorithmPair {
  KeyAlgorithm ca;
  KeyAlgorithm leaf;
  const char* digest;  // the signature algorithm expected on the leaf
};

class SignerKeyTest : public ::testing::TestWithParam<AlgorithmPair> {};

TEST_P(SignerKeyTest, SignsAndVerifiesAgainstTheRoot) {
  auto root = makeRoot(GetParam().ca);
  auto csr = makeCsr(defaultCsrTemplate(), makeKey(GetParam().leaf));
  auto issued = signRequest(csr, RequestSpec{}, root, testNow());
  ASSERT_TRUE(issued.ok()) << issued.error().message;

  EXPECT_EQ(verifyChain(issued->bundle.chainPem, issued->bundle.caPem, testNow()), "ok");
  EXPECT_EQ(issued->bundle.caPem, root.certificate().toPem());
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(issued->leaf.get()), csr.publicKey()), 1);
  EXPECT_EQ(issued->leaf.notBefore(), testNow());
  EXPECT_EQ(issued->leaf.notAfter() - issued->leaf.notBefore(), kDefaultCertificateDuration);
  const int sigNid = X509_get_signature_nid(issued->leaf.get());
  EXPECT_STREQ(OBJ_nid2sn(sigNid), GetParam().digest);
}

INSTANTIATE_TEST_SUITE_P(
    CaAndLeafKeys, SignerKeyTest,
    ::testing::Values(
        AlgorithmPair{KeyAlgorithm::kEcdsaP256, KeyAlgorithm::kRsa2048, "ecdsa-with-SHA256"},
        AlgorithmPair{KeyAlgorithm::kEcdsaP384, KeyAlgorithm::kEcdsaP256, "ecdsa-with-SHA384"},
        AlgorithmPair{KeyAlgorithm::kEcdsaP521, KeyAlgorithm::kEd25519, "ecdsa-with-SHA512"},
        AlgorithmPair{KeyAlgorithm::kRsa2048, KeyAlgorithm::kEcdsaP384, "RSA-SHA256"},
        AlgorithmPair{KeyAlgorithm::kRsa3072, KeyAlgorithm::kEcdsaP521, "RSA-SHA384"},
        AlgorithmPair{KeyAlgorithm::kEd25519, KeyAlgorithm::kRsa3072, "ED25519"}));

// root-rotation's CA: the same seed makes the same key and, with a fixed serial, the same root
// certificate byte for byte (Ed25519 signs deterministically); another seed another key.
TEST(SignerTest, ASeededRootIsReproducible) {
  std::array<unsigned char, 32> seed{};
  seed[0] = 7;
  auto make = [&](const std::array<unsigned char, 32>& s) {
    auto key = PrivateKey::ed25519FromSeed(s);
    EXPECT_TRUE(key.ok());
    auto root = SigningAuthority::rootWithKey("seeded root", std::move(*key), testNow() - hours(1),
                                              testNow() + hours(24), std::string("\x01\x02", 2));
    EXPECT_TRUE(root.ok()) << (root.ok() ? "" : root.error().message);
    return root->certificatePem();
  };
  const std::string a = make(seed);
  EXPECT_EQ(a, make(seed));
  EXPECT_EQ(Certificate::fromPem(a)->serialHex(), "0102");
  auto other = seed;
  other[31] = 1;
  EXPECT_NE(a, make(other));
}

// A cross-signature: the new root's name and key signed by the old root, so a chain under the new
// root verifies for a client that trusts only the old one, and still for one that trusts the new.
TEST(SignerTest, ACrossSignedRootLeadsToTheOldRoot) {
  auto oldRoot = makeRoot(KeyAlgorithm::kEcdsaP256, "old root");
  auto newRoot = makeRoot(KeyAlgorithm::kEd25519, "new root");
  auto cross =
      oldRoot.crossSign(newRoot.certificate(), testNow() - hours(1), testNow() + hours(24));
  ASSERT_TRUE(cross.ok()) << cross.error().message;
  EXPECT_EQ(cross->subjectCommonName(), "new root");
  EXPECT_EQ(cross->issuerCommonName(), "old root");
  EXPECT_TRUE(cross->isCA());
  auto csr = makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256));
  auto leaf = signRequest(csr, RequestSpec{}, newRoot, testNow());
  ASSERT_TRUE(leaf.ok());
  const std::string chain = leaf->leaf.toPem() + cross->toPem();
  EXPECT_EQ(verifyChain(chain, oldRoot.certificate().toPem(), testNow()), "ok");
  EXPECT_EQ(verifyChain(chain, newRoot.certificate().toPem(), testNow()), "ok");
  EXPECT_NE(verifyChain(leaf->leaf.toPem(), oldRoot.certificate().toPem(), testNow()), "ok");
}

TEST(SignerTest, CopiesSubjectAndEverySanKind) {
  CsrTemplate t = defaultCsrTemplate();
  t.subject = {{"C", "DE"}, {"O", "Example"}, {"CN", "app.example.com"}};
  t.ipAddresses = {"10.1.2.3", "2001:db8::7"};
  t.uris = {"spiffe://cluster.local/ns/a/sa/b"};
  t.emails = {"ops@example.com"};
  auto root = makeRoot();
  auto issued = signRequest(makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256)), {}, root, testNow());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  const Certificate& leaf = issued->leaf;
  EXPECT_EQ(leaf.subjectCommonName(), "app.example.com");
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(leaf.get()), buf, sizeof buf);
  EXPECT_STREQ(buf, "/C=DE/O=Example/CN=app.example.com");
  EXPECT_EQ(leaf.dnsNames(), t.dnsNames);
  EXPECT_EQ(leaf.ipAddresses(), t.ipAddresses);
  EXPECT_EQ(X509_check_email(leaf.get(), "ops@example.com", 0, 0), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "www.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(leaf.issuerCommonName(), "test root");
}

TEST(SignerTest, EmptySubjectMakesSanCritical) {
  CsrTemplate t = defaultCsrTemplate();
  t.subject.clear();
  auto root = makeRoot();
  auto issued = signRequest(makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256)), {}, root, testNow());
  ASSERT_TRUE(issued.ok());
  int idx = X509_get_ext_by_NID(issued->leaf.get(), NID_subject_alt_name, -1);
  ASSERT_GE(idx, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(issued->leaf.get(), idx)), 1);
}

TEST(SignerTest, DefaultUsagesAndLeafConstraints) {
  auto root = makeRoot();
  auto issued = signRequest(makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kRsa2048)), {},
                            root, testNow());
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(leafKeyUsage(issued->leaf), kDigitalSignature | kKeyEncipherment);
  EXPECT_TRUE(leafExtKeyUsage(issued->leaf).empty());
  EXPECT_FALSE(issued->leaf.isCA());
}

TEST(SignerTest, RequestedUsagesDurationAndIsCa) {
  CsrTemplate t = defaultCsrTemplate();
  t.keyUsage = kDigitalSignature | kCertSign;
  t.extKeyUsageOids = std::vector<std::string>{kServerAuthOid, kClientAuthOid};
  t.isCA = true;
  RequestSpec spec;
  spec.isCA = true;
  spec.usages = {"digital signature", "server auth", "client auth"};
  spec.duration = hours(1);
  auto root = makeRoot();
  auto issued = signRequest(makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256)), spec, root, testNow());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_TRUE(issued->leaf.isCA());
  EXPECT_EQ(leafKeyUsage(issued->leaf), kDigitalSignature | kCertSign);
  EXPECT_THAT(leafExtKeyUsage(issued->leaf), ElementsAre(kServerAuthOid, kClientAuthOid));
  EXPECT_EQ(issued->leaf.notAfter() - issued->leaf.notBefore(), hours(1));
}

TEST(SignerTest, CsrWithoutUsageExtensionsTakesTheSpec) {
  CsrTemplate t = defaultCsrTemplate();
  t.keyUsage.reset();
  RequestSpec spec;
  spec.usages = {"server auth"};
  auto root = makeRoot();
  auto issued = signRequest(makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256)), spec, root, testNow());
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(leafKeyUsage(issued->leaf), 0u);
  EXPECT_THAT(leafExtKeyUsage(issued->leaf), ElementsAre(kServerAuthOid));
}

TEST(SignerTest, KeyUsageMismatchIsInvalidRequest) {
  CsrTemplate t = defaultCsrTemplate();
  t.keyUsage = kDigitalSignature;  // the spec's defaults also ask for key encipherment
  auto tmpl = templateForRequest(makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256)), {}, testNow());
  ASSERT_FALSE(tmpl.ok());
  EXPECT_EQ(tmpl.error().code, "InvalidRequest");
  EXPECT_THAT(tmpl.error().message,
              HasSubstr("expected the CSR's keyUsage to be ['digital signature', "
                        "'key encipherment']"));
  EXPECT_THAT(tmpl.error().message, HasSubstr("found ['digital signature']"));
}

TEST(SignerTest, ExtKeyUsageMismatchIsInvalidRequest) {
  CsrTemplate t = defaultCsrTemplate();
  t.extKeyUsageOids = std::vector<std::string>{kClientAuthOid};
  RequestSpec spec;
  spec.usages = {"digital signature", "key encipherment", "server auth"};
  auto tmpl = templateForRequest(makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256)), spec, testNow());
  ASSERT_FALSE(tmpl.ok());
  EXPECT_THAT(tmpl.error().message, HasSubstr("extendedKeyUsage to be ['server auth']"));
  EXPECT_THAT(tmpl.error().message, HasSubstr("found ['client auth']"));
}

TEST(SignerTest, IsCaMismatchIsInvalidRequest) {
  CsrTemplate t = defaultCsrTemplate();
  t.isCA = true;
  auto tmpl = templateForRequest(makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256)), {}, testNow());
  ASSERT_FALSE(tmpl.ok());
  EXPECT_EQ(tmpl.error().code, "InvalidRequest");
  EXPECT_THAT(tmpl.error().message, HasSubstr("CA:FALSE as spec.isCA asks, found CA:TRUE"));
}

TEST(SignerTest, UnknownUsageAndBadDurationAreInvalidRequest) {
  auto csr = makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256));
  RequestSpec spec;
  spec.usages = {"flying"};
  auto a = templateForRequest(csr, spec, testNow());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, "InvalidRequest");
  RequestSpec zero;
  zero.duration = std::chrono::nanoseconds(0);
  auto b = templateForRequest(csr, zero, testNow());
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.error().message, HasSubstr("positive duration"));
}

TEST(SignerTest, IntermediateChainIsBundledLikeCertManager) {
  auto root = makeRoot(KeyAlgorithm::kEcdsaP256, "root");
  auto intermediate = root.issueIntermediate("intermediate", KeyAlgorithm::kEcdsaP256,
                                             testNow() - hours(1), testNow() + hours(24 * 365));
  ASSERT_TRUE(intermediate.ok()) << intermediate.error().message;
  auto issued = signRequest(makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256)), {},
                            *intermediate, testNow());
  ASSERT_TRUE(issued.ok());
  auto chain = Certificate::chainFromPem(issued->bundle.chainPem);
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);  // leaf + intermediate; the self-signed root is left out
  EXPECT_EQ((*chain)[1].subjectCommonName(), "intermediate");
  EXPECT_EQ(issued->bundle.caPem, root.certificate().toPem());
  EXPECT_EQ(verifyChain(issued->bundle.chainPem, issued->bundle.caPem, testNow()), "ok");
}

TEST(SignerTest, BundleWithoutRootKeepsTheTopmostCertificate) {
  auto root = makeRoot(KeyAlgorithm::kEcdsaP256, "root");
  auto intermediate = root.issueIntermediate("intermediate", KeyAlgorithm::kEcdsaP256,
                                             testNow() - hours(1), testNow() + hours(24 * 365));
  ASSERT_TRUE(intermediate.ok());
  // An authority loaded from a Secret holding only the intermediate (no root).
  auto loaded =
      SigningAuthority::fromPem(intermediate->certificate().toPem(), intermediate->keyPem());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  auto issued = signRequest(makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256)), {},
                            *loaded, testNow());
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(Certificate::chainFromPem(issued->bundle.chainPem)->size(), 2u);
  EXPECT_EQ(issued->bundle.caPem, intermediate->certificate().toPem());
}

// tls.crt holding the chain up to the root and ca.crt the root again: bundled once.
TEST(SignerTest, ACertificateGivenTwiceIsBundledOnce) {
  auto root = makeRoot(KeyAlgorithm::kEcdsaP256, "root");
  auto intermediate = root.issueIntermediate("intermediate", KeyAlgorithm::kEcdsaP256,
                                             testNow() - hours(1), testNow() + hours(24 * 365));
  ASSERT_TRUE(intermediate.ok());
  auto loaded = SigningAuthority::fromPem(intermediate->certificatePem() +
                                              intermediate->certificate().toPem() +
                                              root.certificate().toPem(),
                                          intermediate->keyPem());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->chain().size(), 4u);
  auto issued = signRequest(makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256)), {},
                            *loaded, testNow());
  ASSERT_TRUE(issued.ok());
  auto chain = Certificate::chainFromPem(issued->bundle.chainPem);
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[1].subjectCommonName(), "intermediate");
  EXPECT_EQ(issued->bundle.caPem, root.certificate().toPem());
}

TEST(SigningAuthorityTest, RoundTripsThroughItsSecret) {
  auto root = makeRoot(KeyAlgorithm::kRsa2048);
  auto loaded = SigningAuthority::fromPem(root.certificatePem(), root.keyPem());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->certificate().serialHex(), root.certificate().serialHex());
  EXPECT_TRUE(isSelfSigned(loaded->certificate()));
}

TEST(SigningAuthorityTest, RefusesAKeyThatDoesNotMatch) {
  auto root = makeRoot();
  auto other = makeKey(KeyAlgorithm::kEcdsaP256);
  auto loaded = SigningAuthority::fromPem(root.certificatePem(), other.toPem());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, "BadCA");
  EXPECT_THAT(loaded.error().message, HasSubstr("found a different key"));
  EXPECT_THAT(loaded.error().message, Not(HasSubstr("PRIVATE KEY")));
}

TEST(SigningAuthorityTest, RefusesALeafAsCa) {
  auto root = makeRoot();
  auto key = makeKey(KeyAlgorithm::kEcdsaP256);
  auto csr = makeCsr(defaultCsrTemplate(), key);
  auto leaf = signRequest(csr, {}, root, testNow());
  ASSERT_TRUE(leaf.ok());
  auto loaded = SigningAuthority::fromPem(leaf->leaf.toPem(), key.toPem());
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().message, HasSubstr("which is not; use a CA certificate"));
}

// The root's certificate changed by `edit` and signed again by its own key: a CA as other tools
// make them (without a subject key identifier, with a narrower keyUsage).
std::string reissuedRoot(const SigningAuthority& root, const std::function<void(X509*)>& edit) {
  X509* x = X509_dup(root.certificate().get());
  edit(x);
  EXPECT_GT(X509_sign(x, root.key().get(), EVP_sha256()), 0);
  auto cert = Certificate::fromPem([&] {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, x);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return pem;
  }());
  X509_free(x);
  EXPECT_TRUE(cert.ok());
  return cert.ok() ? cert->toPem() : "";
}

void dropExtension(X509* x, int nid) {
  const int at = X509_get_ext_by_NID(x, nid, -1);
  ASSERT_GE(at, 0);
  X509_EXTENSION_free(X509_delete_ext(x, at));
}

TEST(SignerTest, AuthorityKeyIdentifierIsTheCasSubjectKeyIdentifier) {
  auto root = makeRoot();
  auto issued = signRequest(makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256)), {},
                            root, testNow());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(issued->leaf.get());
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(root.certificate().get());
  ASSERT_NE(aki, nullptr);
  ASSERT_NE(ski, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(aki, ski), 0);
}

// RFC 5280 lets a CA say "no well-defined expiration" with 99991231235959Z, beyond the year 2262
// where a time point ends: its notAfter reads as the latest time a time point holds (not a signed
// overflow), and it signs a leaf for the duration asked, as Go's crypto/x509 does.
TEST(SignerTest, ACaValidUntilTheYear9999SignsForTheDurationAsked) {
  auto root = makeRoot();
  const std::string caPem = reissuedRoot(root, [](X509* x) {
    ASSERT_EQ(ASN1_TIME_set_string(X509_getm_notAfter(x), "99991231235959Z"), 1);
  });
  auto ca = SigningAuthority::fromPem(caPem, root.keyPem());
  ASSERT_TRUE(ca.ok()) << ca.error().message;
  // The latest whole second a SystemTime holds.
  EXPECT_EQ(formatRfc3339(ca->certificate().notAfter()), "2262-04-11T23:47:15Z");
  auto issued = signRequest(makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256)), {},
                            *ca, testNow());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->leaf.notAfter() - issued->leaf.notBefore(), kDefaultCertificateDuration);
}

// As Go's x509.CreateCertificate, which cert-manager's CA issuer uses: a CA without a subject
// key identifier signs, and its certificates carry no authority key identifier.
TEST(SignerTest, ACaWithoutSubjectKeyIdentifierSignsWithoutAuthorityKeyIdentifier) {
  auto root = makeRoot();
  const std::string caPem =
      reissuedRoot(root, [](X509* x) { dropExtension(x, NID_subject_key_identifier); });
  auto ca = SigningAuthority::fromPem(caPem, root.keyPem());
  ASSERT_TRUE(ca.ok()) << ca.error().message;
  ASSERT_EQ(X509_get0_subject_key_id(ca->certificate().get()), nullptr);
  auto issued = signRequest(makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256)), {},
                            *ca, testNow());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(X509_get_ext_by_NID(issued->leaf.get(), NID_authority_key_identifier, -1), -1);
  EXPECT_EQ(verifyChain(issued->bundle.chainPem, caPem, testNow()), "ok");
}

// Go leaves the authority key identifier out when the subject is the issuer's name.
TEST(SignerTest, ASubjectThatIsTheCasNameGetsNoAuthorityKeyIdentifier) {
  auto root = makeRoot();
  CsrTemplate t = defaultCsrTemplate();
  t.subject = {{"O", "certchaos"}, {"CN", "test root"}};
  auto issued = signRequest(makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256)), {}, root, testNow());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  ASSERT_EQ(X509_NAME_cmp(X509_get_subject_name(issued->leaf.get()),
                          X509_get_subject_name(root.certificate().get())),
            0)
      << "the test's CSR must carry the root's subject";
  EXPECT_EQ(X509_get_ext_by_NID(issued->leaf.get(), NID_authority_key_identifier, -1), -1);
}

TEST(SigningAuthorityTest, RefusesACaWithoutKeyCertSignNamingIt) {
  auto root = makeRoot();
  const std::string caPem = reissuedRoot(root, [](X509* x) {
    dropExtension(x, NID_key_usage);
    X509_EXTENSION* ku =
        X509V3_EXT_conf_nid(nullptr, nullptr, NID_key_usage, "critical,digitalSignature,cRLSign");
    X509_add_ext(x, ku, -1);
    X509_EXTENSION_free(ku);
  });
  auto loaded = SigningAuthority::fromPem(caPem, root.keyPem());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, "BadCA");
  EXPECT_THAT(loaded.error().message, HasSubstr("keyCertSign"));
  EXPECT_THAT(loaded.error().message, HasSubstr("[digital signature, crl sign]"));
  EXPECT_THAT(loaded.error().message, Not(HasSubstr("basicConstraints")));
}

TEST(SigningAuthorityTest, RefusesGarbage) {
  auto loaded = SigningAuthority::fromPem("nope", "nope");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().message, HasSubstr("tls.crt"));
}

// A key derived from a seed is a usable P-256 key, the same for the same seed and another for
// another seed; its PEM is the only place the private part appears.
TEST(DerivedKeyTest, SameSeedSameKey) {
  auto a = PrivateKey::deriveEcdsaP256("certchaos test 1");
  auto b = PrivateKey::deriveEcdsaP256("certchaos test 1");
  auto c = PrivateKey::deriveEcdsaP256("certchaos test 2");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->toPem(), b->toPem());
  EXPECT_EQ(a->publicKeyPem(), b->publicKeyPem());
  EXPECT_NE(a->publicKeyPem(), c->publicKeyPem());
  EXPECT_EQ(EVP_PKEY_get_bits(a->get()), 256);
  auto root = SigningAuthority::rootWithKey(
      "derived root", std::move(*a), testing::testNow() - hours(1), testing::testNow() + hours(24));
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_TRUE(isSelfSigned(root->certificate()));
}

// A cross-signature keeps the subject (byte for byte) and the key of the CA it certifies, so a
// leaf of that CA chains to the cross-signing root through it, and to the CA's own root without.
TEST(CrossSignTest, LeafChainsThroughTheCrossSignature) {
  auto current = testing::makeRoot(KeyAlgorithm::kEcdsaP256, "current root");
  auto other = testing::makeRoot(KeyAlgorithm::kRsa2048, "other root");
  auto cross = other.crossSign(current.certificate());
  ASSERT_TRUE(cross.ok()) << cross.error().message;
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cross->get()),
                          X509_get_subject_name(current.certificate().get())),
            0);
  EXPECT_EQ(cross->issuerCommonName(), "other root");
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(cross->get()),
                                  X509_get0_subject_key_id(current.certificate().get())),
            0);
  EXPECT_EQ(cross->notAfter(), other.certificate().notAfter());
  auto key = makeKey(KeyAlgorithm::kEcdsaP256);
  auto issued = signRequest(makeCsr(defaultCsrTemplate(), key), {}, current, testing::testNow());
  ASSERT_TRUE(issued.ok());
  const std::string chain = issued->leaf.toPem() + cross->toPem();
  EXPECT_EQ(testing::verifyChain(chain, other.certificate().toPem(), testing::testNow()), "ok");
  EXPECT_EQ(testing::verifyChain(chain, current.certificate().toPem(), testing::testNow()), "ok");
}

}  // namespace
}  // namespace certchaos::pki
