// The CRDs and examples agree with the code: both CRDs carry the same schema, their fault enum
// is the engine's list, and every example's spec passes validateChaosSpec.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "certchaos/chaos/catalog.h"
#include "certchaos/chaos/chaos_spec.h"

namespace certchaos::chaos {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path sourceDir() { return fs::path(CERTCHAOS_TEST_SOURCE_DIR); }

// YAML to JSON as the API server reads it: quoted scalars stay strings, plain ones are typed.
json toJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = toJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(toJson(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = node.Scalar();
      if (node.Tag() == "!") return s;
      if (s == "true" || s == "false") return s == "true";
      json parsed = json::parse(s, nullptr, false);
      if (!parsed.is_discarded() && parsed.is_number()) return parsed;
      return s;
    }
    default:
      return nullptr;
  }
}

std::vector<json> loadAll(const fs::path& path) {
  std::vector<json> out;
  for (const auto& doc : YAML::LoadAllFromFile(path.string())) {
    if (doc.IsDefined() && !doc.IsNull()) out.push_back(toJson(doc));
  }
  return out;
}

json crd(const std::string& plural) {
  auto docs = loadAll(sourceDir() / "deploy/crds" / ("certchaos.io_" + plural + ".yaml"));
  EXPECT_EQ(docs.size(), 1u);
  return docs.empty() ? json() : docs[0];
}

TEST(CrdTest, BothKindsShareOneSchemaAndDifferOnlyInNamesAndScope) {
  json ns = crd("chaosissuers");
  json cluster = crd("chaosclusterissuers");
  EXPECT_EQ(ns["spec"]["scope"], "Namespaced");
  EXPECT_EQ(cluster["spec"]["scope"], "Cluster");
  EXPECT_EQ(ns["spec"]["group"], "certchaos.io");
  EXPECT_EQ(ns["spec"]["names"]["kind"], "ChaosIssuer");
  EXPECT_EQ(cluster["spec"]["names"]["kind"], "ChaosClusterIssuer");
  auto props = [](json c) {
    return c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"];
  };
  // Descriptions may name the kind and where Secrets live; the shape must be identical.
  std::function<void(json&)> strip = [&](json& j) {
    if (j.is_object()) {
      j.erase("description");
      for (auto& [k, v] : j.items()) strip(v);
    } else if (j.is_array()) {
      for (auto& v : j) strip(v);
    }
  };
  json a = props(ns), b = props(cluster);
  strip(a);
  strip(b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(ns["spec"]["versions"][0]["subresources"], json({{"status", json::object()}}));
}

TEST(CrdTest, FaultEnumIsTheEnginesList) {
  json types =
      crd("chaosissuers")["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
                         ["properties"]["faults"]["items"]["properties"]["type"]["enum"];
  std::vector<std::string> expected;
  for (const auto& t : faultTypeCatalog()) expected.push_back(t.type);
  EXPECT_EQ(types.get<std::vector<std::string>>(), expected);
}

TEST(CrdTest, PrinterColumnsAreReadyScenarioAge) {
  json columns = crd("chaosissuers")["spec"]["versions"][0]["additionalPrinterColumns"];
  std::vector<std::string> names;
  for (const auto& c : columns) {
    if (!c.contains("priority")) names.push_back(c["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Ready", "Scenario", "Age"}));
}

TEST(ExamplesTest, EveryIssuerExampleValidates) {
  int issuers = 0;
  std::set<std::string> scenarios;
  for (const auto& entry : fs::recursive_directory_iterator(sourceDir() / "examples")) {
    if (entry.path().extension() != ".yaml") continue;
    if (entry.path().string().find("/examples/demo/") != std::string::npos) continue;
    for (const auto& doc : loadAll(entry.path())) {
      const std::string kind = doc.value("kind", "");
      if (kind != "ChaosIssuer" && kind != "ChaosClusterIssuer") continue;
      ++issuers;
      auto spec = validateChaosSpec(doc["spec"]);
      EXPECT_TRUE(spec.ok()) << entry.path() << ": " << spec.error().message;
      if (spec.ok() && !spec->scenario.empty()) {
        scenarios.insert(findScenario(spec->scenario)->name);
      }
    }
  }
  EXPECT_GE(issuers, 20);
  // One example per implemented scenario.
  for (const auto& s : scenarioCatalog()) {
    if (s.status == ScenarioStatus::kImplemented) {
      EXPECT_EQ(scenarios.count(s.name), 1u) << s.name;
    }
  }
}

TEST(ExamplesTest, TheOptInNamespaceCarriesTheLabel) {
  auto docs = loadAll(sourceDir() / "examples/namespace.yaml");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["metadata"]["labels"]["certchaos.io/chaos"], "enabled");
}

}  // namespace
}  // namespace certchaos::chaos
