// Issue 13, item 6: every scenario really exercises its fault, on the real local plane. Each test
// asserts the verdict and every check's outcome, and that a run without proof of injection is
// never passed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/errors.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/scenario/runner.h"
#include "plane.h"
#include "scenario_base.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
using report::CheckOutcome;
using report::VerdictResult;
using ::testing::HasSubstr;
namespace res = kube::resources;

// At ×120 the base certificate lives 30 s: a fault that waits for expiry is decided in seconds.
constexpr int kFastScale = 120;

class InjectScenariosTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }

  scenario::RunOptions fastRun(const BaseDeployment& s, const std::string& scenario) {
    auto o = runOptions(s, scenario, kFastScale, runs_.path());
    o.atRenewalTime = false;  // forced at once: the fault meets the base's whole remaining life
    o.timeout = std::chrono::minutes(2);
    return o;
  }

  // A base for the test; the namespace opts in to chaos unless `optIn` is false.
  BaseDeployment base(const std::string& prefix, bool optIn = true) {
    BaseDeployment s = deployBase(prefix, {kFastScale, true, optIn});
    EXPECT_FALSE(s.appUrl.empty());
    return s;
  }

  // Runs `scenario` on the base and checks the verdict, the proof of injection (the issuer's
  // Event `proofReason`; none expected when it is empty) and the number of checks. The timeline,
  // one line an entry, goes with every failure message.
  std::optional<report::Report> runAndCheck(const BaseDeployment& s, const std::string& scenario,
                                            std::map<std::string, std::string> parameters,
                                            VerdictResult expected, const std::string& proofReason,
                                            std::size_t checks) {
    auto o = fastRun(s, scenario);
    o.parameters = std::move(parameters);
    auto result = scenario::runScenario(SharedPlane::get().admin(), o);
    if (!result) {
      ADD_FAILURE() << result.error().message;
      return std::nullopt;
    }
    const auto& r = result->report;
    const std::string all = timelineText(r);
    EXPECT_EQ(r.verdict.result, expected) << r.verdict.summary << "\n" << all;
    if (proofReason.empty()) {
      EXPECT_TRUE(r.proofOfInjection.empty()) << all;
      EXPECT_THAT(r.verdict.summary, HasSubstr("No proof that the fault was injected"));
      // These runs are in namespaces that did not opt in: the summary says so and how to.
      EXPECT_THAT(r.verdict.summary, HasSubstr("does not opt in to chaos"));
      EXPECT_THAT(r.verdict.summary, HasSubstr("--opt-in"));
    } else if (r.proofOfInjection.empty()) {
      ADD_FAILURE() << "no proof of injection\n" << all;
    } else {
      EXPECT_THAT(r.proofOfInjection[0].evidence, HasSubstr(proofReason)) << all;
    }
    EXPECT_EQ(r.verdict.checks.size(), checks) << all;
    if (r.verdict.checks.size() != checks) return std::nullopt;
    return r;
  }

  json issuerSpec(const BaseDeployment& s) {
    auto issuer = SharedPlane::get().admin()->get(api::kChaosIssuer, s.ns, "chaos");
    EXPECT_TRUE(issuer);
    return issuer ? (*issuer)["spec"] : json();
  }

  TempDir runs_;
};

// silent-failure with fault=hang: the issuer never answers the renewal; nothing a production
// system shows changes before expiry, and the report names the first signal missed.
TEST_F(InjectScenariosTest, SilentFailureHangNamesTheFirstMissedSignal) {
  BaseDeployment s = base("silent-hang");
  auto o = fastRun(s, "27");
  // Refused before anything is applied: what was expected, what was found.
  o.parameters = {{"fault", "explode"}};
  auto refused = scenario::runScenario(SharedPlane::get().admin(), o);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "scenario 27 (silent-failure): --set fault: expected one of hang, fail, found "
            "\"explode\"; 'certchaos scenarios -o json' lists its parameters");
  EXPECT_FALSE(issuerSpec(s).contains("scenario"));
  EXPECT_TRUE(std::filesystem::is_empty(runs_.path()));

  auto report = runAndCheck(s, "27", {{"fault", "hang"}}, VerdictResult::kFailed, "ChaosHang", 1);
  ASSERT_TRUE(report);
  const auto& r = *report;
  const std::string all = timelineText(r);
  EXPECT_EQ(r.verdict.failingStep, "signal-before-expiry");
  const auto& check = r.verdict.checks[0];
  EXPECT_EQ(check.name, "signal-before-expiry");
  EXPECT_EQ(check.outcome, CheckOutcome::kViolated) << check.evidence;
  EXPECT_THAT(check.evidence, HasSubstr("first missed signal: no CertificateRequest failed or was "
                                        "denied (app-"));
  EXPECT_THAT(check.evidence, HasSubstr("never answered)"));
  EXPECT_THAT(check.evidence, HasSubstr("then: no Warning Event"));
  EXPECT_THAT(check.evidence, HasSubstr("the Certificate stayed Ready"));
  // Decided at the deadline (the base's notAfter), not at the timeout.
  auto k = kindsOf(r);
  EXPECT_GE(indexOf(k, "VerdictDecided"), 0) << all;
  EXPECT_EQ(indexOf(k, "TimedOut"), -1) << all;
  EXPECT_EQ(r.run.scenario.parameters.at("fault"), "hang");
  // Rolled back and restored.
  EXPECT_FALSE(issuerSpec(s).contains("scenario"));
  EXPECT_GE(indexOf(k, "BaseRestored"), 0) << all;
}

// silent-failure with fault=fail: the request fails for good at once, which is a signal long
// before expiry: passed.
TEST_F(InjectScenariosTest, SilentFailureFailIsSignalledInTime) {
  auto r = runAndCheck(base("silent-fail"), "silent-failure", {{"fault", "fail"}},
                       VerdictResult::kPassed, "ChaosFailPermanent", 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.checks[0].outcome, CheckOutcome::kHeld) << r->verdict.checks[0].evidence;
  // The first signal is the request's Failed condition or cert-manager's Warning Event that
  // repeats its message, whichever of the two watches delivers first: either names the failure.
  EXPECT_THAT(r->verdict.checks[0].evidence,
              HasSubstr("failed to sign certificate: the CA returned 500 Internal Server Error: "
                        "signing backend unavailable"));
  EXPECT_THAT(r->verdict.checks[0].evidence,
              ::testing::AnyOf(HasSubstr("CertificateRequest "), HasSubstr("Warning Event ")));
  EXPECT_GE(indexOf(kindsOf(*r), "BaseRestored"), 0) << timelineText(*r);
}

// Where the namespace did not opt in, the issuer stays healthy: the renewal succeeds, nobody is
// told anything, and without proof of injection the run is inconclusive, never passed.
TEST_F(InjectScenariosTest, SilentFailureWithoutInjectionIsNeverPassed) {
  auto r = runAndCheck(base("silent-none", false), "27", {{"fault", "fail"}},
                       VerdictResult::kInconclusive, "", 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.checks[0].name, "signal-before-expiry");
  // Nothing went wrong, so nothing told anyone. cert-manager's momentary Ready=False while it
  // stores the renewed certificate (SecretMismatch) is part of a good issuance, not a signal.
  EXPECT_EQ(r->verdict.checks[0].outcome, CheckOutcome::kViolated) << r->verdict.checks[0].evidence;
  EXPECT_THAT(r->verdict.checks[0].evidence, HasSubstr("the Certificate stayed Ready"));
}

// rate-limit with its defaults (1 per 1h nominal): the run fills the window with a renewal of its
// own, and the renewal under test is refused. Only issuances since the scenario started count:
// the base's own issuance, a moment before, is not in the refusal's count.
TEST_F(InjectScenariosTest, RateLimitTripsOnTheRunsOwnRenewals) {
  BaseDeployment s = base("rate");
  auto o = fastRun(s, "9");
  // Refused before anything is applied: a limit of 0 (every request refused is scenario 6), and
  // more renewals than the run will make to fill the window.
  for (const auto& [limit, message] : std::vector<std::pair<std::string, std::string>>{
           {"0", "spec.parameters.limit: expected a positive integer, found \"0\""},
           {"11",
            "--set limit: the run issues that many certificates of its own to fill the "
            "limit before the renewal under test; expected at most 10, found 11"}}) {
    o.parameters = {{"limit", limit}};
    auto refused = scenario::runScenario(SharedPlane::get().admin(), o);
    ASSERT_FALSE(refused) << limit;
    EXPECT_THAT(refused.error().message, HasSubstr(message));
  }
  EXPECT_FALSE(issuerSpec(s).contains("scenario"));
  EXPECT_TRUE(std::filesystem::is_empty(runs_.path()));

  auto report = runAndCheck(s, "9", {}, VerdictResult::kPassed, "ChaosRateLimit", 2);
  ASSERT_TRUE(report);
  const auto& r = *report;
  const std::string all = timelineText(r);
  auto k = kindsOf(r);
  const int filled = indexOf(k, "RateLimitFilled");
  const int forced = indexOf(k, report::kinds::kRenewalForced);
  ASSERT_GE(filled, 0) << all;
  EXPECT_LT(filled, forced) << all;
  EXPECT_EQ(indexOf(k, "RateLimitFilled", filled + 1), -1) << "one renewal fills a limit of 1";
  EXPECT_EQ(r.verdict.checks[0].name, "max-requests");
  EXPECT_EQ(r.verdict.checks[0].outcome, CheckOutcome::kHeld) << r.verdict.checks[0].evidence;
  EXPECT_THAT(r.verdict.checks[0].evidence, HasSubstr("1 CertificateRequest(s) during the run"));
  EXPECT_EQ(r.verdict.checks[1].name, "signal-before-expiry");
  EXPECT_EQ(r.verdict.checks[1].outcome, CheckOutcome::kHeld) << r.verdict.checks[1].evidence;
  // The count is the run's own issuance alone, not the base's from before the scenario.
  EXPECT_THAT(r.verdict.checks[1].evidence, HasSubstr("too many certificates (1) already issued"));
  EXPECT_EQ(r.run.scenario.defaults.at("limit"), "1");
  EXPECT_FALSE(issuerSpec(s).contains("scenario"));
}

// The same where the namespace did not opt in: the issuer stays healthy, every renewal is signed,
// and without proof of injection the run is inconclusive, never passed.
TEST_F(InjectScenariosTest, RateLimitWithoutInjectionIsNeverPassed) {
  auto r =
      runAndCheck(base("rate-none", false), "rate-limit", {}, VerdictResult::kInconclusive, "", 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.checks[0].outcome, CheckOutcome::kHeld) << r->verdict.checks[0].evidence;
}

// skip-approval on the local plane, whose approver approves every request within milliseconds:
// the run holds approval (the plane's approval policy honours the annotation the runner puts on
// the Certificate), so the issuer really meets an unapproved request, signs it, and cert-manager
// stores what nobody approved.
TEST_F(InjectScenariosTest, SkipApprovalSignsBeforeApprovalAndTheSecretStoresIt) {
  BaseDeployment s = base("skip-unapproved");
  auto report =
      runAndCheck(s, "2", {{"mode", "unapproved"}}, VerdictResult::kFailed, "ChaosSkipApproval", 1);
  ASSERT_TRUE(report);
  const auto& r = *report;
  const std::string all = timelineText(r);
  EXPECT_EQ(r.verdict.failingStep, "denied-not-stored");
  EXPECT_EQ(r.verdict.checks[0].outcome, CheckOutcome::kViolated) << r.verdict.checks[0].evidence;
  EXPECT_THAT(r.verdict.checks[0].evidence,
              HasSubstr("(not approved, signed by the issuer anyway: serial"));
  EXPECT_GE(indexOf(kindsOf(r), "ApprovalHeld"), 0) << all;
  // The request the issuer signed was never approved, and the hold is gone after the run.
  auto admin = SharedPlane::get().admin();
  auto requests = admin->listAll(api::kCertificateRequest, s.ns);
  ASSERT_TRUE(requests);
  int signedUnapproved = 0;
  for (const auto& cr : requests->items) {
    if (cr["metadata"].value("annotations", json::object()).count("certchaos.io/hold-approval") ==
        0) {
      continue;
    }
    EXPECT_EQ(api::findCondition(cr, "Approved"), nullptr) << cr.dump();
    signedUnapproved += cr.value("status", json::object()).contains("certificate") ? 1 : 0;
  }
  EXPECT_GE(signedUnapproved, 1);
  auto certificate = admin->get(api::kCertificate, s.ns, "app");
  ASSERT_TRUE(certificate);
  EXPECT_EQ((*certificate)["metadata"]
                .value("annotations", json::object())
                .count("certchaos.io/hold-approval"),
            0u);
}

// mode=denied: the runner denies the run's request as an approval policy would; the issuer signs
// the Denied request anyway, and cert-manager keeps it out of the Secret: the hypothesis holds,
// and the evidence names what the issuer did.
TEST_F(InjectScenariosTest, SkipApprovalSignsADeniedRequestThatCertManagerKeepsOut) {
  auto report = runAndCheck(base("skip-denied"), "skip-approval", {{"mode", "denied"}},
                            VerdictResult::kPassed, "ChaosSkipApproval", 1);
  ASSERT_TRUE(report);
  const auto& r = *report;
  const std::string all = timelineText(r);
  EXPECT_EQ(r.verdict.checks[0].outcome, CheckOutcome::kHeld) << r.verdict.checks[0].evidence;
  EXPECT_THAT(r.verdict.checks[0].evidence,
              HasSubstr("(Denied, signed by the issuer anyway: serial"));
  auto k = kindsOf(r);
  const int denied = indexOf(k, "RequestDenied");
  const int signedAt = indexOf(k, report::kinds::kRequestSigned);
  ASSERT_GE(denied, 0) << all;
  ASSERT_GE(signedAt, 0) << all;
  EXPECT_LT(denied, signedAt) << all;
  EXPECT_EQ(indexOf(k, report::kinds::kSecretUpdated), -1) << all;
}

// Where the namespace did not opt in, the healthy issuer reports the denial and signs nothing:
// no proof of injection, inconclusive, never passed.
TEST_F(InjectScenariosTest, SkipApprovalWithoutInjectionIsNeverPassed) {
  auto r = runAndCheck(base("skip-none", false), "2", {{"mode", "denied"}},
                       VerdictResult::kInconclusive, "", 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.checks[0].outcome, CheckOutcome::kHeld) << r->verdict.checks[0].evidence;
  EXPECT_THAT(r->verdict.checks[0].evidence, HasSubstr("(Denied, not signed)"));
}

// rogue-issuer on the demo base: the Certificate's own ChaosIssuer stays healthy; the run creates
// a second, rogue ChaosIssuer beside it, which takes the request addressed to the first. The
// report says whose certificate reached the Secret, that the own-issuer-only check caught it, and
// that the CertificateRequest was left holding the rogue's certificate.
TEST_F(InjectScenariosTest, RogueIssuerOnTheDemoBaseIsCaughtAndNamed) {
  BaseDeployment s = base("rogue");
  auto report = runAndCheck(s, "1", {}, VerdictResult::kFailed, "ChaosRogueIssuer", 2);
  ASSERT_TRUE(report);
  const auto& r = *report;
  const std::string all = timelineText(r);
  EXPECT_EQ(r.verdict.failingStep, "own-issuer-only");
  EXPECT_EQ(r.verdict.checks[0].name, "own-issuer-only");
  EXPECT_EQ(r.verdict.checks[0].outcome, CheckOutcome::kViolated) << r.verdict.checks[0].evidence;
  EXPECT_THAT(r.verdict.checks[0].evidence,
              HasSubstr("issued by CN=certchaos chaos-rogue CA (the rogue's), not by the "
                        "issuer's CA CN=certchaos chaos CA"));
  EXPECT_THAT(r.verdict.checks[0].evidence, HasSubstr("was left holding serial"));
  EXPECT_EQ(r.verdict.checks[1].name, "max-requests");
  EXPECT_EQ(r.verdict.checks[1].outcome, CheckOutcome::kHeld) << r.verdict.checks[1].evidence;
  auto k = kindsOf(r);
  const int deployed = indexOf(k, report::kinds::kScenarioDeployed);
  ASSERT_GE(deployed, 0) << all;
  EXPECT_THAT(r.timeline[deployed].message, HasSubstr("ChaosIssuer " + s.ns + "/chaos-rogue"));
  EXPECT_THAT(r.timeline[deployed].message, HasSubstr("which stays healthy"));
  // The rogue and its CA are gone, the own issuer was never touched, the base is restored.
  auto admin = SharedPlane::get().admin();
  auto rogue = admin->get(api::kChaosIssuer, s.ns, "chaos-rogue");
  ASSERT_FALSE(rogue);
  EXPECT_TRUE(kube::isNotFound(rogue.error()));
  auto rogueCa = admin->get(res::kSecret, "certchaos-system", s.ns + ".chaos-rogue-ca");
  EXPECT_FALSE(rogueCa);
  EXPECT_FALSE(issuerSpec(s).contains("scenario"));
  EXPECT_GE(indexOf(k, "BaseRestored"), 0) << all;
  auto secret = admin->get(res::kSecret, s.ns, "app-tls");
  ASSERT_TRUE(secret);
  auto pem = kube::base64Decode((*secret)["data"]["tls.crt"].get<std::string>());
  ASSERT_TRUE(pem);
  auto leaf = pki::Certificate::chainFromPem(*pem);
  ASSERT_TRUE(leaf && !leaf->empty());
  EXPECT_EQ(leaf->front().issuerCommonName(), "certchaos chaos CA");
}

// Where the namespace did not opt in, the rogue leaves the request to the issuer it names: signed
// by the own CA, no proof of injection, inconclusive, never passed.
TEST_F(InjectScenariosTest, RogueIssuerWithoutInjectionIsNeverPassed) {
  auto r = runAndCheck(base("rogue-none", false), "rogue-issuer", {}, VerdictResult::kInconclusive,
                       "", 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.checks[0].outcome, CheckOutcome::kHeld) << r->verdict.checks[0].evidence;
  EXPECT_THAT(r->verdict.checks[0].evidence, HasSubstr("was issued by CN=certchaos chaos CA"));
  EXPECT_GE(indexOf(kindsOf(*r), report::kinds::kSecretUpdated), 0) << timelineText(*r);
}

}  // namespace
}  // namespace certchaos::testing
