// Issue 13: verdicts that answer the hypothesis, for the issuer faults 4, 5, 7, 8, 10, 11 and 12,
// on the real local plane. Each test runs a scenario as a user would (its --set parameters) and
// asserts the verdict, the proof of injection and every check's outcome and evidence; where the
// catalog's hypothesis can hold or not depending on the system, one run of each; and a run with
// no proof of injection (--set probability=0) is never passed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <thread>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/scenario/runner.h"
#include "certchaos/scenario/tls_probe.h"
#include "plane.h"
#include "scenario_base.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
using report::CheckOutcome;
using report::VerdictResult;
using ::testing::HasSubstr;

// At ×120 the base certificate lives 30 s: a fault that waits for expiry is decided in seconds.
constexpr int kFastScale = 120;

// What one check must come to: its name, outcome, and words its evidence must hold.
struct ExpectedCheck {
  std::string name;
  CheckOutcome outcome;
  std::vector<std::string> evidence;
};

struct ExpectedRun {
  VerdictResult verdict;
  std::string proofReason;  // the issuer's Event reason proving injection; "" for none
  std::vector<ExpectedCheck> checks;
};

class IssuerFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }

  BaseDeployment base(const std::string& prefix, bool reload = true) {
    BaseDeployment s = deployBase(prefix, {kFastScale, reload, true});
    EXPECT_FALSE(s.appUrl.empty());
    // The demo app listens before it has read the Secret (a handshake then fails with an
    // internal error, and the run's start check refuses the base): wait until it presents a
    // certificate. Nothing to watch for that but the app itself.
    auto target = scenario::parseProbeUrl(s.appUrl);
    EXPECT_TRUE(target);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (target && std::chrono::steady_clock::now() < until &&
           !scenario::probeTls(*target, std::chrono::seconds(1)).served) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return s;
  }

  // Runs `scenario` with `parameters` (--set) on the base, forced at once, and checks the verdict,
  // the proof of injection, every check's outcome and evidence, that the run ended when the
  // checks decided (not at the timeout), and that the issuer was rolled back and the base
  // restored. The timeline goes with every failure message.
  std::optional<report::Report> run(const BaseDeployment& s, const std::string& scenario,
                                    std::map<std::string, std::string> parameters,
                                    const ExpectedRun& expected) {
    auto o = runOptions(s, scenario, kFastScale, runs_.path());
    o.atRenewalTime = false;  // forced at once: the fault meets the base's whole remaining life
    o.timeout = std::chrono::minutes(2);
    o.parameters = parameters;
    auto result = scenario::runScenario(SharedPlane::get().admin(), o);
    if (!result) {
      ADD_FAILURE() << result.error().message;
      return std::nullopt;
    }
    const auto& r = result->report;
    const std::string all = timelineText(r);
    EXPECT_EQ(r.verdict.result, expected.verdict) << r.verdict.summary << "\n" << all;
    EXPECT_EQ(r.run.scenario.parameters, parameters);
    if (expected.proofReason.empty()) {
      EXPECT_TRUE(r.proofOfInjection.empty()) << all;
      EXPECT_THAT(r.verdict.summary, HasSubstr("No proof that the fault was injected"));
    } else if (r.proofOfInjection.empty()) {
      ADD_FAILURE() << "no proof of injection\n" << all;
    } else {
      EXPECT_THAT(r.proofOfInjection[0].evidence, HasSubstr("Event " + expected.proofReason + ":"))
          << all;
    }
    EXPECT_EQ(r.verdict.checks.size(), expected.checks.size()) << all;
    for (std::size_t i = 0; i < expected.checks.size() && i < r.verdict.checks.size(); ++i) {
      const auto& want = expected.checks[i];
      const auto& got = r.verdict.checks[i];
      EXPECT_EQ(got.name, want.name);
      EXPECT_EQ(got.outcome, want.outcome) << got.name << ": " << got.evidence << "\n" << all;
      for (const auto& words : want.evidence) {
        EXPECT_THAT(got.evidence, HasSubstr(words)) << got.name << "\n" << all;
      }
    }
    if (expected.verdict == VerdictResult::kFailed) {
      for (const auto& want : expected.checks) {
        if (want.outcome != CheckOutcome::kViolated) continue;
        EXPECT_EQ(r.verdict.failingStep, want.name) << r.verdict.summary;
        break;
      }
    }
    auto k = kindsOf(r);
    EXPECT_GE(indexOf(k, "VerdictDecided"), 0) << all;
    EXPECT_EQ(indexOf(k, "TimedOut"), -1) << all;
    auto admin = SharedPlane::get().admin();
    auto issuer = admin->get(api::kChaosIssuer, s.ns, "chaos");
    EXPECT_TRUE(issuer && !(*issuer)["spec"].contains("scenario")) << "not rolled back";
    EXPECT_GE(indexOf(k, "BaseRestored"), 0) << all;
    // The base restored: Ready, and cert-manager not backing off after a failed issuance of the
    // run (it would let the certificate expire before asking the healthy issuer again).
    auto certificate = admin->get(api::kCertificate, s.ns, "app");
    EXPECT_TRUE(certificate);
    if (certificate) {
      const auto status = (*certificate).value("status", json::object());
      EXPECT_FALSE(status.contains("lastFailureTime")) << status.dump();
      const auto* ready = api::findCondition(*certificate, "Ready");
      EXPECT_TRUE(ready != nullptr && ready->value("status", "") == "True") << status.dump();
    }
    return r;
  }

  TempDir runs_;
};

// hang: the issuer never answers the renewal. cert-manager keeps the request Pending and the
// Certificate Ready until the old certificate expires: nobody is told, and the run says which
// signals were missed.
TEST_F(IssuerFaultsTest, HangTellsNobodyBeforeExpiry) {
  auto r = run(base("hang"), "4", {},
               {VerdictResult::kFailed,
                "ChaosHang",
                {{"signal-before-expiry",
                  CheckOutcome::kViolated,
                  {"nobody was told by", "never answered)", "then: no Warning Event",
                   "the Certificate stayed Ready"}}}});
  ASSERT_TRUE(r);
  EXPECT_GE(indexOf(kindsOf(*r), report::kinds::kRequestHeld), 0) << timelineText(*r);
}

// fail-transient, few failures: the first two attempts fail (pending: retried on the same
// request), then the issuer signs. One request, renewed long before expiry: passed.
TEST_F(IssuerFaultsTest, FailTransientRecoversWithBoundedRetries) {
  auto r =
      run(base("transient-few"), "5", {{"mode", "pending"}, {"attempts", "2"}},
          {VerdictResult::kPassed,
           "ChaosFailTransient",
           {{"renewed-before-expiry", CheckOutcome::kHeld, {"renewed serial", "served at"}},
            {"max-requests", CheckOutcome::kHeld, {"1 CertificateRequest(s) during the run"}}}});
  ASSERT_TRUE(r);
}

// fail-transient, every attempt failing: the renewal never comes before the old certificate
// expires: failed, though the requests stayed bounded.
TEST_F(IssuerFaultsTest, FailTransientFailingEveryAttemptIsNotRenewedInTime) {
  auto r =
      run(base("transient-many"), "fail-transient", {{"mode", "pending"}, {"attempts", "0"}},
          {VerdictResult::kFailed,
           "ChaosFailTransient",
           {{"renewed-before-expiry", CheckOutcome::kViolated, {"no renewed certificate"}},
            {"max-requests", CheckOutcome::kHeld, {"1 CertificateRequest(s) during the run"}}}});
  ASSERT_TRUE(r);
  // Decided at the old notAfter; recovery cannot come while every attempt fails, so the run ends
  // there instead of waiting for it until the timeout.
  auto k = kindsOf(*r);
  const int notAwaited = indexOf(k, "RecoveryNotAwaited");
  ASSERT_GE(notAwaited, 0) << timelineText(*r);
  EXPECT_THAT(r->timeline[notAwaited].message, HasSubstr("fails every attempt (attempts=0)"));
  EXPECT_EQ(indexOf(k, report::kinds::kSecretUpdated), -1) << timelineText(*r);
}

// fail-transient where the namespace's requests are never picked (probability 0): the renewal
// succeeds and both checks hold, but without proof of injection the run is never passed.
TEST_F(IssuerFaultsTest, FailTransientWithoutInjectionIsNeverPassed) {
  auto r =
      run(base("transient-none"), "5", {{"probability", "0"}},
          {VerdictResult::kInconclusive,
           "",
           {{"renewed-before-expiry", CheckOutcome::kHeld, {"renewed serial"}},
            {"max-requests", CheckOutcome::kHeld, {"1 CertificateRequest(s) during the run"}}}});
  ASSERT_TRUE(r);
}

// deny: the request is Denied at once, a visible failure, while the application keeps serving
// its still-valid certificate: passed.
TEST_F(IssuerFaultsTest, DenyIsVisibleWhileTheAppKeepsItsCertificate) {
  auto r = run(base("deny"), "7", {},
               {VerdictResult::kPassed,
                "ChaosDeny",
                {{"probes-valid", CheckOutcome::kHeld, {"every one valid"}},
                 {"signal-before-expiry", CheckOutcome::kHeld, {"Denied"}}}});
  ASSERT_TRUE(r);
}

// fail-no-failure-time: the request fails without status.failureTime. cert-manager v1.21 makes
// no storm of requests (one request) and the failure is visible at once: the catalog's checks
// hold. What they do not see: cert-manager never replaces that request, so every later issuance
// of the revision, a forced one included, fails again on it without asking the issuer; the run
// restores the base only by deleting it, and says so.
TEST_F(IssuerFaultsTest, FailWithoutFailureTimeIsVisibleAndTheStuckRequestIsCleared) {
  auto r = run(base("nofailtime"), "8", {},
               {VerdictResult::kPassed,
                "ChaosFailNoFailureTime",
                {{"max-requests", CheckOutcome::kHeld, {"1 CertificateRequest(s) during the run"}},
                 // The first signal is the request's Failed condition or cert-manager's Warning
                 // Event quoting it, whichever watch delivers first: both name the CA's 500.
                 {"signal-before-expiry",
                  CheckOutcome::kHeld,
                  {"failed to sign certificate: the CA returned 500"}}}});
  ASSERT_TRUE(r);
  auto k = kindsOf(*r);
  const int restored = indexOf(k, "BaseRestored");
  ASSERT_GE(restored, 0) << timelineText(*r);
  EXPECT_THAT(r->timeline[restored].message,
              HasSubstr("first: it failed without status.failureTime, so cert-manager never "
                        "replaces it"));
}

// short-lived: every certificate lives 20 min nominal (10 s); cert-manager renews at 2/3 of that
// and the application reloads each one: passed.
TEST_F(IssuerFaultsTest, ShortLivedRenewalsAreServedByAReloadingApp) {
  auto r = run(base("short"), "10", {{"validity", "20m"}},
               {VerdictResult::kPassed,
                "ChaosShortLived",
                {{"served-renewal", CheckOutcome::kHeld, {"the application served serial"}},
                 {"probes-valid", CheckOutcome::kHeld, {"every one valid"}}}});
  ASSERT_TRUE(r);
}

// The same against an application that never reloads the Secret: failed.
TEST_F(IssuerFaultsTest, ShortLivedRenewalsAreNotServedByAnAppThatDoesNotReload) {
  auto r = run(base("short-noreload", false), "10", {{"validity", "20m"}},
               {VerdictResult::kFailed,
                "ChaosShortLived",
                {{"served-renewal", CheckOutcome::kViolated, {"still served the old one"}},
                 {"probes-valid", CheckOutcome::kHeld, {"every one valid"}}}});
  ASSERT_TRUE(r);
  // The application never serves a renewal by itself: the run ends once that is shown.
  auto k = kindsOf(*r);
  const int notAwaited = indexOf(k, "RecoveryNotAwaited");
  ASSERT_GE(notAwaited, 0) << timelineText(*r);
  EXPECT_THAT(r->timeline[notAwaited].message, HasSubstr("served-renewal violated"));
}

// short-lived where no request is picked: a healthy renewal, both checks hold, and the run is
// inconclusive, never passed.
TEST_F(IssuerFaultsTest, ShortLivedWithoutInjectionIsNeverPassed) {
  auto r = run(base("short-none"), "10", {{"validity", "20m"}, {"probability", "0"}},
               {VerdictResult::kInconclusive,
                "",
                {{"served-renewal", CheckOutcome::kHeld, {"the application served serial"}},
                 {"probes-valid", CheckOutcome::kHeld, {"every one valid"}}}});
  ASSERT_TRUE(r);
}

// expired: the issuer returns a certificate that expired an hour ago. cert-manager refuses to
// store it, naming why, so no client ever meets it: passed, decided at the refusal.
TEST_F(IssuerFaultsTest, ExpiredCertificateIsRefusedBeforeAnyClientSeesIt) {
  auto r = run(base("expired"), "11", {},
               {VerdictResult::kPassed,
                "ChaosExpired",
                {{"clients-reject",
                  CheckOutcome::kHeld,
                  {"cert-manager refused the certificate", "so no client could accept it",
                   "Warning Event InvalidCertificate", "already expired certificate"}}}});
  ASSERT_TRUE(r);
  auto k = kindsOf(*r);
  EXPECT_GE(indexOf(k, report::kinds::kRequestSigned), 0) << timelineText(*r);
  EXPECT_EQ(indexOf(k, report::kinds::kSecretUpdated), -1) << timelineText(*r);
  EXPECT_EQ(indexOf(k, report::kinds::kProbeFailed), -1) << timelineText(*r);
}

// not-yet-valid: notBefore an hour in the future; the client refuses it: passed.
TEST_F(IssuerFaultsTest, NotYetValidCertificateIsRejectedByClients) {
  auto r = run(
      base("notyet"), "12", {},
      {VerdictResult::kPassed,
       "ChaosNotYetValid",
       {{"clients-reject", CheckOutcome::kHeld, {"a client rejected serial", "not yet valid"}}}});
  ASSERT_TRUE(r);
}

// not-yet-valid where no request is picked: the healthy renewal is accepted, which the check
// calls a violation; without proof of injection the run is inconclusive, not failed, and never
// passed.
TEST_F(IssuerFaultsTest, NotYetValidWithoutInjectionIsNeverPassed) {
  auto r = run(base("notyet-none"), "not-yet-valid", {{"probability", "0"}},
               {VerdictResult::kInconclusive,
                "",
                {{"clients-reject", CheckOutcome::kViolated, {"a client accepted"}}}});
  ASSERT_TRUE(r);
  EXPECT_THAT(r->verdict.summary, HasSubstr("Seen nonetheless: check clients-reject violated"));
}

}  // namespace
}  // namespace certchaos::testing
