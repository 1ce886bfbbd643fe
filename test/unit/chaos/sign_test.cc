// FaultEngine::sign: healthy output, and each signing and output fault's effect on what a client
// (OpenSSL chain and hostname verification) sees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "certchaos/chaos/fault_engine.h"
#include "certchaos/chaos/seeded_roots.h"
#include "certchaos/pki/signer.h"
#include "engine_test_util.h"

namespace certchaos::chaos {
namespace {

using pki::Certificate;
using pki::KeyAlgorithm;
using pki::testing::defaultCsrTemplate;
using pki::testing::makeCsr;
using pki::testing::makeKey;
using pki::testing::makeRoot;
using pki::testing::verifyChain;
using std::chrono::hours;
using ::testing::AllOf;
using testing::approvedRequest;
using testing::engineFor;
using ::testing::HasSubstr;
using ::testing::Not;

class SignTest : public ::testing::Test {
 protected:
  SignTest()
      : root_(makeRoot(KeyAlgorithm::kEcdsaP256, "issuer root")),
        key_(makeKey(KeyAlgorithm::kEcdsaP256)),
        csr_(makeCsr(defaultCsrTemplate(), key_)) {}

  SignedOutput sign(const std::string& specFields, pki::RequestSpec spec = {}) {
    auto engine = engineFor(specFields);
    const RequestContext ctx = approvedRequest();
    auto decision = engine.decide(ctx);
    EXPECT_EQ(decision.action, Action::kSign);
    auto out = engine.sign(decision, ctx, csr_, spec, root_);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    return out.ok() ? *out : SignedOutput{};
  }
  static Certificate leafOf(const SignedOutput& out) {
    return *Certificate::fromPem(out.certificatePem);
  }
  std::string verify(const SignedOutput& out) {
    return verifyChain(out.certificatePem, out.caPem, approvedRequest().now);
  }
  static bool hostOk(const Certificate& c, const char* host) {
    return X509_check_host(c.get(), host, 0, 0, nullptr) == 1;
  }

  pki::SigningAuthority root_;
  pki::PrivateKey key_;
  pki::CertificateSigningRequest csr_;
};

TEST_F(SignTest, HealthyOutputIsWhatCertManagerExpects) {
  auto out = sign(R"("faults": [])");
  EXPECT_EQ(verify(out), "ok");
  EXPECT_EQ(out.caPem, root_.certificate().toPem());
  auto leaf = leafOf(out);
  EXPECT_EQ(leaf.notAfter() - leaf.notBefore(), pki::kDefaultCertificateDuration);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(leaf.get()), key_.get()), 1);
  EXPECT_TRUE(hostOk(leaf, "www.example.com"));
  EXPECT_TRUE(out.applied.empty());
}

TEST_F(SignTest, InvalidRequestPassesThrough) {
  auto engine = engineFor(R"("faults": [])");
  pki::RequestSpec spec;
  spec.isCA = true;  // the CSR says nothing of CA, but encodes usages without cert sign
  auto out = engine.sign(engine.decide(approvedRequest()), approvedRequest(), csr_, spec, root_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, "InvalidRequest");
}

TEST_F(SignTest, TimeScaleShortensTheLifetime) {
  auto out = sign(R"("faults": [], "timeScale": 2160)");  // 90 days -> 1 hour
  auto leaf = leafOf(out);
  EXPECT_EQ(leaf.notAfter() - leaf.notBefore(), hours(1));
}

TEST_F(SignTest, ShortLived) {
  auto out = sign(R"("scenario": "10", "parameters": {"validity": "90m"})");
  auto leaf = leafOf(out);
  EXPECT_EQ(leaf.notAfter() - leaf.notBefore(), std::chrono::minutes(90));
  EXPECT_EQ(verify(out), "ok");
  ASSERT_EQ(out.applied.size(), 1u);
  EXPECT_EQ(out.applied[0].reason, "ChaosShortLived");
}

TEST_F(SignTest, Expired) {
  auto out = sign(R"("scenario": "expired", "parameters": {"expiredFor": "2h"})");
  auto leaf = leafOf(out);
  EXPECT_EQ(leaf.notAfter(), approvedRequest().now - hours(2));
  EXPECT_EQ(leaf.notAfter() - leaf.notBefore(), pki::kDefaultCertificateDuration);
  EXPECT_EQ(verify(out), "certificate has expired");
}

TEST_F(SignTest, NotYetValid) {
  auto out = sign(R"("scenario": "12", "parameters": {"skew": "30m"})");
  EXPECT_EQ(leafOf(out).notBefore(), approvedRequest().now + std::chrono::minutes(30));
  EXPECT_EQ(verify(out), "certificate is not yet valid");
}

TEST_F(SignTest, Backdated) {
  auto out = sign(R"("scenario": "23")");
  auto leaf = leafOf(out);
  const auto now = approvedRequest().now;
  const auto lifetime = leaf.notAfter() - leaf.notBefore();
  EXPECT_EQ(lifetime, pki::kDefaultCertificateDuration);
  EXPECT_LT(leaf.notBefore() + lifetime * 2 / 3, now);  // cert-manager's renewal time is past
  EXPECT_GT(leaf.notAfter(), now);
  EXPECT_EQ(verify(out), "ok");
}

TEST_F(SignTest, ExpiredIntermediate) {
  auto out = sign(R"("scenario": "13")");
  auto chain = Certificate::chainFromPem(out.certificatePem);
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_LT((*chain)[1].notAfter(), approvedRequest().now);
  EXPECT_GT((*chain)[0].notAfter(), approvedRequest().now);
  EXPECT_EQ(out.caPem, root_.certificate().toPem());
  EXPECT_EQ(verify(out), "certificate has expired");
}

TEST_F(SignTest, IntermediateExpiringBeforeTheLeaf) {
  auto out = sign(R"("scenario": "13", "parameters": {"mode": "expires-before-leaf"})");
  auto chain = Certificate::chainFromPem(out.certificatePem);
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_LT((*chain)[1].notAfter(), (*chain)[0].notAfter());
  EXPECT_EQ(verify(out), "ok");  // valid today; breaks halfway through the leaf's life
  EXPECT_EQ(verifyChain(out.certificatePem, out.caPem, (*chain)[1].notAfter() + hours(1)),
            "certificate has expired");
}

TEST_F(SignTest, IncompleteChain) {
  auto out = sign(R"("scenario": "incomplete-chain")");
  EXPECT_EQ(Certificate::chainFromPem(out.certificatePem)->size(), 1u);
  EXPECT_NE(leafOf(out).issuerCommonName(), "issuer root");
  EXPECT_EQ(out.caPem, root_.certificate().toPem());
  EXPECT_EQ(verify(out), "unable to get local issuer certificate");
}

TEST_F(SignTest, UntrustedRoot) {
  auto out = sign(R"("scenario": "18")");
  EXPECT_EQ(out.caPem, root_.certificate().toPem());
  EXPECT_EQ(leafOf(out).issuerCommonName(), "certchaos untrusted root");
  EXPECT_EQ(verify(out), "unable to get local issuer certificate");

  auto published = sign(R"("scenario": "18", "parameters": {"publishRoot": "true"})");
  EXPECT_NE(published.caPem, root_.certificate().toPem());
  EXPECT_EQ(verify(published), "ok");  // trusts whatever ca.crt says: the trap of status.ca
  EXPECT_NE(
      verifyChain(published.certificatePem, root_.certificate().toPem(), approvedRequest().now),
      "ok");
}

// Root rotation: from the rotation (chaosSince) the leaf is signed under a new root; in the grace
// period ca.crt holds the new and the old root and the chain carries the new root cross-signed by
// the old CA, so a client that still trusts only the old root verifies it; after it, the new root
// alone.
class RootRotationTest : public SignTest {
 protected:
  Result<SignedOutput> rotate(const std::string& parameters, std::optional<SystemTime> since,
                              const std::string& uid = "uid-1", int seed = 1) {
    auto spec =
        parseChaosSpecText(R"({"selfSigned": {}, "scenario": "17", "seed": )" +
                           std::to_string(seed) + R"(, "parameters": {)" + parameters + "}}");
    if (!spec) return spec.error();
    auto engine = FaultEngine::fromSpec(*spec);
    if (!engine) return engine.error();
    RequestContext ctx = approvedRequest(uid);
    ctx.chaosSince = since;
    auto decision = engine->decide(ctx);
    EXPECT_EQ(decision.action, Action::kSign);
    return engine->sign(decision, ctx, csr_, {}, root_);
  }
  static std::vector<Certificate> certificates(const std::string& pem) {
    auto chain = Certificate::chainFromPem(pem);
    return chain ? *chain : std::vector<Certificate>{};
  }
  const std::string oldRoot() const { return root_.certificate().toPem(); }
  const SystemTime now_ = approvedRequest().now;
};

TEST_F(RootRotationTest, InTheGracePeriodBothTrustsVerify) {
  auto out = rotate("", now_ - std::chrono::minutes(10));  // grace 1h by default
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(leafOf(*out).issuerCommonName(), "certchaos rotated root");
  const auto ca = certificates(out->caPem);
  ASSERT_EQ(ca.size(), 2u);
  EXPECT_EQ(ca[0].subjectCommonName(), "certchaos rotated root");
  EXPECT_EQ(ca[1].toPem(), oldRoot());
  // leaf + the new root cross-signed by the old CA
  const auto chain = certificates(out->certificatePem);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[1].subjectCommonName(), "certchaos rotated root");
  EXPECT_EQ(chain[1].issuerCommonName(), "issuer root");
  EXPECT_EQ(verifyChain(out->certificatePem, oldRoot(), now_), "ok");       // before
  EXPECT_EQ(verifyChain(out->certificatePem, out->caPem, now_), "ok");      // ca.crt
  EXPECT_EQ(verifyChain(out->certificatePem, ca[0].toPem(), now_), "ok");   // new root only
  EXPECT_EQ(verifyChain(leafOf(*out).toPem(), ca[0].toPem(), now_), "ok");  // leaf alone
}

TEST_F(RootRotationTest, TheNewRootIsTheSameForEveryRequestOfTheSeed) {
  const auto since = now_ - std::chrono::minutes(1);
  auto a = rotate("", since, "uid-1");
  auto b = rotate("", since, "uid-2");
  auto other = rotate("", since, "uid-1", 2);
  ASSERT_TRUE(a.ok() && b.ok() && other.ok());
  EXPECT_EQ(a->caPem, b->caPem);  // byte for byte: ca.crt does not change between renewals
  EXPECT_NE(a->caPem, other->caPem);
  EXPECT_EQ(verifyChain(leafOf(*b).toPem(), certificates(a->caPem)[0].toPem(), now_), "ok");
}

TEST_F(RootRotationTest, AfterTheGracePeriodOnlyTheNewRoot) {
  auto out = rotate(R"("grace": "1h")", now_ - std::chrono::hours(2));
  ASSERT_TRUE(out.ok()) << out.error().message;
  const auto ca = certificates(out->caPem);
  ASSERT_EQ(ca.size(), 1u);
  EXPECT_EQ(ca[0].subjectCommonName(), "certchaos rotated root");
  EXPECT_EQ(certificates(out->certificatePem).size(), 1u);
  EXPECT_EQ(verifyChain(out->certificatePem, out->caPem, now_), "ok");
  EXPECT_EQ(verifyChain(out->certificatePem, oldRoot(), now_),
            "unable to get local issuer certificate");
}

TEST_F(RootRotationTest, NoGracePeriodDropsTheOldRootAtOnce) {
  auto out = rotate(R"("grace": "0s")", now_);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(certificates(out->caPem).size(), 1u);
  EXPECT_EQ(verifyChain(out->certificatePem, oldRoot(), now_),
            "unable to get local issuer certificate");
}

TEST_F(RootRotationTest, WithoutCrossSignOnlyCaCrtAnnouncesTheNewRoot) {
  auto out = rotate(R"("crossSign": "false")", now_);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(certificates(out->caPem).size(), 2u);
  EXPECT_EQ(certificates(out->certificatePem).size(), 1u);
  EXPECT_EQ(verifyChain(out->certificatePem, out->caPem, now_), "ok");
  EXPECT_EQ(verifyChain(out->certificatePem, oldRoot(), now_),
            "unable to get local issuer certificate");
}

TEST_F(RootRotationTest, AGracePeriodLongerThanTheCertificateIsAnError) {
  auto out = rotate(R"("grace": "2200h")", now_);  // the request's lifetime: 90 days (2160h)
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.error().message, HasSubstr("grace=2200h"));
  EXPECT_THAT(out.error().message, HasSubstr("between 0 and the certificate's lifetime (2160h"));
  auto negative =
      parseChaosSpecText(R"({"selfSigned": {}, "scenario": "17", "parameters": {"grace": "-5m"}})");
  ASSERT_TRUE(negative.ok());
  auto engine = FaultEngine::fromSpec(*negative);
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(engine.error().message,
              HasSubstr("grace: expected a non-negative duration, found \"-5m\""));
}

TEST_F(SignTest, WrongSanReplace) {
  auto out = sign(R"("scenario": "19")");
  auto leaf = leafOf(out);
  EXPECT_FALSE(hostOk(leaf, "app.example.com"));
  EXPECT_FALSE(hostOk(leaf, "www.example.com"));
  EXPECT_TRUE(hostOk(leaf, "wrong.certchaos.invalid"));
  EXPECT_NE(leaf.subjectCommonName(), "app.example.com");
  EXPECT_EQ(verify(out), "ok");
}

TEST_F(SignTest, WrongSanDropAndTypo) {
  auto dropped = leafOf(sign(R"("scenario": "19", "parameters": {"mode": "drop"})"));
  EXPECT_FALSE(hostOk(dropped, "app.example.com"));
  EXPECT_TRUE(hostOk(dropped, "www.example.com"));
  auto typo = leafOf(sign(R"("scenario": "19", "parameters": {"mode": "typo"})"));
  EXPECT_EQ(typo.dnsNames(),
            (std::vector<std::string>{"wrong-app.example.com", "wrong-www.example.com"}));
  EXPECT_FALSE(hostOk(typo, "app.example.com"));
}

TEST_F(SignTest, KeyMismatch) {
  auto out = sign(R"("scenario": "20")");
  auto leaf = leafOf(out);
  EXPECT_NE(EVP_PKEY_eq(X509_get0_pubkey(leaf.get()), key_.get()), 1);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(leaf.get())), EVP_PKEY_EC);
  EXPECT_EQ(verify(out), "ok");
}

TEST_F(SignTest, BadProfileModes) {
  auto eku = leafOf(sign(R"("scenario": "21")"));
  EXPECT_EQ(pki::testing::leafExtKeyUsage(eku), std::vector<std::string>{"1.3.6.1.5.5.7.3.3"});
  EXPECT_EQ(X509_check_purpose(eku.get(), X509_PURPOSE_SSL_SERVER, 0), 0);

  auto caLeaf = leafOf(sign(R"("scenario": "21", "parameters": {"mode": "ca-leaf"})"));
  EXPECT_TRUE(caLeaf.isCA());

  auto ku = leafOf(sign(R"("scenario": "21", "parameters": {"mode": "key-usage"})"));
  EXPECT_EQ(pki::testing::leafKeyUsage(ku), pki::kCrlSign);

  auto sha1 = leafOf(sign(R"("scenario": "21", "parameters": {"mode": "sha1"})"));
  EXPECT_STREQ(OBJ_nid2sn(X509_get_signature_nid(sha1.get())), "ecdsa-with-SHA1");
}

TEST_F(SignTest, BadProfileSha1NeedsADigestCa) {
  auto edRoot = makeRoot(KeyAlgorithm::kEd25519);
  auto engine = engineFor(R"("scenario": "21", "parameters": {"mode": "sha1"})");
  const RequestContext ctx = approvedRequest();
  auto out = engine.sign(engine.decide(ctx), ctx, csr_, {}, edRoot);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.error().message, HasSubstr("found an Ed25519 CA"));
}

TEST_F(SignTest, CorruptModes) {
  auto truncated = sign(R"("scenario": "22")");
  EXPECT_FALSE(Certificate::chainFromPem(truncated.certificatePem).ok());
  EXPECT_EQ(truncated.applied.at(0).reason, "ChaosCorrupt");

  auto garbage = sign(R"("scenario": "22", "parameters": {"mode": "garbage"})");
  EXPECT_EQ(garbage.certificatePem.size(), 512u);
  EXPECT_FALSE(Certificate::chainFromPem(garbage.certificatePem).ok());

  auto badBase64 = sign(R"("scenario": "22", "parameters": {"mode": "bad-base64"})");
  EXPECT_THAT(badBase64.certificatePem, HasSubstr("-----BEGIN CERTIFICATE-----\n!!!!"));
  EXPECT_FALSE(Certificate::chainFromPem(badBase64.certificatePem).ok());

  auto badSig = sign(R"("scenario": "22", "parameters": {"mode": "bad-signature"})");
  auto leaf = Certificate::fromPem(badSig.certificatePem);
  ASSERT_TRUE(leaf.ok());  // parses, so cert-manager's public-key check passes
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(leaf->get()), key_.get()), 1);
  EXPECT_NE(verify(badSig), "ok");
}

TEST_F(SignTest, CorruptGarbageIsSeeded) {
  auto a = sign(R"("faults": [{"type": "corrupt", "parameters": {"mode": "garbage"}, "seed": 5}])");
  auto b = sign(R"("faults": [{"type": "corrupt", "parameters": {"mode": "garbage"}, "seed": 5}])");
  EXPECT_EQ(a.certificatePem, b.certificatePem);
}

TEST_F(SignTest, ComposedSigningFaults) {
  auto out = sign(R"("faults": [{"type": "short-lived", "parameters": {"validity": "2h"}},
                                {"type": "not-yet-valid", "parameters": {"skew": "1h"}},
                                {"type": "incomplete-chain"}])");
  auto leaf = leafOf(out);
  EXPECT_EQ(leaf.notAfter() - leaf.notBefore(), hours(2));
  EXPECT_EQ(leaf.notBefore(), approvedRequest().now + hours(1));
  EXPECT_EQ(Certificate::chainFromPem(out.certificatePem)->size(), 1u);
  EXPECT_EQ(out.applied.size(), 3u);
}

// Scenario 25: the leaf names the issuer's CRL; the first certificate of the scenario is to be
// published as revoked revokeAfter (scaled) after signing, the replacements are not.
TEST_F(SignTest, RevokedNamesTheCrlAndRevokesOnlyTheFirstCertificates) {
  auto engine = engineFor(R"("scenario": "25", "timeScale": 60,
                              "parameters": {"revokeAfter": "10m", "count": "1"})");
  RequestContext ctx = approvedRequest();
  ctx.crlUrl = "http://127.0.0.1:8080/crl/ChaosIssuer/ns/chaos.crl";
  const auto decision = engine.decide(ctx);
  ASSERT_EQ(decision.action, Action::kSign);
  auto first = engine.sign(decision, ctx, csr_, {}, root_);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(verify(*first), "ok");
  EXPECT_THAT(leafOf(*first).crlDistributionPoints(), ::testing::ElementsAre(ctx.crlUrl));
  ASSERT_TRUE(first->revokeAt.has_value());
  EXPECT_EQ(*first->revokeAt, ctx.now + std::chrono::seconds(10));  // 10m at time scale 60
  ASSERT_EQ(first->applied.size(), 1u);
  EXPECT_EQ(first->applied[0].reason, "ChaosRevoked");
  EXPECT_THAT(first->applied[0].message, HasSubstr("published as revoked"));

  ctx.revokedSinceChaos = 1;  // the replacement
  auto replacement = engine.sign(decision, ctx, csr_, {}, root_);
  ASSERT_TRUE(replacement.ok()) << replacement.error().message;
  EXPECT_THAT(leafOf(*replacement).crlDistributionPoints(), ::testing::ElementsAre(ctx.crlUrl));
  EXPECT_FALSE(replacement->revokeAt.has_value());
  EXPECT_THAT(replacement->applied[0].message, HasSubstr("not revoked"));
}

TEST_F(SignTest, RevokedWithoutACrlToPublishInFailsTheRequestSayingWhy) {
  auto engine = engineFor(R"("scenario": "revoked")");
  const RequestContext ctx = approvedRequest();  // no crlUrl: the issuer serves no CRL
  auto out = engine.sign(engine.decide(ctx), ctx, csr_, {}, root_);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.error().message, AllOf(HasSubstr("publishes no CRL"), HasSubstr("--listen")));
}

TEST_F(SignTest, HealthyCertificatesCarryNoCrlDistributionPoint) {
  auto out = sign(R"("faults": [])");
  EXPECT_TRUE(leafOf(out).crlDistributionPoints().empty());
}

TEST(RevokedParametersTest, BadParametersNameParameterValueAndRange) {
  auto bad = [](const std::string& parameters) {
    auto valid = validateChaosSpec(nlohmann::json::parse(
        R"({"selfSigned": {}, "scenario": "25", "parameters": )" + parameters + "}"));
    return valid ? std::string("accepted") : valid.error().message;
  };
  EXPECT_THAT(bad(R"({"window": "-1h"})"),
              AllOf(HasSubstr("spec.parameters.window: expected a positive duration"),
                    HasSubstr("found \"-1h\"")));
  EXPECT_THAT(bad(R"({"window": "0s"})"), HasSubstr("spec.parameters.window"));
  EXPECT_THAT(bad(R"({"revokeAfter": "-5m"})"),
              AllOf(HasSubstr("spec.parameters.revokeAfter"), HasSubstr("\"-5m\"")));
  EXPECT_THAT(bad(R"({"renewAfter": "soon"})"),
              AllOf(HasSubstr("spec.parameters.renewAfter"), HasSubstr("\"soon\"")));
  EXPECT_THAT(bad(R"({"response": "panic"})"),
              AllOf(HasSubstr("spec.parameters.response"), HasSubstr("none, renew"),
                    HasSubstr("\"panic\"")));
  EXPECT_THAT(
      bad(R"({"count": "0"})"),
      AllOf(HasSubstr("spec.parameters.count: expected a positive integer"), HasSubstr("\"0\"")));
  EXPECT_EQ(bad(R"({"window": "24h", "response": "renew", "renewAfter": "1h"})"), "accepted");
}

// 14: the valid path plus the issuer's root cross-signed by the expired root. A client trusting
// the issuer's root (ca.crt, unchanged) verifies; one trusting only the expired root, derived by
// the runner from the spec's seed as the issuer derives it, fails on the expiry.
TEST_F(SignTest, ExpiredCrossSign) {
  auto out = sign(R"("scenario": "14")");
  auto chain = Certificate::chainFromPem(out.certificatePem);
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0].issuerCommonName(), "issuer root");
  EXPECT_EQ((*chain)[1].subjectCommonName(), "issuer root");
  EXPECT_EQ((*chain)[1].issuerCommonName(), "certchaos expired cross-sign root");
  EXPECT_LT((*chain)[1].notAfter(), approvedRequest().now);
  EXPECT_EQ(out.caPem, root_.certificate().toPem());
  EXPECT_EQ(verify(out), "ok");

  auto seed = scenarioFaultSeed(nlohmann::json{{"scenario", "14"}, {"seed", 1}});
  ASSERT_TRUE(seed.ok()) << seed.error().message;
  auto expired = expiredCrossSignRoot(*seed);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(verifyChain(out.certificatePem, expired->certificate().toPem(), approvedRequest().now),
            "certificate has expired");
  // The same seed derives the same key; the private key never leaves the authority's PEM.
  EXPECT_EQ(expiredCrossSignRoot(*seed)->key().publicKeyPem(), expired->key().publicKeyPem());
  EXPECT_NE(expiredCrossSignRoot(*seed + 1)->key().publicKeyPem(), expired->key().publicKeyPem());
  EXPECT_THAT(out.certificatePem + out.caPem, Not(HasSubstr("PRIVATE KEY")));
}

// 16: the next issuance comes from the alternate intermediate under the new root, which becomes
// ca.crt. Clients with only the old root fail; the new root derived from the spec's seed (what
// the runner adds to its clients' bundle) verifies it.
TEST_F(SignTest, ChainSwitch) {
  auto out = sign(R"("scenario": "chain-switch")");
  auto chain = Certificate::chainFromPem(out.certificatePem);
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0].issuerCommonName(), "certchaos alternate intermediate");
  EXPECT_EQ((*chain)[1].issuerCommonName(), "certchaos alternate root");
  EXPECT_EQ(Certificate::fromPem(out.caPem)->subjectCommonName(), "certchaos alternate root");
  EXPECT_EQ(verifyChain(out.certificatePem, root_.certificate().toPem(), approvedRequest().now),
            "unable to get local issuer certificate");

  auto seed = scenarioFaultSeed(nlohmann::json{
      {"scenario", "16"}, {"seed", 1}, {"parameters", {{"clientsTrust", "old-root-only"}}}});
  ASSERT_TRUE(seed.ok()) << seed.error().message;
  auto root = alternateRoot(*seed);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(
      verifyChain(out.certificatePem, root_.certificate().toPem() + root->certificate().toPem(),
                  approvedRequest().now),
      "ok");
}

TEST_F(SignTest, ChainSwitchRefusesAnUnknownTrustBundle) {
  auto spec = parseChaosSpecText(
      R"({"selfSigned": {}, "scenario": "16", "parameters": {"clientsTrust": "everything"}})");
  ASSERT_TRUE(spec.ok());
  auto engine = FaultEngine::fromSpec(*spec);
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(engine.error().message,
              AllOf(HasSubstr("clientsTrust"), HasSubstr("everything"),
                    HasSubstr("old-and-new-root"), HasSubstr("old-root-only")));
  // Without a seed the runner cannot derive the roots the issuer will use: said, not guessed.
  auto noSeed = scenarioFaultSeed(nlohmann::json{{"scenario", "16"}});
  ASSERT_FALSE(noSeed.ok());
  EXPECT_THAT(noSeed.error().message, HasSubstr("spec.seed"));
}

}  // namespace
}  // namespace certchaos::chaos
