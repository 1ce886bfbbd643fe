// FaultEngine::decide: healthy behaviour, and each fault's effect on the decision.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/chaos/fault_engine.h"
#include "engine_test_util.h"

namespace certchaos::chaos {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::AllOf;
using testing::approvedRequest;
using testing::engineFor;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> appliedTypes(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& a : d.applied) out.push_back(a.type);
  return out;
}

TEST(HealthyEngineTest, FollowsTheExternalIssuerContract) {
  FaultEngine engine;
  RequestContext ctx = approvedRequest();
  EXPECT_EQ(engine.decide(ctx).action, Action::kSign);
  EXPECT_TRUE(engine.decide(ctx).applied.empty());

  ctx.issuerRefMatches = false;
  EXPECT_EQ(engine.decide(ctx).action, Action::kIgnore);

  ctx = approvedRequest();
  ctx.approved = false;
  EXPECT_EQ(engine.decide(ctx).action, Action::kWaitForApproval);

  ctx.denied = true;
  auto d = engine.decide(ctx);
  EXPECT_EQ(d.action, Action::kReportDenied);
  EXPECT_THAT(d.message, HasSubstr("denied by an approval controller"));
  EXPECT_EQ(engine.summary(), "healthy");
}

TEST(EngineSafetyTest, NoFaultOutsideOptedInNamespaces) {
  auto engine = engineFor(R"("faults": [{"type": "rogue-issuer"}, {"type": "skip-approval"},
                                         {"type": "hang"}, {"type": "fail-permanent"}])");
  RequestContext ctx = approvedRequest();
  ctx.chaosAllowed = false;
  EXPECT_EQ(engine.decide(ctx).action, Action::kSign);
  ctx.issuerRefMatches = false;
  EXPECT_EQ(engine.decide(ctx).action, Action::kIgnore);
  ctx.issuerRefMatches = true;
  ctx.approved = false;
  EXPECT_EQ(engine.decide(ctx).action, Action::kWaitForApproval);
}

TEST(RogueIssuerTest, SignsAnotherIssuersRequest) {
  auto engine = engineFor(R"("scenario": "1")");
  RequestContext ctx = approvedRequest();
  ctx.issuerRefMatches = false;
  auto d = engine.decide(ctx);
  EXPECT_EQ(d.action, Action::kSign);
  ASSERT_EQ(d.applied.size(), 1u);
  EXPECT_EQ(d.applied[0].reason, "ChaosRogueIssuer");
  // Still waits for approval like any request.
  ctx.approved = false;
  EXPECT_EQ(engine.decide(ctx).action, Action::kWaitForApproval);
}

TEST(SkipApprovalTest, SignsUnapprovedAndDenied) {
  auto engine = engineFor(R"("scenario": "skip-approval")");
  RequestContext ctx = approvedRequest();
  ctx.approved = false;
  auto d = engine.decide(ctx);
  EXPECT_EQ(d.action, Action::kSign);
  EXPECT_EQ(d.applied.at(0).reason, "ChaosSkipApproval");
  ctx.denied = true;
  EXPECT_EQ(engine.decide(ctx).action, Action::kSign);
}

TEST(SkipApprovalTest, ModesNarrowIt) {
  auto unapprovedOnly = engineFor(R"("scenario": "2", "parameters": {"mode": "unapproved"})");
  RequestContext ctx = approvedRequest();
  ctx.approved = false;
  EXPECT_EQ(unapprovedOnly.decide(ctx).action, Action::kSign);
  ctx.denied = true;
  EXPECT_EQ(unapprovedOnly.decide(ctx).action, Action::kReportDenied);

  auto deniedOnly = engineFor(R"("scenario": "2", "parameters": {"mode": "denied"})");
  EXPECT_EQ(deniedOnly.decide(ctx).action, Action::kSign);
  ctx.denied = false;
  EXPECT_EQ(deniedOnly.decide(ctx).action, Action::kWaitForApproval);
}

TEST(SleepTest, HoldsUntilThePersistedStartPlusDelayThenSigns) {
  auto engine = engineFor(R"("scenario": "3", "parameters": {"delay": "10m"})");
  RequestContext ctx = approvedRequest();
  auto first = engine.decide(ctx);
  ASSERT_EQ(first.action, Action::kHold);
  ASSERT_TRUE(first.holdStartedAt);
  EXPECT_EQ(*first.holdStartedAt, ctx.now);
  EXPECT_EQ(first.requeueAt, ctx.now + minutes(10));
  EXPECT_THAT(first.message, HasSubstr("Held by certchaos until 2024-01-01T00:10:00Z"));
  EXPECT_EQ(first.applied.at(0).reason, "ChaosSleep");

  // A later reconcile (or a restarted issuer) with the persisted start keeps the deadline.
  ctx.holdStartedAt = first.holdStartedAt;
  ctx.now += minutes(4);
  auto again = engineFor(R"("scenario": "3", "parameters": {"delay": "10m"})").decide(ctx);
  EXPECT_EQ(again.action, Action::kHold);
  EXPECT_EQ(again.requeueAt, first.requeueAt);

  ctx.now = *first.requeueAt;
  auto done = engine.decide(ctx);
  EXPECT_EQ(done.action, Action::kSign);
  EXPECT_EQ(appliedTypes(done), std::vector<std::string>{"sleep"});
}

// A request that waited in the issuer's queue after it was seen approved: its hold starts at the
// sighting, so the delay runs from the approval, not from the reconcile; a persisted start wins.
TEST(SleepTest, AFirstHoldStartsWhenTheRequestWasSeenApproved) {
  auto engine = engineFor(R"("scenario": "3", "parameters": {"delay": "10m"})");
  RequestContext ctx = approvedRequest();
  ctx.approvedSeenAt = ctx.now - seconds(3);
  auto first = engine.decide(ctx);
  ASSERT_EQ(first.action, Action::kHold);
  EXPECT_EQ(first.holdStartedAt, ctx.now - seconds(3));
  EXPECT_EQ(first.requeueAt, ctx.now - seconds(3) + minutes(10));

  ctx.holdStartedAt = ctx.now - minutes(1);
  auto persisted = engine.decide(ctx);
  EXPECT_EQ(persisted.holdStartedAt, ctx.now - minutes(1));
  EXPECT_EQ(persisted.requeueAt, ctx.now - minutes(1) + minutes(10));
}

TEST(SleepTest, JitterIsSeededPerRequest) {
  auto engine = engineFor(R"("scenario": "3", "parameters": {"delay": "10m", "jitter": "0.5"})");
  auto a1 = engine.decide(approvedRequest("a"));
  auto a2 = engine.decide(approvedRequest("a"));
  auto b = engine.decide(approvedRequest("b"));
  ASSERT_TRUE(a1.requeueAt && a2.requeueAt && b.requeueAt);
  EXPECT_EQ(a1.requeueAt, a2.requeueAt);
  EXPECT_NE(a1.requeueAt, b.requeueAt);
  const auto now = approvedRequest().now;
  for (const auto& d : {a1, b}) {
    EXPECT_GE(*d.requeueAt, now + minutes(10));
    EXPECT_LT(*d.requeueAt, now + minutes(15));
  }
}

TEST(SleepTest, TimeScaleDividesTheDelay) {
  auto engine = engineFor(R"("scenario": "3", "parameters": {"delay": "1h"}, "timeScale": 60)");
  RequestContext ctx = approvedRequest();
  EXPECT_EQ(engine.decide(ctx).requeueAt, ctx.now + minutes(1));
  EXPECT_THAT(engine.decide(ctx).applied.at(0).message, HasSubstr("1h (1m0s at time scale 60)"));
}

TEST(HangTest, HoldsForEverWithoutRequeue) {
  auto engine = engineFor(R"("scenario": "hang")");
  RequestContext ctx = approvedRequest();
  ctx.now += hours(24 * 365);
  ctx.holdStartedAt = approvedRequest().now;
  auto d = engine.decide(ctx);
  EXPECT_EQ(d.action, Action::kHold);
  EXPECT_FALSE(d.requeueAt);
  EXPECT_EQ(d.holdStartedAt, ctx.holdStartedAt);
  EXPECT_EQ(d.applied.at(0).reason, "ChaosHang");
}

TEST(FailTransientTest, FailsTheFirstAttemptsThenSigns) {
  auto engine = engineFor(R"("scenario": "5", "parameters": {"attempts": "2"})");
  RequestContext ctx = approvedRequest();
  for (int attempt : {1, 2}) {
    ctx.attempt = attempt;
    auto d = engine.decide(ctx);
    ASSERT_EQ(d.action, Action::kFail) << attempt;
    ASSERT_TRUE(d.failure);
    EXPECT_EQ(d.failure->kind, Failure::Kind::kFailed);
    EXPECT_TRUE(d.failure->setFailureTime);
    EXPECT_THAT(d.message, HasSubstr("attempt " + std::to_string(attempt)));
  }
  ctx.attempt = 3;
  EXPECT_EQ(engine.decide(ctx).action, Action::kSign);
}

TEST(FailTransientTest, PendingModeRetriesTheSameRequest) {
  auto engine = engineFor(
      R"("scenario": "fail-transient", "parameters": {"mode": "pending", "retryAfter": "45s"})");
  RequestContext ctx = approvedRequest();
  auto d = engine.decide(ctx);
  ASSERT_EQ(d.action, Action::kFail);
  EXPECT_EQ(d.failure->kind, Failure::Kind::kPending);
  EXPECT_FALSE(d.failure->setFailureTime);
  EXPECT_EQ(d.requeueAt, ctx.now + seconds(45));
}

TEST(FailPermanentTest, FailsWithFailureTime) {
  auto engine = engineFor(R"("scenario": "6")");
  auto d = engine.decide(approvedRequest());
  ASSERT_EQ(d.action, Action::kFail);
  EXPECT_EQ(d.failure->kind, Failure::Kind::kFailed);
  EXPECT_TRUE(d.failure->setFailureTime);
  EXPECT_THAT(d.message, HasSubstr("500 Internal Server Error"));
  EXPECT_EQ(d.applied.at(0).reason, "ChaosFailPermanent");
}

// Scenario 29: failed inside the window measured from the scenario's start (status.activeSince),
// healthy after it, within one spec; the window is divided by the time scale.
TEST(OutageWindowTest, FailsInsideTheWindowFromTheScenarioStartThenSigns) {
  auto engine = engineFor(R"("scenario": "29", "timeScale": 60, "parameters": {"window": "30m"})");
  RequestContext ctx = approvedRequest();
  ctx.chaosSince = ctx.now - seconds(10);
  auto d = engine.decide(ctx);
  ASSERT_EQ(d.action, Action::kFail);
  EXPECT_TRUE(d.failure->setFailureTime);
  EXPECT_THAT(d.message, HasSubstr("503 Service Unavailable"));
  EXPECT_EQ(d.applied.at(0).reason, "ChaosOutageWindow");
  EXPECT_THAT(d.applied.at(0).message, HasSubstr("30m (30s at time scale 60)"));
  ctx.now = *ctx.chaosSince + seconds(29);
  EXPECT_EQ(engine.decide(ctx).action, Action::kFail);
  ctx.now = *ctx.chaosSince + seconds(30);  // the window is over: a healthy issuer again
  auto after = engine.decide(ctx);
  EXPECT_EQ(after.action, Action::kSign);
  EXPECT_TRUE(after.applied.empty());
}

TEST(OutageWindowTest, HangHoldsUntilTheWindowEndsThenSigns) {
  auto engine = engineFor(R"("scenario": "outage-window", "parameters": {"window": "2m",
                              "fault": "hang"})");
  RequestContext ctx = approvedRequest();
  ctx.chaosSince = ctx.now - seconds(30);
  auto held = engine.decide(ctx);
  ASSERT_EQ(held.action, Action::kHold);
  EXPECT_EQ(held.requeueAt, *ctx.chaosSince + minutes(2));
  ctx.holdStartedAt = ctx.now;
  ctx.now = *ctx.chaosSince + minutes(2);
  auto signedAfter = engine.decide(ctx);
  EXPECT_EQ(signedAfter.action, Action::kSign);
  EXPECT_EQ(signedAfter.applied.at(0).reason, "ChaosOutageWindow");  // proof that it held
  RequestContext late = approvedRequest("uid-2");
  late.chaosSince = *ctx.chaosSince;
  late.now = *ctx.chaosSince + minutes(3);
  EXPECT_EQ(engine.decide(late).action, Action::kSign);
}

TEST(OutageWindowTest, BadParametersNameParameterValueAndRange) {
  auto negative = validateChaosSpec(nlohmann::json::parse(
      R"({"selfSigned": {}, "scenario": "29", "parameters": {"window": "-5m"}})"));
  ASSERT_FALSE(negative);
  EXPECT_THAT(negative.error().message, AllOf(HasSubstr("spec.parameters.window: expected a"),
                                              HasSubstr("duration"), HasSubstr("found \"-5m\"")));
  auto zero = validateChaosSpec(nlohmann::json::parse(
      R"({"selfSigned": {}, "scenario": "29", "parameters": {"window": "0s"}})"));
  ASSERT_FALSE(zero);
  EXPECT_THAT(zero.error().message, HasSubstr("spec.parameters.window"));
  auto mode = validateChaosSpec(nlohmann::json::parse(
      R"({"selfSigned": {}, "scenario": "29", "parameters": {"fault": "crash"}})"));
  ASSERT_FALSE(mode);
  EXPECT_THAT(mode.error().message, AllOf(HasSubstr("spec.parameters.fault"), HasSubstr("fail"),
                                          HasSubstr("hang"), HasSubstr("\"crash\"")));
}

TEST(FailNoFailureTimeTest, FailsWithoutFailureTime) {
  auto engine = engineFor(R"("scenario": "8", "parameters": {"message": "boom"})");
  auto d = engine.decide(approvedRequest());
  ASSERT_EQ(d.action, Action::kFail);
  EXPECT_FALSE(d.failure->setFailureTime);
  EXPECT_EQ(d.message, "boom");
}

TEST(DenyTest, DeniesBeforeApprovalAndFailsAfter) {
  auto engine = engineFor(R"("scenario": "deny")");
  RequestContext ctx = approvedRequest();
  ctx.approved = false;
  auto d = engine.decide(ctx);
  EXPECT_EQ(d.action, Action::kDeny);
  EXPECT_THAT(d.message, HasSubstr("does not comply"));
  EXPECT_EQ(d.applied.at(0).reason, "ChaosDeny");

  ctx.approved = true;
  auto late = engine.decide(ctx);
  ASSERT_EQ(late.action, Action::kFail);
  EXPECT_TRUE(late.failure->setFailureTime);
  EXPECT_THAT(late.message, HasSubstr("already Approved, so it is failed instead of Denied"));
}

TEST(RateLimitTest, RefusesOverTheLimitAndNamesTheRetryTime) {
  auto engine = engineFor(R"("scenario": "9", "parameters": {"limit": "2", "window": "1h"})");
  RequestContext ctx = approvedRequest();
  ctx.recentIssuances = {ctx.now - minutes(50), ctx.now - hours(2)};
  EXPECT_EQ(engine.decide(ctx).action, Action::kSign);  // one in the window
  ctx.recentIssuances.push_back(ctx.now - minutes(20));
  auto d = engine.decide(ctx);
  ASSERT_EQ(d.action, Action::kFail);
  EXPECT_TRUE(d.failure->setFailureTime);
  EXPECT_THAT(d.message, HasSubstr("too many certificates (2) already issued in the last 1h0m0s"));
  EXPECT_THAT(d.message, HasSubstr("retry after 2024-01-01T00:10:00Z"));
}

TEST(ProbabilityTest, SeededDrawsAreReproducibleAndRoughlyProportional) {
  const std::string spec = R"("faults": [{"type": "fail-permanent", "probability": 0.3,
                                           "seed": 42}])";
  auto a = engineFor(spec);
  auto b = engineFor(spec);
  auto other = engineFor(R"("faults": [{"type": "fail-permanent", "probability": 0.3,
                                         "seed": 43}])");
  int failed = 0, differs = 0;
  for (int i = 0; i < 400; ++i) {
    RequestContext ctx = approvedRequest("uid-" + std::to_string(i));
    const bool fa = a.decide(ctx).action == Action::kFail;
    EXPECT_EQ(fa, b.decide(ctx).action == Action::kFail);
    EXPECT_EQ(fa, a.decide(ctx).action == Action::kFail);  // stable per request
    failed += fa;
    differs += fa != (other.decide(ctx).action == Action::kFail);
  }
  EXPECT_GT(failed, 80);
  EXPECT_LT(failed, 160);
  EXPECT_GT(differs, 50);
}

TEST(ProbabilityTest, ZeroNeverFiresAndScenarioKnobWorks) {
  auto never = engineFor(R"("faults": [{"type": "hang", "probability": 0}])");
  auto half = engineFor(R"("scenario": "4", "parameters": {"probability": "0.5", "seed": "3"})");
  int held = 0;
  for (int i = 0; i < 100; ++i) {
    RequestContext ctx = approvedRequest("r" + std::to_string(i));
    EXPECT_EQ(never.decide(ctx).action, Action::kSign);
    held += half.decide(ctx).action == Action::kHold;
  }
  EXPECT_GT(held, 25);
  EXPECT_LT(held, 75);
  EXPECT_EQ(half.faults().at(0).seed, 3u);
  EXPECT_EQ(half.faults().at(0).probability, 0.5);
}

TEST(SeedTest, SpecSeedMakesEnginesIdenticalAndNoSeedUsesTheSource) {
  auto a = engineFor(R"("faults": [{"type": "sleep"}, {"type": "corrupt"}])");
  auto b = engineFor(R"("faults": [{"type": "sleep"}, {"type": "corrupt"}])");
  EXPECT_EQ(a.faults()[0].seed, b.faults()[0].seed);
  EXPECT_NE(a.faults()[0].seed, a.faults()[1].seed);

  auto spec = parseChaosSpecText(R"({"selfSigned": {}, "faults": [{"type": "sleep"}]})");
  ASSERT_TRUE(spec.ok());
  SeededRandom s1(1), s2(2);
  EXPECT_NE(FaultEngine::fromSpec(*spec, s1)->faults()[0].seed,
            FaultEngine::fromSpec(*spec, s2)->faults()[0].seed);
}

TEST(CompositionTest, SleepThenFailTransientThenRateLimit) {
  auto engine = engineFor(R"("faults": [
      {"type": "sleep", "parameters": {"delay": "5m"}},
      {"type": "fail-transient", "parameters": {"attempts": "1"}},
      {"type": "rate-limit", "parameters": {"limit": "1"}}])");
  RequestContext ctx = approvedRequest();
  EXPECT_EQ(engine.decide(ctx).action, Action::kHold);
  ctx.holdStartedAt = ctx.now;
  ctx.now += minutes(5);
  auto d = engine.decide(ctx);
  EXPECT_EQ(d.action, Action::kFail);
  EXPECT_EQ(appliedTypes(d), (std::vector<std::string>{"sleep", "fail-transient"}));
  ctx.attempt = 2;
  EXPECT_EQ(engine.decide(ctx).action, Action::kSign);
  ctx.recentIssuances = {ctx.now - minutes(1)};
  EXPECT_EQ(engine.decide(ctx).action, Action::kFail);
}

TEST(CompositionTest, LongestHoldWins) {
  auto engine = engineFor(R"("faults": [{"type": "sleep", "parameters": {"delay": "5m"}},
                                         {"type": "sleep", "parameters": {"delay": "20m"}}])");
  RequestContext ctx = approvedRequest();
  EXPECT_EQ(engine.decide(ctx).requeueAt, ctx.now + minutes(20));
}

TEST(CompositionTest, SigningFaultsAreCarriedToSign) {
  auto engine = engineFor(R"("faults": [{"type": "short-lived"}, {"type": "corrupt"},
                                         {"type": "sleep", "parameters": {"delay": "0s"}}])");
  auto d = engine.decide(approvedRequest());
  EXPECT_EQ(d.action, Action::kSign);
  EXPECT_EQ(d.signingFaults, (std::vector<std::size_t>{0, 1}));
}

TEST(SummaryTest, NamesFaultsParametersAndSeeds) {
  auto engine = engineFor(R"("scenario": "3", "parameters": {"delay": "1h"}, "timeScale": 60)");
  EXPECT_THAT(engine.summary(), HasSubstr("sleep(delay=1h, jitter=0) p=1 seed="));
  EXPECT_THAT(engine.summary(), HasSubstr("time scale 60"));
  EXPECT_EQ(engine.faults()[0].origin, "scenario 3 (sleep)");
}

// The runner reports the spec's seed; the issuer's status names it beside the fault's own.
TEST(SummaryTest, ASeedDerivedFromTheSpecsNamesIt) {
  auto engine = engineFor(R"("scenario": "3", "parameters": {"delay": "1h"})");  // spec.seed 1
  EXPECT_THAT(engine.summary(), HasSubstr(" (from spec.seed 1)"));
  EXPECT_NE(engine.faults()[0].seed, 1u);
  auto own = engineFor(R"("faults": [{"type": "sleep", "seed": 7}])");
  EXPECT_THAT(own.summary(), HasSubstr("seed=7"));
  EXPECT_THAT(own.summary(), Not(HasSubstr("from spec.seed")));
}

TEST(EventReasonTest, CamelCasesTheType) {
  EXPECT_EQ(eventReasonFor("fail-no-failure-time"), "ChaosFailNoFailureTime");
  EXPECT_EQ(eventReasonFor("sleep"), "ChaosSleep");
}

}  // namespace
}  // namespace certchaos::chaos
