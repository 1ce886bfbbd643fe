#include "certchaos/chaos/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace certchaos::chaos {
namespace {

using ::testing::Contains;

// The numbers and names are a public contract (scenarios.md): they must never move.
TEST(CatalogTest, NumbersAndNamesAreStable) {
  const std::vector<std::string> expected = {"rogue-issuer",
                                             "skip-approval",
                                             "sleep",
                                             "hang",
                                             "fail-transient",
                                             "fail-permanent",
                                             "deny",
                                             "fail-no-failure-time",
                                             "rate-limit",
                                             "short-lived",
                                             "expired",
                                             "not-yet-valid",
                                             "expired-intermediate",
                                             "expired-cross-sign",
                                             "incomplete-chain",
                                             "chain-switch",
                                             "root-rotation",
                                             "untrusted-root",
                                             "wrong-san",
                                             "key-mismatch",
                                             "bad-profile",
                                             "corrupt",
                                             "backdated",
                                             "oversized",
                                             "revoked",
                                             "renewal-not-loaded",
                                             "silent-failure",
                                             "renewal-storm",
                                             "outage-window"};
  const auto& catalog = scenarioCatalog();
  ASSERT_EQ(catalog.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(catalog[i].number, static_cast<int>(i + 1));
    EXPECT_EQ(catalog[i].name, expected[i]);
    EXPECT_FALSE(catalog[i].injects.empty());
    EXPECT_FALSE(catalog[i].hypothesis.empty());
  }
}

TEST(CatalogTest, ImplementedScenariosHaveAFaultTypeAndFiringKnobs) {
  int implemented = 0;
  for (const auto& s : scenarioCatalog()) {
    if (s.status != ScenarioStatus::kImplemented) {
      EXPECT_TRUE(s.faultType.empty()) << s.name;
      continue;
    }
    ++implemented;
    ASSERT_NE(findFaultType(s.faultType), nullptr) << s.name;
    std::vector<std::string> names;
    for (const auto& p : s.parameters) names.push_back(p.name);
    EXPECT_THAT(names, Contains("probability")) << s.name;
    EXPECT_THAT(names, Contains("seed")) << s.name;
  }
  EXPECT_EQ(implemented, 26);
  EXPECT_EQ(findScenario("29")->status, ScenarioStatus::kImplemented);
  EXPECT_EQ(findScenario("17")->status, ScenarioStatus::kImplemented);
  EXPECT_EQ(findScenario("25")->status, ScenarioStatus::kImplemented);
  EXPECT_EQ(findScenario("24")->status, ScenarioStatus::kImplemented);
  EXPECT_EQ(findScenario("26")->status, ScenarioStatus::kRunnerSide);
  EXPECT_EQ(findScenario("14")->status, ScenarioStatus::kImplemented);
  EXPECT_EQ(findScenario("16")->status, ScenarioStatus::kImplemented);
}

TEST(CatalogTest, FindsByNumberOrName) {
  ASSERT_NE(findScenario("3"), nullptr);
  EXPECT_EQ(findScenario("3")->name, "sleep");
  EXPECT_EQ(findScenario("sleep")->number, 3);
  EXPECT_EQ(findScenario("29")->name, "outage-window");
  EXPECT_EQ(findScenario("30"), nullptr);
  EXPECT_EQ(findScenario("nap"), nullptr);
  EXPECT_EQ(findScenario(""), nullptr);
}

TEST(CatalogTest, SleepDocumentsItsDelay) {
  const auto* sleep = findScenario("sleep");
  ASSERT_FALSE(sleep->parameters.empty());
  EXPECT_EQ(sleep->parameters[0].name, "delay");
  EXPECT_EQ(sleep->parameters[0].kind, ParameterKind::kDuration);
  EXPECT_EQ(sleep->parameters[0].defaultValue, "1h");
}

TEST(CatalogTest, JsonHasWhatTheCliPrints) {
  const auto j = catalogToJson();
  ASSERT_TRUE(j.contains("scenarios"));
  ASSERT_EQ(j["scenarios"].size(), 29u);
  const auto& s3 = j["scenarios"][2];
  EXPECT_EQ(s3["number"], 3);
  EXPECT_EQ(s3["name"], "sleep");
  EXPECT_EQ(s3["status"], "implemented");
  EXPECT_EQ(s3["injectedBy"], "issuer");
  EXPECT_FALSE(s3["hypothesis"].get<std::string>().empty());
  EXPECT_EQ(s3["parameters"][0]["name"], "delay");
  EXPECT_EQ(s3["parameters"][0]["type"], "duration");
  EXPECT_EQ(s3["parameters"][0]["default"], "1h");
  EXPECT_EQ(s3["faults"][0], "sleep");
  EXPECT_EQ(j["scenarios"][25]["status"], "runner");
  EXPECT_EQ(j["faultTypes"].size(), faultTypeCatalog().size());
  const auto& wrongSan = toJson(*findFaultType("wrong-san"));
  EXPECT_EQ(wrongSan["parameters"][0]["allowed"].size(), 3u);
}

// Every scenario that can run declares its hypothesis as checks; planned ones declare none yet.
TEST(CatalogTest, RunnableScenariosDeclareTheirHypothesisAsChecks) {
  for (const auto& s : scenarioCatalog()) {
    if (s.status == ScenarioStatus::kPlanned) {
      EXPECT_TRUE(s.checks.empty()) << s.name;
      continue;
    }
    EXPECT_FALSE(s.checks.empty()) << s.name << " has no checks";
    for (const auto& c : s.checks) {
      EXPECT_FALSE(c.kind.empty()) << s.name;
      EXPECT_FALSE(c.statement.empty()) << s.name << " " << c.kind;
    }
  }
  // The seed scenario: the renewal must beat expiry, and the app must keep serving.
  const auto* sleep = findScenario("3");
  ASSERT_EQ(sleep->checks.size(), 2u);
  EXPECT_EQ(sleep->checks[0].kind, "renewed-before-expiry");
  EXPECT_EQ(sleep->checks[0].tolerance.at("margin"), "0s");
  EXPECT_EQ(sleep->checks[1].kind, "probes-valid");
  EXPECT_TRUE(sleep->recoversUnderFault);
  EXPECT_FALSE(findScenario("hang")->recoversUnderFault);
  EXPECT_EQ(findScenario("renewal-not-loaded")->proof, InjectionEvidence::kRunnerRenewal);
  // silent-failure injects through the issuer: without its Event the run proves nothing.
  EXPECT_EQ(findScenario("silent-failure")->proof, InjectionEvidence::kIssuerEvent);
}

// Issue 13: a fail-transient run failing every attempt waited for a recovery that cannot come
// until its timeout. The catalog says when recovery cannot come under the fault, and why.
TEST(CatalogTest, FailTransientFailingEveryAttemptNeverRecoversUnderTheFault) {
  const auto* transient = findScenario("fail-transient");
  ASSERT_TRUE(transient->recoversUnderFault);
  EXPECT_EQ(whyNoRecoveryUnderFault(*transient, {}), "")
      << "the first 2 attempts fail, then it signs";
  EXPECT_EQ(whyNoRecoveryUnderFault(*transient, {{"attempts", "3"}, {"mode", "pending"}}), "");
  EXPECT_EQ(whyNoRecoveryUnderFault(*transient, {{"attempts", "0"}, {"mode", "pending"}}),
            "fail-transient fails every attempt (attempts=0) and retries the same request "
            "(mode=pending): the renewal never comes while the fault stays on");
  EXPECT_EQ(whyNoRecoveryUnderFault(*transient, {{"attempts", "0"}}),
            "fail-transient fails every attempt (attempts=0) of every request (probability 1): "
            "the renewal never comes while the fault stays on");
  // A request the seeded draw does not pick is signed: a new request after the back-off may be.
  EXPECT_EQ(whyNoRecoveryUnderFault(*transient, {{"attempts", "0"}, {"probability", "0.5"}}), "");
  // Scenarios that do not wait for recovery have nothing to say.
  EXPECT_EQ(whyNoRecoveryUnderFault(*findScenario("hang"), {}), "");
}

// Issue 13: silent-failure injected nothing and ignored --set fault=hang. It now puts hang or
// fail-permanent on the issuer, and any other value is refused before anything is applied.
TEST(CatalogTest, SilentFailurePutsHangOrFailPermanentOnTheIssuer) {
  const auto* silent = findScenario("27");
  ASSERT_EQ(silent->parameters.size(), 1u);
  EXPECT_EQ(silent->parameters[0].name, "fault");
  EXPECT_EQ(silent->parameters[0].defaultValue, "hang");
  auto byDefault = issuerScenarioFor(*silent, {});
  ASSERT_TRUE(byDefault) << byDefault.error().message;
  EXPECT_EQ(byDefault->scenario, "hang");
  auto fail = issuerScenarioFor(*silent, {{"fault", "fail"}});
  ASSERT_TRUE(fail);
  EXPECT_EQ(fail->scenario, "fail-permanent");
  auto bad = issuerScenarioFor(*silent, {{"fault", "explode"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "scenario 27 (silent-failure): --set fault: expected one of hang, fail, found "
            "\"explode\"; 'certchaos scenarios -o json' lists its parameters");
  EXPECT_THAT(issuerScenarioFor(*silent, {{"delay", "1h"}}).error().message,
              ::testing::HasSubstr("--set delay: unknown parameter; expected one of: fault"));
  // renewal-not-loaded runs around a healthy issuer and takes no knob.
  auto notLoaded = issuerScenarioFor(*findScenario("26"), {});
  ASSERT_TRUE(notLoaded);
  EXPECT_TRUE(notLoaded->scenario.empty());
  EXPECT_THAT(issuerScenarioFor(*findScenario("26"), {{"fault", "hang"}}).error().message,
              ::testing::HasSubstr("expected no parameters"));
  // Implemented scenarios are checked as the issuer checks them.
  EXPECT_THAT(issuerScenarioFor(*findScenario("9"), {{"limit", "0"}}).error().message,
              ::testing::HasSubstr("limit: expected a positive integer, found \"0\""));
  EXPECT_EQ(issuerScenarioFor(*findScenario("3"), {{"delay", "5m"}})->scenario, "sleep");
}

TEST(CatalogTest, JsonListsEachScenariosChecks) {
  const auto j = toJson(*findScenario("sleep"));
  ASSERT_EQ(j["checks"].size(), 2u);
  EXPECT_EQ(j["checks"][0]["name"], "renewed-before-expiry");
  EXPECT_EQ(j["checks"][0]["tolerance"]["margin"], "0s");
  EXPECT_FALSE(j["checks"][1]["statement"].get<std::string>().empty());
  EXPECT_EQ(j["proofOfInjection"], "issuer-event");
  EXPECT_EQ(toJson(*findScenario("26"))["proofOfInjection"], "runner-action");
}

TEST(CatalogTest, RenewalStormComposesItsFaultsAndChecksItsCount) {
  const auto* storm = findScenario("28");
  ASSERT_NE(storm, nullptr);
  EXPECT_EQ(storm->name, "renewal-storm");
  EXPECT_EQ(storm->status, ScenarioStatus::kRunnerSide);
  EXPECT_EQ(storm->proof, InjectionEvidence::kRunnerRenewal);
  std::vector<std::string> checks;
  for (const auto& c : storm->checks) checks.push_back(c.kind);
  EXPECT_EQ(checks, (std::vector<std::string>{"storm-concurrency", "storm-retries"}));

  auto healthy = issuerScenarioFor(*storm, {});
  ASSERT_TRUE(healthy) << healthy.error().message;
  EXPECT_FALSE(healthy->onIssuer());  // the storm alone: the runner's doing

  auto both = issuerScenarioFor(*storm, {{"fault", "rate-limit+fail-transient"}, {"limit", "4"}});
  ASSERT_TRUE(both) << both.error().message;
  ASSERT_EQ(both->faults.size(), 2u);
  EXPECT_EQ(both->faults[0].type, "rate-limit");
  EXPECT_EQ(both->faults[0].parameters.at("limit"), "4");
  EXPECT_EQ(both->faults[0].parameters.at("window"), "1h");
  EXPECT_EQ(both->faults[1].type, "fail-transient");
  EXPECT_EQ(both->faults[1].parameters.at("attempts"), "1");
  EXPECT_TRUE(both->scenario.empty());

  for (const char* count : {"1", "201"}) {
    auto bad = issuerScenarioFor(*storm, {{"count", count}});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("--set count: expected 2 to 200"), std::string::npos)
        << bad.error().message;
    EXPECT_NE(bad.error().message.find(std::string("found ") + count), std::string::npos)
        << bad.error().message;
  }
  auto unknownFault = issuerScenarioFor(*storm, {{"fault", "storm"}});
  ASSERT_FALSE(unknownFault);
  EXPECT_NE(unknownFault.error().message.find("--set fault"), std::string::npos)
      << unknownFault.error().message;
  auto zeroLimit = issuerScenarioFor(*storm, {{"fault", "rate-limit"}, {"limit", "0"}});
  ASSERT_FALSE(zeroLimit);
  EXPECT_NE(zeroLimit.error().message.find("limit"), std::string::npos)
      << zeroLimit.error().message;
}

}  // namespace
}  // namespace certchaos::chaos
