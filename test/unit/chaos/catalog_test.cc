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
                                             "renewal-storm"};
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
  EXPECT_EQ(implemented, 20);
  EXPECT_EQ(findScenario("26")->status, ScenarioStatus::kRunnerSide);
  EXPECT_EQ(findScenario("14")->status, ScenarioStatus::kPlanned);
}

TEST(CatalogTest, FindsByNumberOrName) {
  ASSERT_NE(findScenario("3"), nullptr);
  EXPECT_EQ(findScenario("3")->name, "sleep");
  EXPECT_EQ(findScenario("sleep")->number, 3);
  EXPECT_EQ(findScenario("29"), nullptr);
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
  ASSERT_EQ(j["scenarios"].size(), 28u);
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

}  // namespace
}  // namespace certchaos::chaos
