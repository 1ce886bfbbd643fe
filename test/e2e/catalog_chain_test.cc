// Issue 13: every implemented scenario of the catalog, back to back on one base of the real local
// plane, each with its defaults, as a user would chain them. Each run must start on a valid base
// (no --restore: a base the previous run left broken fails the next run's precondition), prove its
// injection, reach a verdict, end within seconds of deciding it, and leave the base restored. The
// verdict of each scenario is asserted by its own test; this one asserts that they chain.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "certchaos/chaos/catalog.h"
#include "certchaos/localcluster/cm_backoff.h"
#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/scenario/runner.h"
#include "plane.h"
#include "scenario_base.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using report::VerdictResult;

constexpr int kScale = 120;  // the base certificate (1h nominal) lives 30 s

// How long a run may go on after its verdict was decided: the rollback and the base's restore come
// after `endedAt`, so this is the observation that continued (waiting for recovery under the fault,
// the last probe).
constexpr auto kAfterDecision = std::chrono::seconds(10);

const report::TimelineEntry* find(const report::Report& r, std::string_view kind) {
  for (const auto& e : r.timeline) {
    if (e.kind == kind) return &e;
  }
  return nullptr;
}

const report::TimelineEntry* findLast(const report::Report& r, std::string_view kind) {
  const report::TimelineEntry* last = nullptr;
  for (const auto& e : r.timeline) {
    if (e.kind == kind) last = &e;
  }
  return last;
}

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// cert-manager's failure back-off scaled by the time scale for the whole chain, as `certchaos run`
// scales it for each run on the local plane; restored at the end.
class ScaledBackoff {
 public:
  ScaledBackoff() : plane_(SharedPlane::get().stateDir()) {
    self_ = {::getpid(), localcluster::processStartTime(::getpid()).value_or(0)};
    auto grant = plane_.holdBackoff(localcluster::scaledBackoff(kScale), self_, log_);
    EXPECT_TRUE(grant && grant->granted) << (grant ? log_.str() : grant.error().message);
    const auto scaled = localcluster::scaledBackoff(kScale);
    inForce_ = {true, scaled.minimum, scaled.maximum, "scaled for the chain"};
  }
  ~ScaledBackoff() { EXPECT_TRUE(plane_.releaseBackoff(self_, log_)) << log_.str(); }
  const report::CertManagerBackoff& inForce() const { return inForce_; }

 private:
  localcluster::LocalCluster plane_;
  localcluster::ProcessId self_;
  std::ostringstream log_;
  report::CertManagerBackoff inForce_;
};

TEST(CatalogChainTest, EveryImplementedScenarioRunsBackToBackOnOneBase) {
  ASSERT_TRUE(SharedPlane::get().ok());
  BaseDeployment s = deployBase("chain", BaseOptions{kScale, true, true});
  ASSERT_FALSE(s.appUrl.empty());
  ScaledBackoff backoff;
  TempDir runs;

  std::string table =
      "scenario                  verdict        decided  ended  wall (incl. restore)\n";
  int ran = 0;
  std::string previous;  // the previous run's timeline, for a run that cannot start on its end
  for (const auto& scenario : chaos::scenarioCatalog()) {
    if (scenario.status == chaos::ScenarioStatus::kPlanned) continue;
    SCOPED_TRACE("scenario " + std::to_string(scenario.number) + " " + scenario.name);
    auto o = runOptions(s, std::to_string(scenario.number), kScale, runs.path());
    o.atRenewalTime = false;  // forced at once
    o.timeout = std::chrono::minutes(2);
    o.restore = false;  // the previous run must have left a valid base
    o.certManagerBackoff = backoff.inForce();
    const auto wallStart = std::chrono::steady_clock::now();
    auto result = scenario::runScenario(SharedPlane::get().admin(), o);
    const auto wall = std::chrono::steady_clock::now() - wallStart;
    ASSERT_TRUE(result) << "the run did not start (the previous run's end is its base): "
                        << result.error().message << "\nthe previous run:\n"
                        << previous;
    ++ran;
    const auto& r = result->report;
    const std::string all = timelineText(r);

    // Started on a valid base: nothing was restored before the run began.
    EXPECT_EQ(find(r, "BaseRestored"), findLast(r, "BaseRestored")) << all;
    if (const auto* restored = find(r, "BaseRestored"); restored != nullptr) {
      const auto* forced = find(r, report::kinds::kRenewalForced);
      ASSERT_NE(forced, nullptr) << all;
      EXPECT_GT(restored->wallTime, forced->wallTime) << "restored before the run\n" << all;
    }
    // Injected and decided.
    EXPECT_FALSE(r.proofOfInjection.empty()) << all;
    EXPECT_NE(r.verdict.result, VerdictResult::kInconclusive) << r.verdict.summary << "\n" << all;
    EXPECT_EQ(find(r, "TimedOut"), nullptr) << all;
    const auto* decided = find(r, "VerdictDecided");
    ASSERT_NE(decided, nullptr) << all;
    // Ended within seconds of the decision (unless recovery under the fault was awaited and seen).
    const auto afterDecision = r.run.endedAt - decided->wallTime;
    if (!scenario.recoversUnderFault) {
      EXPECT_LE(afterDecision, kAfterDecision) << all;
    }
    // The issuer reverted and the base left valid for the next run.
    EXPECT_EQ(find(r, "RollbackFailed"), nullptr) << all;
    EXPECT_EQ(find(r, "BaseRestoreFailed"), nullptr) << all;
    EXPECT_NE(findLast(r, "BaseRestored"), nullptr) << all;

    char line[160];
    std::snprintf(line, sizeof line, "%2d %-22s %-13s %6.1fs %6.1fs %6.1fs\n", scenario.number,
                  scenario.name.c_str(), std::string(report::toString(r.verdict.result)).c_str(),
                  seconds(decided->wallTime - r.run.startedAt),
                  seconds(r.run.endedAt - r.run.startedAt), seconds(wall));
    table += line;
    previous = all;
  }
  EXPECT_GE(ran, 20);
  std::printf("%s", table.c_str());
}

}  // namespace
}  // namespace certchaos::testing
