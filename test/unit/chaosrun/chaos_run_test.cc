// A ChaosRun's spec read as the runner's options, and the CRD's list of scenarios kept equal to
// the catalog's runnable ones (the CEL rule that refuses an unknown scenario names them).
#include "certchaos/chaosrun/chaos_run.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>

#include "certchaos/chaos/catalog.h"

namespace certchaos::chaosrun {
namespace {

using nlohmann::json;

json run(json spec) {
  return {{"metadata", {{"name", "r"}, {"namespace", "demo"}, {"uid", "u-1"}}},
          {"spec", std::move(spec)}};
}

TEST(ChaosRunSpecTest, ReadsEveryFieldAsTheRunnersOptions) {
  auto o = runOptionsFor(
      run({{"scenario", "sleep"},
           {"parameters", {{"delay", "1h"}}},
           {"checks", {"max-requests=5"}},
           {"seed", 7},
           {"timeScale", 120},
           {"issuer", {{"name", "chaos"}, {"kind", "ChaosIssuer"}}},
           {"certificate", {{"name", "app"}}},
           {"target", {{"service", {{"name", "web"}, {"port", 8443}}}, {"serverName", "web.demo"}}},
           {"start", "RenewalTime"},
           {"timeout", "3m"},
           {"maxRequests", 4},
           {"keep", true}}));
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->scenario, "sleep");
  EXPECT_EQ(o->parameters.at("delay"), "1h");
  ASSERT_EQ(o->checkOverrides.size(), 1u);
  EXPECT_EQ(o->checkOverrides[0].kind, "max-requests");
  EXPECT_EQ(o->seed, 7u);
  EXPECT_EQ(o->timeScale, 120);
  EXPECT_EQ(o->issuer.ns, "demo");
  EXPECT_EQ(o->issuer.name, "chaos");
  EXPECT_EQ(o->certificate.ns, "demo");
  EXPECT_EQ(o->certificate.name, "app");
  EXPECT_EQ(o->appUrl, "https://web.demo.svc:8443");
  EXPECT_EQ(o->appServerName, "web.demo");
  EXPECT_TRUE(o->atRenewalTime);
  EXPECT_EQ(o->timeout, std::chrono::minutes(3));
  EXPECT_EQ(o->maxRequests, 4);
  EXPECT_TRUE(o->keep);
}

TEST(ChaosRunSpecTest, AClusterIssuerHasNoNamespaceAndAUrlTargetIsKept) {
  auto o = runOptionsFor(run({{"scenario", "3"},
                              {"issuer", {{"name", "ca"}, {"kind", "ChaosClusterIssuer"}}},
                              {"certificate", {{"name", "app"}}},
                              {"target", {{"url", "https://127.0.0.1:8443"}}}}));
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->issuerKind, "ChaosClusterIssuer");
  EXPECT_EQ(o->issuer.ns, "");
  EXPECT_EQ(o->appUrl, "https://127.0.0.1:8443");
  EXPECT_EQ(o->timeout, std::chrono::minutes(10)) << "the runner's default";
  EXPECT_FALSE(o->atRenewalTime);
}

// What the CRD cannot check is refused here, naming the field: the run then ends Aborted,
// reason FailedToStart, with this message.
TEST(ChaosRunSpecTest, RefusesWhatTheCrdCannotCheckNamingTheField) {
  const json base = {{"issuer", {{"name", "chaos"}}}, {"certificate", {{"name", "app"}}}};
  struct Case {
    json extra;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {{{"scenario", "30"}}, "spec.scenario: expected a scenario that can run"},
           {{{"scenario", "sleep"}, {"parameters", {{"count", "2"}}}}, "spec.parameters: "},
           {{{"scenario", "sleep"}, {"checks", {"no-such-check"}}}, "spec.checks: "},
           {{{"scenario", "sleep"}, {"logs", {{"app", "/var/log/app.log"}}}},
            "spec.logs.app: expected NS/SELECTOR[@CONTAINER]"},
           {{{"scenario", "sleep"}, {"logs", {{"certManager", 3}}}},
            "spec.logs.certManager: expected a string, found 3"},
       }) {
    json spec = base;
    spec.update(c.extra);
    auto o = runOptionsFor(run(spec));
    ASSERT_FALSE(o) << spec.dump();
    EXPECT_EQ(o.error().code, "BadSpec");
    EXPECT_NE(o.error().message.find(c.expected), std::string::npos) << o.error().message;
  }
}

// spec.logs takes what `certchaos run --issuer-logs` takes; components it leaves out are absent,
// so that the controller picks their defaults.
TEST(ChaosRunSpecTest, LogsAreTheUsersLogSources) {
  auto overrides = logOverridesFor(
      run({{"scenario", "3"},
           {"issuer", {{"name", "chaos"}}},
           {"certificate", {{"name", "app"}}},
           {"logs", {{"issuer", "tools/app=my-issuer@issuer"}, {"certManager", "none"}}}}));
  ASSERT_TRUE(overrides) << overrides.error().message;
  ASSERT_EQ(overrides->size(), 2U);
  const auto& issuer = std::get<scenario::PodLogSource>(*overrides->at("issuer"));
  EXPECT_EQ(issuer.ns, "tools");
  EXPECT_EQ(issuer.selector, "app=my-issuer");
  EXPECT_EQ(issuer.container, "issuer");
  EXPECT_FALSE(overrides->at("cert-manager").has_value());
  EXPECT_FALSE(overrides->contains("app"));
}

TEST(ChaosRunSpecTest, ReportConfigMapNamesFitAnObjectName) {
  EXPECT_EQ(reportConfigMapName("r1"), "r1-report");
  EXPECT_EQ(reportConfigMapName(std::string(253, 'a')).size(), 253u);
}

TEST(ChaosRunCrdTest, ItsScenarioListIsTheCatalogsRunnableScenarios) {
  YAML::Node crd = YAML::LoadFile(std::string(CERTCHAOS_TEST_SOURCE_DIR) +
                                  "/deploy/crds/certchaos.io_chaosruns.yaml");
  const std::string rule =
      crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
         ["scenario"]["x-kubernetes-validations"][0]["rule"]
             .as<std::string>();
  std::set<std::string> inCrd;
  const std::regex quoted("'([^']+)'");
  for (auto it = std::sregex_iterator(rule.begin(), rule.end(), quoted);
       it != std::sregex_iterator(); ++it) {
    inCrd.insert((*it)[1].str());
  }
  std::set<std::string> runnable;
  for (const auto& s : chaos::scenarioCatalog()) {
    if (s.status == chaos::ScenarioStatus::kPlanned) continue;
    runnable.insert(std::to_string(s.number));
    runnable.insert(s.name);
  }
  EXPECT_EQ(inCrd, runnable)
      << "update the scenario rule of deploy/crds/certchaos.io_chaosruns.yaml "
         "(and its message) when the catalog changes";
}

}  // namespace
}  // namespace certchaos::chaosrun
