#include "certchaos/chaos/chaos_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace certchaos::chaos {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(ChaosSpecTest, ParsesTheFullShape) {
  auto spec = parseChaosSpecText(R"({
    "ca": {"secretName": "chaos-ca"},
    "scenario": "3",
    "parameters": {"delay": "1h"},
    "faults": [{"type": "short-lived", "parameters": {"validity": "10m"}, "probability": 0.5,
                "seed": 7}],
    "seed": 42,
    "ttl": "2h",
    "timeScale": 60
  })");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_FALSE(spec->ca.selfSigned);
  EXPECT_EQ(spec->ca.secretName, "chaos-ca");
  EXPECT_EQ(spec->scenario, "3");
  EXPECT_EQ(spec->parameters.at("delay"), "1h");
  ASSERT_EQ(spec->faults.size(), 1u);
  EXPECT_EQ(spec->faults[0].type, "short-lived");
  EXPECT_EQ(spec->faults[0].parameters.at("validity"), "10m");
  EXPECT_EQ(spec->faults[0].probability, 0.5);
  EXPECT_EQ(spec->faults[0].seed, 7u);
  EXPECT_EQ(spec->seed, 42u);
  EXPECT_EQ(spec->ttl, std::chrono::hours(2));
  EXPECT_EQ(spec->timeScale, 60);
  EXPECT_TRUE(spec->hasChaos());
}

TEST(ChaosSpecTest, SelfSignedAloneIsHealthy) {
  auto spec = parseChaosSpec(json{{"selfSigned", json::object()}});
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_TRUE(spec->ca.selfSigned);
  EXPECT_FALSE(spec->hasChaos());
  EXPECT_EQ(spec->timeScale, 1);
}

TEST(ChaosSpecTest, ScenarioMayBeANumber) {
  auto spec = parseChaosSpec(json{{"selfSigned", json::object()}, {"scenario", 3}, {"seed", 5}});
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->scenario, "3");
  EXPECT_EQ(spec->seed, 5u);
}

TEST(ChaosSpecTest, ExactlyOneCaSource) {
  auto both = parseChaosSpecText(R"({"selfSigned": {}, "ca": {"secretName": "x"}})");
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(both.error().message,
              HasSubstr("expected exactly one of selfSigned: {} or ca.secretName, found both"));
  auto neither = parseChaosSpecText(R"({"scenario": "sleep"})");
  ASSERT_FALSE(neither.ok());
  EXPECT_THAT(neither.error().message, HasSubstr("found neither"));
  auto empty = parseChaosSpecText(R"({"ca": {"secretName": ""}})");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error().message, HasSubstr("spec.ca: expected {secretName:"));
}

TEST(ChaosSpecTest, ProbabilityAboveOneIsRefused) {
  auto spec = parseChaosSpecText(
      R"({"selfSigned": {}, "faults": [{"type": "sleep", "probability": 1.5}]})");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().code, "InvalidSpec");
  EXPECT_THAT(spec.error().message,
              HasSubstr("spec.faults[0].probability: expected a number from 0 to 1"));
  EXPECT_THAT(spec.error().message, HasSubstr("found number 1.5"));
}

TEST(ChaosSpecTest, EveryProblemIsListed) {
  auto spec = parseChaosSpecText(R"({
    "selfSigned": {}, "seed": -1, "ttl": "soon", "timeScale": 0, "sceanrio": "3",
    "faults": [{"parameters": {"delay": 5}}]
  })");
  ASSERT_FALSE(spec.ok());
  const auto& m = spec.error().message;
  EXPECT_THAT(m, HasSubstr("spec.seed: expected a non-negative integer, found number -1"));
  EXPECT_THAT(m, HasSubstr("spec.ttl: expected a positive duration such as \"30m\" or \"2h\", "
                           "found string \"soon\""));
  EXPECT_THAT(m, HasSubstr("spec.timeScale: expected an integer >= 1"));
  EXPECT_THAT(m, HasSubstr("spec.sceanrio: unknown field; expected one of: ca, faults"));
  EXPECT_THAT(m, HasSubstr("spec.faults[0].type: expected a fault type such as \"sleep\""));
  EXPECT_THAT(m, HasSubstr("spec.faults[0].parameters.delay: expected a string (quote numbers"));
}

TEST(ChaosSpecTest, NotJsonIsRefused) {
  auto spec = parseChaosSpecText("scenario: 3");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.error().message, HasSubstr("not JSON"));
}

TEST(ValidateChaosSpecTest, UnknownFaultTypeIsRefused) {
  auto spec = validateChaosSpec(json::parse(R"({"selfSigned": {}, "faults": [{"type": "nap"}]})"));
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.error().message,
              HasSubstr("spec.faults[0].type: expected one of rogue-issuer, skip-approval, sleep"));
  EXPECT_THAT(spec.error().message, HasSubstr("found \"nap\""));
}

TEST(ValidateChaosSpecTest, NegativeDelayIsRefused) {
  auto spec = validateChaosSpec(
      json::parse(R"({"selfSigned": {}, "scenario": "sleep", "parameters": {"delay": "-1h"}})"));
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.error().message,
              HasSubstr("spec.parameters.delay: expected a non-negative duration, found \"-1h\""));
}

TEST(ValidateChaosSpecTest, UnparsableDurationInAFaultIsRefused) {
  auto spec = validateChaosSpec(json::parse(
      R"({"selfSigned": {}, "faults": [{"type": "sleep", "parameters": {"delay": "1 hour"}}]})"));
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.error().message, HasSubstr("spec.faults[0].parameters.delay: expected a "
                                              "duration"));
}

TEST(ValidateChaosSpecTest, ScenarioKnobsAreChecked) {
  auto spec = validateChaosSpec(json::parse(
      R"({"selfSigned": {}, "scenario": "3",
          "parameters": {"dealy": "1h", "probability": "2", "seed": "x"}})"));
  ASSERT_FALSE(spec.ok());
  const auto& m = spec.error().message;
  EXPECT_THAT(m, HasSubstr("spec.parameters.dealy: unknown parameter; expected one of: delay, "
                           "jitter"));
  EXPECT_THAT(m, HasSubstr("spec.parameters.probability: expected a number from 0 to 1"));
  EXPECT_THAT(m, HasSubstr("spec.parameters.seed: expected a non-negative integer"));
}

// No scenario of the catalog is planned any more (1 to 29 all run): the planned branch has no
// catalog entry to test it with.
TEST(ValidateChaosSpecTest, UnknownAndRunnerScenarios) {
  auto unknown = validateChaosSpec(json::parse(R"({"selfSigned": {}, "scenario": "nap"})"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error().message, HasSubstr("found \"nap\"; `certchaos scenarios` lists"));
  EXPECT_THAT(unknown.error().message, HasSubstr("3 sleep"));
  auto storm = validateChaosSpec(json::parse(R"({"selfSigned": {}, "scenario": "28"})"));
  ASSERT_FALSE(storm.ok());
  EXPECT_THAT(storm.error().message, HasSubstr("`certchaos run renewal-storm`"));
  auto runner = validateChaosSpec(json::parse(R"({"selfSigned": {}, "scenario": "26"})"));
  ASSERT_FALSE(runner.ok());
  EXPECT_THAT(runner.error().message, HasSubstr("`certchaos run renewal-not-loaded`"));
}

TEST(ValidateChaosSpecTest, ParametersWithoutScenario) {
  auto spec =
      validateChaosSpec(json::parse(R"({"selfSigned": {}, "parameters": {"delay": "1h"}})"));
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.error().message, HasSubstr("spec.parameters: set without spec.scenario"));
}

TEST(ValidateChaosSpecTest, EveryImplementedScenarioValidatesWithDefaults) {
  for (const char* s : {"1",  "2",  "3",  "4",  "5",  "6",  "7",  "8",  "9",  "10",
                        "11", "12", "13", "15", "18", "19", "20", "21", "22", "23"}) {
    auto spec = validateChaosSpec(json{{"selfSigned", json::object()}, {"scenario", s}});
    EXPECT_TRUE(spec.ok()) << s << ": " << spec.error().message;
  }
}

}  // namespace
}  // namespace certchaos::chaos
