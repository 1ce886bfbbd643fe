// deploy issuer's object building: flags on top of a file, the live CA kept, healthy clearing.
#include "issuer_spec.h"

#include <gtest/gtest.h>

namespace certchaos::cli {
namespace {

using nlohmann::json;

TEST(CliIssuerSpecTest, FaultFlagParsesParametersProbabilityAndSeed) {
  auto f = parseFaultFlag("sleep:delay=10m,probability=0.5,seed=7,window=a=b");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ((*f)["type"], "sleep");
  EXPECT_EQ((*f)["parameters"]["delay"], "10m");
  EXPECT_EQ((*f)["parameters"]["window"], "a=b");
  EXPECT_DOUBLE_EQ((*f)["probability"].get<double>(), 0.5);
  EXPECT_EQ((*f)["seed"], 7);
  EXPECT_EQ(*parseFaultFlag("hang"), (json{{"type", "hang"}}));

  auto bad = parseFaultFlag("sleep:delay");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, kUsageError);
  EXPECT_NE(bad.error().message.find("found 'delay'"), std::string::npos);
  EXPECT_FALSE(parseFaultFlag("sleep:probability=half"));
  EXPECT_FALSE(parseFaultFlag(":delay=1s"));
}

TEST(CliIssuerSpecTest, BuildsANewSelfSignedIssuerWithTheScenario) {
  IssuerFlags flags;
  flags.name = "ca";
  flags.ns = "demo";
  flags.scenario = "3";
  flags.sets = {"delay=1h"};
  flags.seed = 42;
  flags.timeScale = 60;
  auto o = buildIssuer(flags, json::object(), nullptr);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ((*o)["kind"], "ChaosIssuer");
  EXPECT_EQ((*o)["apiVersion"], "certchaos.io/v1alpha1");
  EXPECT_EQ((*o)["metadata"], (json{{"name", "ca"}, {"namespace", "demo"}}));
  EXPECT_EQ((*o)["spec"], (json{{"selfSigned", json::object()},
                                {"scenario", "3"},
                                {"parameters", {{"delay", "1h"}}},
                                {"seed", 42},
                                {"timeScale", 60}}));
  EXPECT_EQ(describeChaos((*o)["spec"]), "scenario 3 (delay=1h)");
}

TEST(CliIssuerSpecTest, KeepsTheLiveCaAndTimeScaleAndClearsChaosWhenHealthy) {
  json live = {{"spec", {{"ca", {{"secretName", "root"}}}, {"scenario", "3"}, {"timeScale", 60}}}};
  IssuerFlags flags;
  flags.name = "ca";
  flags.ns = "demo";
  flags.scenario = "healthy";
  auto o = buildIssuer(flags, json::object(), live);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ((*o)["spec"], (json{{"ca", {{"secretName", "root"}}}, {"timeScale", 60}}));
  EXPECT_FALSE(specHasChaos((*o)["spec"]));
  EXPECT_EQ(describeChaos((*o)["spec"]), "healthy");

  flags.sets = {"delay=1h"};
  auto contradictory = buildIssuer(flags, json::object(), live);
  ASSERT_FALSE(contradictory);
  EXPECT_EQ(contradictory.error().code, kUsageError);
}

// Found by the issuer_file fuzz target: a fault that is not an object, or a scenario that is not
// a string, threw nlohmann::json::type_error out of describeChaos.
TEST(CliIssuerSpecTest, DescribeChaosSurvivesFieldsOfTheWrongType) {
  EXPECT_EQ(describeChaos(json{{"faults", {"sleep", 5}}}), "faults [?, ?]");
  EXPECT_EQ(describeChaos(json{{"scenario", 3}, {"faults", {{{"type", "hang"}}}}}),
            "faults [hang]");
}

TEST(CliIssuerSpecTest, FlagsOverrideAFileAndServerFieldsAreDropped) {
  json file = {{"apiVersion", "certchaos.io/v1alpha1"},
               {"kind", "ChaosClusterIssuer"},
               {"metadata", {{"name", "x"}, {"resourceVersion", "12"}, {"namespace", "a"}}},
               {"spec", {{"selfSigned", json::object()}, {"scenario", "sleep"}}},
               {"status", {{"conditions", json::array()}}}};
  IssuerFlags flags;
  flags.name = "x";
  flags.cluster = true;
  flags.faults = {"fail-transient:count=2"};
  flags.caSecret = "root";
  auto o = buildIssuer(flags, file, nullptr);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ((*o)["metadata"], (json{{"name", "x"}}));
  EXPECT_FALSE(o->contains("status"));
  EXPECT_EQ((*o)["spec"]["ca"]["secretName"], "root");
  EXPECT_FALSE((*o)["spec"].contains("selfSigned"));
  EXPECT_EQ((*o)["spec"]["scenario"], "sleep");
  EXPECT_EQ((*o)["spec"]["faults"][0]["parameters"]["count"], "2");
}

TEST(CliIssuerSpecTest, SetNeedsAScenario) {
  IssuerFlags flags;
  flags.name = "x";
  flags.sets = {"delay=1h"};
  auto o = buildIssuer(flags, json::object(), nullptr);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("--scenario"), std::string::npos);
}

}  // namespace
}  // namespace certchaos::cli
