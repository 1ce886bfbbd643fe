// Scenario 17 (root-rotation) end to end on the real local plane: the issuer rotates to a new root
// at the scenario's start; cert-manager stores what it returns, so the Secret's ca.crt changes on
// the renewal the runner forces. The runner probes the application with the CA bundle clients had
// before the rotation and with each ca.crt the Secret held since. With a grace period and the
// cross-signed chain every client trust keeps verifying (passed); with no grace period, or with
// only ca.crt announcing the new root, a client that still trusts only the old root breaks on the
// new certificate (failed, naming that trust and when). Bad parameters are refused before anything
// is applied. Runs are at ×120 (the base certificate, 1h nominal, lives 30 s).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/kube/base64.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/report/json_schema.h"
#include "certchaos/report/report_json.h"
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
using ::testing::Not;
namespace res = kube::resources;

constexpr int kScale = 120;
constexpr const char* kNewRoot = "CN=certchaos rotated root";

class RootRotationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }

  // The Secret's ca.crt as PEM.
  std::string caCrt(const BaseDeployment& s) {
    auto secret = SharedPlane::get().admin()->get(res::kSecret, s.ns, "app-tls");
    EXPECT_TRUE(secret);
    if (!secret) return "";
    auto ca = kube::base64Decode((*secret)["data"].value("ca.crt", ""));
    return ca ? *ca : "";
  }

  // The base (served by its application, as deployBase waits for); `oldRoot` the issuer's own root
  // ("CN=...").
  BaseDeployment base(const std::string& prefix, std::string& oldRoot) {
    BaseDeployment s = deployBase(prefix, {kScale, true, true});
    EXPECT_FALSE(s.appUrl.empty());
    auto roots = pki::Certificate::chainFromPem(caCrt(s));
    EXPECT_TRUE(roots && roots->size() == 1u);
    if (roots && !roots->empty()) oldRoot = "CN=" + roots->front().subjectCommonName();
    return s;
  }

  scenario::RunOptions options(const BaseDeployment& s,
                               std::map<std::string, std::string> parameters) {
    auto o = runOptions(s, "17", kScale, runs_.path());
    o.atRenewalTime = false;
    o.timeout = std::chrono::minutes(2);
    o.parameters = std::move(parameters);
    return o;
  }

  // Runs scenario 17 and checks what every run must show: the verdict, the issuer's proof of
  // injection, the one check trust-kept, the rotation and the new ca.crt on the timeline, the
  // issuer healthy again and the base restored to the old root; the report valid in every
  // rendering.
  std::optional<scenario::RunResult> run(const BaseDeployment& s,
                                         std::map<std::string, std::string> parameters,
                                         VerdictResult expected, const std::string& oldRoot) {
    auto result = scenario::runScenario(SharedPlane::get().admin(), options(s, parameters));
    if (!result) {
      ADD_FAILURE() << result.error().message;
      return std::nullopt;
    }
    const auto& r = result->report;
    const std::string all = timelineText(r);
    EXPECT_EQ(r.verdict.result, expected) << r.verdict.summary << "\n" << all;
    EXPECT_FALSE(r.proofOfInjection.empty()) << all;
    if (!r.proofOfInjection.empty()) {
      EXPECT_THAT(r.proofOfInjection[0].evidence, HasSubstr("Event ChaosRootRotation")) << all;
    }
    EXPECT_EQ(r.verdict.checks.size(), 1u) << all;
    if (r.verdict.checks.size() != 1u) return std::nullopt;
    EXPECT_EQ(r.verdict.checks[0].name, "trust-kept");
    const auto k = kindsOf(r);
    EXPECT_GE(indexOf(k, "RootRotated"), 0) << all;
    EXPECT_GE(indexOf(k, "VerdictDecided"), 0) << all;
    EXPECT_EQ(indexOf(k, "TimedOut"), -1) << all;
    // cert-manager stored the rotated ca.crt: the new root first, the old one beside it in the
    // grace period.
    bool rotatedCaCrt = false;
    for (const auto& e : r.timeline) {
      rotatedCaCrt = rotatedCaCrt ||
                     (e.kind == "CaBundleChanged" && e.message.find(kNewRoot) != std::string::npos);
    }
    EXPECT_TRUE(rotatedCaCrt) << all;
    // Rolled back and restored: the next run starts on a certificate under the old root.
    EXPECT_GE(indexOf(k, "BaseRestored"), 0) << all;
    EXPECT_EQ(indexOf(k, "BaseRestoreFailed"), -1) << all;
    auto issuer = SharedPlane::get().admin()->get(api::kChaosIssuer, s.ns, "chaos");
    EXPECT_TRUE(issuer && !(*issuer)["spec"].contains("scenario"));
    auto restored = pki::Certificate::chainFromPem(caCrt(s));
    EXPECT_TRUE(restored && restored->size() == 1u &&
                "CN=" + restored->front().subjectCommonName() == oldRoot)
        << caCrt(s);
    // Every rendering as the other scenarios have them, naming the check.
    const std::string text = readFile(result->dir + "/report.json");
    EXPECT_TRUE(report::validateReportJson(json::parse(text)));
    auto parsed = report::parseReport(text);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
    for (const char* file : {"report.txt", "report.md", "report.html", "report.xml"}) {
      EXPECT_THAT(readFile(result->dir + "/" + file), HasSubstr("trust-kept")) << file;
    }
    EXPECT_THAT(readFile(result->dir + "/report.xml"),
                HasSubstr(expected == VerdictResult::kFailed ? "<failure" : "testsuite"));
    return *result;
  }

  TempDir runs_;
};

const report::CheckResult& trustKept(const scenario::RunResult& r) {
  return r.report.verdict.checks.at(0);
}

// A grace period (1h nominal, the certificate's whole life) with the cross-signed chain: the
// client that still trusts only the old root verifies the new certificate through the
// cross-signature, the one that took the new ca.crt (new + old root) verifies it directly.
TEST_F(RootRotationTest, WithAGracePeriodEveryClientTrustKeepsVerifying) {
  std::string oldRoot;
  BaseDeployment s = base("rotate-grace", oldRoot);
  auto r = run(s, {{"grace", "1h"}}, VerdictResult::kPassed, oldRoot);
  ASSERT_TRUE(r);
  const auto& c = trustKept(*r);
  EXPECT_EQ(c.outcome, CheckOutcome::kHeld) << c.evidence;
  EXPECT_THAT(c.evidence, HasSubstr("every client trust kept verifying the served chain"));
  EXPECT_THAT(c.evidence,
              HasSubstr("the CA bundle from before the rotation (" + oldRoot + ") verified it at"));
  EXPECT_THAT(c.evidence, HasSubstr("the Secret's ca.crt from"));
  EXPECT_THAT(c.evidence, HasSubstr("(" + std::string(kNewRoot) + ", " + oldRoot + ")"));
  EXPECT_THAT(c.evidence, HasSubstr("issuer CN=certchaos rotated root"));
  EXPECT_THAT(c.evidence, HasSubstr("the issuer rotated its root at"));
  EXPECT_TRUE(r->report.verdict.failingStep.empty()) << r->report.verdict.failingStep;
  EXPECT_EQ(indexOf(kindsOf(r->report), "TrustBroken"), -1) << timelineText(r->report);
  // Production: 90-day certificates renewed at 50 % (the base's renewBeforePercentage), every 45d.
  ASSERT_TRUE(r->report.prediction);
  EXPECT_THAT(r->report.prediction->text,
              HasSubstr("a client that never reloads its trust breaks between 1h0m0s and "
                        "1081h0m0s after the rotation"));
}

// No grace period: ca.crt holds the new root alone and the chain has no cross-signature, so the
// client that still trusts only the old root cannot verify the certificate the application
// serves once it reloads: an mTLS outage for every client whose trust had not propagated.
TEST_F(RootRotationTest, WithoutAGracePeriodTheOldTrustBreaksOnTheNewCertificate) {
  std::string oldRoot;
  BaseDeployment s = base("rotate-none", oldRoot);
  auto r = run(s, {{"grace", "0s"}}, VerdictResult::kFailed, oldRoot);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->report.verdict.failingStep, "trust-kept");
  const auto& c = trustKept(*r);
  EXPECT_EQ(c.outcome, CheckOutcome::kViolated) << c.evidence;
  EXPECT_THAT(c.evidence, HasSubstr("a client trusting the CA bundle from before the rotation (" +
                                    oldRoot + ") stopped verifying the served chain at"));
  EXPECT_THAT(c.evidence, HasSubstr("(issuer CN=certchaos rotated root): unable to get local "
                                    "issuer certificate at depth 0"));
  EXPECT_THAT(c.evidence, HasSubstr("trust did not propagate"));
  ASSERT_TRUE(c.at);
  EXPECT_GE(indexOf(kindsOf(r->report), "TrustBroken"), 0);
  // The new ca.crt holds the new root alone.
  bool newRootAlone = false;
  for (const auto& e : r->report.timeline) {
    newRootAlone =
        newRootAlone || (e.kind == "CaBundleChanged" &&
                         e.message == "the Secret's ca.crt now holds " + std::string(kNewRoot));
  }
  EXPECT_TRUE(newRootAlone) << timelineText(r->report);
  ASSERT_TRUE(r->report.prediction);
  EXPECT_THAT(r->report.prediction->text,
              HasSubstr("breaks at the next renewal of each Certificate, within 1080h0m0s of the "
                        "rotation"));
}

// A grace period but no cross-signature: ca.crt announces the new root beside the old one, and a
// client that reloads it keeps working; one that still holds the bundle from before does not.
TEST_F(RootRotationTest, WithoutCrossSignatureOnlyClientsThatReloadCaCrtKeepVerifying) {
  std::string oldRoot;
  BaseDeployment s = base("rotate-nocross", oldRoot);
  auto r = run(s, {{"grace", "1h"}, {"crossSign", "false"}}, VerdictResult::kFailed, oldRoot);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->report.verdict.failingStep, "trust-kept");
  const auto& c = trustKept(*r);
  EXPECT_EQ(c.outcome, CheckOutcome::kViolated) << c.evidence;
  EXPECT_THAT(c.evidence, HasSubstr("a client trusting the CA bundle from before the rotation"));
  EXPECT_THAT(c.evidence, Not(HasSubstr("a client trusting the Secret's ca.crt")));
}

// Bad parameters are refused before anything is applied, naming the parameter, the value and the
// range.
TEST_F(RootRotationTest, BadParametersAreRefusedBeforeAnythingIsApplied) {
  std::string oldRoot;
  BaseDeployment s = base("rotate-bad", oldRoot);
  auto admin = SharedPlane::get().admin();
  auto longer = scenario::runScenario(admin, options(s, {{"grace", "2h"}}));
  ASSERT_FALSE(longer);
  EXPECT_THAT(longer.error().message,
              HasSubstr("scenario 17 (root-rotation) --set grace=2h: expected a grace period from "
                        "0 to the certificate's lifetime (1h0m0s, spec.duration of Certificate "
                        "app), found 2h0m0s"));
  auto negative = scenario::runScenario(admin, options(s, {{"grace", "-5m"}}));
  ASSERT_FALSE(negative);
  EXPECT_THAT(negative.error().message,
              HasSubstr("grace: expected a non-negative duration, found \"-5m\""));
  auto mode = scenario::runScenario(admin, options(s, {{"crossSign", "maybe"}}));
  ASSERT_FALSE(mode);
  EXPECT_THAT(mode.error().message, HasSubstr("crossSign"));
  EXPECT_THAT(mode.error().message, HasSubstr("maybe"));
  auto issuer = admin->get(api::kChaosIssuer, s.ns, "chaos");
  ASSERT_TRUE(issuer);
  EXPECT_FALSE((*issuer)["spec"].contains("scenario"));
}

}  // namespace
}  // namespace certchaos::testing
