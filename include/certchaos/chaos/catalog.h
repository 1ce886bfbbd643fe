// The catalog: fault types and the numbered scenarios (presets of faults), as
// `certchaos scenarios` shows them and as scenarios.md describes them.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/chaos/parameters.h"

namespace certchaos::chaos {

struct FaultTypeInfo {
  std::string type;     // "sleep"
  std::string summary;  // one line
  std::vector<ParameterInfo> parameters;
};

// Every fault type the engine implements, in catalog order.
const std::vector<FaultTypeInfo>& faultTypeCatalog();
const FaultTypeInfo* findFaultType(std::string_view type);

enum class ScenarioStatus {
  kImplemented,  // the issuer injects it
  kRunnerSide,   // done by `certchaos run` around a healthy issuer
  kPlanned,      // in the catalog, not implemented yet
};
const char* scenarioStatusName(ScenarioStatus status);  // "implemented", "runner", "planned"

struct ScenarioInfo {
  int number = 0;
  std::string name;
  std::string injectedBy;  // "issuer", "runner", "issuer+runner"
  std::string injects;     // what the fault does
  std::string hypothesis;  // what a healthy system should still do
  std::string motivatedBy;
  ScenarioStatus status = ScenarioStatus::kPlanned;
  std::string faultType;  // the fault it presets (implemented scenarios)
  // Its knobs: the fault's parameters plus "probability" and "seed".
  std::vector<ParameterInfo> parameters;
};

const std::vector<ScenarioInfo>& scenarioCatalog();
// By number ("3") or name ("sleep"); nullptr if unknown.
const ScenarioInfo* findScenario(std::string_view numberOrName);

// {"scenarios": [...], "faultTypes": [...]}: what `certchaos scenarios -o json` prints.
nlohmann::json catalogToJson();
nlohmann::json toJson(const ScenarioInfo& scenario);
nlohmann::json toJson(const FaultTypeInfo& type);

}  // namespace certchaos::chaos
