// The verdict from the checks: passed only if every check held and the fault is proven injected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/scenario/checks.h"
#include "evidence_builder.h"

namespace certchaos::scenario {
namespace {

using namespace testing;
using report::CheckOutcome;
using report::VerdictResult;
using ::testing::HasSubstr;
using ::testing::Not;

report::CheckResult check(std::string name, CheckOutcome outcome, std::string evidence,
                          std::optional<SystemTime> when) {
  return {std::move(name), "statement", {}, outcome, std::move(evidence), when};
}

VerdictInputs inputs(std::vector<report::CheckResult> checks, bool injected = true) {
  return {"renewal completes before expiry",
          std::move(checks),
          injected,
          "a Chaos* Event from certchaos-issuer",
          false,
          false,
          20};
}

TEST(VerdictTest, AllChecksHeldAndInjectedPasses) {
  auto v = decideVerdict(inputs(
      {check("renewed-before-expiry", CheckOutcome::kHeld, "renewed serial bb served", at(10s)),
       check("probes-valid", CheckOutcome::kHeld, "40 probes", at(15s))}));
  EXPECT_EQ(v.result, VerdictResult::kPassed);
  EXPECT_TRUE(v.failingStep.empty());
  EXPECT_THAT(v.summary, HasSubstr("renewed serial bb served"));
  EXPECT_EQ(v.checks.size(), 2u);
}

TEST(VerdictTest, OneViolatedCheckFailsNamingIt) {
  auto v = decideVerdict(
      inputs({check("probes-valid", CheckOutcome::kViolated, "certificate has expired", at(61s)),
              check("renewed-before-expiry", CheckOutcome::kViolated,
                    "no renewed certificate by the deadline", at(60s)),
              check("max-requests", CheckOutcome::kHeld, "1 request", at(70s))}));
  EXPECT_EQ(v.result, VerdictResult::kFailed);
  EXPECT_EQ(v.failingStep, "renewed-before-expiry") << "the first violation in time";
  EXPECT_THAT(v.summary, HasSubstr("check renewed-before-expiry violated: no renewed certificate"));
  EXPECT_THAT(v.summary, HasSubstr("check probes-valid violated: certificate has expired"));
}

TEST(VerdictTest, NoProofOfInjectionIsInconclusiveNeverPassed) {
  auto held = decideVerdict(
      inputs({check("signal-before-expiry", CheckOutcome::kHeld, "Ready=False", at(2s))}, false));
  EXPECT_EQ(held.result, VerdictResult::kInconclusive);
  EXPECT_THAT(held.summary, HasSubstr("No proof that the fault was injected (expected a Chaos*"));
  auto violated = decideVerdict(inputs(
      {check("probes-valid", CheckOutcome::kViolated, "connection refused", at(2s))}, false));
  EXPECT_EQ(violated.result, VerdictResult::kInconclusive);
  EXPECT_THAT(violated.summary, HasSubstr("Seen nonetheless: check probes-valid violated"));
  EXPECT_THAT(violated.summary, Not(HasSubstr("Likely why")));
}

// A cause the runner saw for the missing proof (a namespace not opted in) is named, with what to
// do; the verdict stays inconclusive.
TEST(VerdictTest, NoProofOfInjectionNamesTheCauseSeen) {
  auto in =
      inputs({check("signal-before-expiry", CheckOutcome::kHeld, "Ready=False", at(2s))}, false);
  in.whyNotInjected = "namespace shop does not opt in to chaos";
  auto v = decideVerdict(in);
  EXPECT_EQ(v.result, VerdictResult::kInconclusive);
  EXPECT_THAT(v.summary, HasSubstr("Likely why: namespace shop does not opt in to chaos."));
  in.injected = true;
  EXPECT_THAT(decideVerdict(in).summary, Not(HasSubstr("Likely why")));
}

TEST(VerdictTest, ACheckNotEvaluatedIsInconclusive) {
  auto v = decideVerdict(
      inputs({check("max-requests", CheckOutcome::kHeld, "1 request", at(3s)),
              check("clients-reject", CheckOutcome::kNotEvaluated,
                    "the bad certificate never reached the application", std::nullopt)}));
  EXPECT_EQ(v.result, VerdictResult::kInconclusive);
  EXPECT_THAT(v.summary, HasSubstr("clients-reject (the bad certificate never reached"));
  EXPECT_EQ(decideVerdict(inputs({})).result, VerdictResult::kInconclusive)
      << "no checks: nothing to pass";
}

TEST(VerdictTest, AbortAndCircuitBreakerComeFirst) {
  auto in = inputs({check("probes-valid", CheckOutcome::kHeld, "ok", at(1s))});
  in.aborted = true;
  EXPECT_EQ(decideVerdict(in).result, VerdictResult::kAborted);
  EXPECT_EQ(decideVerdict(in).checks.size(), 1u) << "the checks are still reported";
  in.aborted = false;
  in.circuitBreaker = true;
  auto v = decideVerdict(in);
  EXPECT_EQ(v.result, VerdictResult::kFailed);
  EXPECT_EQ(v.failingStep, "circuit-breaker");
  EXPECT_THAT(v.summary, HasSubstr("more than 20 CertificateRequests"));
}

// From evidence to verdict, as the runner does it: the seed scenario with its 1 h sleep.
TEST(VerdictTest, SeedScenarioEvidenceFailsOnTheRenewalDeadline) {
  Evidence e = baseEvidence();
  e.probes.push_back({at(61s), false, "certificate has expired", "aa"});
  e.secret.push_back({at(70s), "bb", "certchaos chaos CA", at(130s)});
  e.probes.push_back({at(71s), true, "", "bb"});
  e.now = at(72s);
  e.ended = true;
  const auto& sleep = *chaos::findScenario("3");
  auto checked = checkHypothesis(sleep.checks, e);
  auto v =
      decideVerdict({sleep.hypothesis, checked.checks, !e.proofs.empty(), "", false, false, 20});
  EXPECT_EQ(v.result, VerdictResult::kFailed);
  EXPECT_EQ(v.failingStep, "renewed-before-expiry");
  ASSERT_EQ(v.checks.size(), 2u);
  EXPECT_EQ(v.checks[0].outcome, CheckOutcome::kViolated);
  EXPECT_EQ(v.checks[1].outcome, CheckOutcome::kViolated);
}

}  // namespace
}  // namespace certchaos::scenario
