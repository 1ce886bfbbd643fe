// The catalog: fault types and the numbered scenarios (presets of faults), as
// `certchaos scenarios` shows them and as scenarios.md describes them.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/chaos/parameters.h"
#include "certchaos/common/result.h"

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

// One named check of a scenario's steady-state hypothesis, declared beside the scenario: the kind
// of check (the runner evaluates it over the run's evidence, src/scenario/checks/<kind>.cc), the
// statement it tests and its tolerance.
struct CheckSpec {
  std::string kind;                              // kebab-case: "renewed-before-expiry"
  std::string statement;                         // "renewal completes before notAfter - margin"
  std::map<std::string, std::string> tolerance;  // "margin" -> "0s" (the kind's keys)
};

// What proves that a scenario's fault was really applied.
enum class InjectionEvidence {
  kIssuerEvent,    // a Chaos* Event from certchaos-issuer on a CertificateRequest
  kRunnerRenewal,  // the runner's own forced renewal (renewal-not-loaded watches a normal one)
};

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
  // The hypothesis as checks; the verdict is passed only if every one holds and the fault is
  // proven injected (`proof`).
  std::vector<CheckSpec> checks;
  InjectionEvidence proof = InjectionEvidence::kIssuerEvent;
  // Recovery comes while the fault stays on (a sleep ends, transient failures stop): once the
  // verdict is known the runner still waits (within the timeout) to see it.
  bool recoversUnderFault = false;
};

// Every kind of check once, with its statement and the tolerance a run adds it with when
// `certchaos run --check NAME` gives no value (a scenario may declare another, e.g. its limit).
const std::vector<CheckSpec>& checkCatalog();
const CheckSpec* findCheck(std::string_view kind);  // nullptr if unknown

const std::vector<ScenarioInfo>& scenarioCatalog();

// What the issuer runs during a run of `scenario` with the run's --set `parameters`: an
// implemented scenario runs itself; silent-failure (27) runs hang (4) or fail-permanent (6), as
// its `fault` parameter says; renewal-not-loaded (26) runs around a healthy issuer.
struct FaultPreset {
  std::string type;                               // "rate-limit"
  std::map<std::string, std::string> parameters;  // as given, unscaled
};
struct IssuerScenario {
  std::string scenario;                           // spec.scenario; empty: the issuer stays healthy
  std::map<std::string, std::string> parameters;  // spec.parameters
  std::vector<FaultPreset> faults{};              // spec.faults (renewal-storm composes them)
  bool onIssuer() const { return !scenario.empty() || !faults.empty(); }
};

// renewal-storm (28): its knobs, and the label on the copies of the Certificate under test that
// a run creates (value: the Certificate's name) and deletes after.
inline constexpr const char* kStormCount = "count";
inline constexpr const char* kStormFault = "fault";
inline constexpr const char* kStormLabel = "certchaos.io/storm-of";
inline constexpr int kStormMinCount = 2;
inline constexpr int kStormMaxCount = 200;
std::vector<ParameterInfo> renewalStormParameters();
// Checks the parameters as the issuer would (an "InvalidSpec" error saying what was expected and
// found), so that a run refuses bad knobs before it applies anything.
Result<IssuerScenario> issuerScenarioFor(const ScenarioInfo& scenario,
                                         const std::map<std::string, std::string>& parameters);
// Why recovery cannot come while the fault stays on with the run's --set `parameters`, though
// the scenario usually recovers under it (recoversUnderFault): fail-transient failing every
// attempt (attempts=0) of its one request (mode=pending) or of every request (probability 1)
// never lets the renewal through. Empty when recovery can come, or the scenario never waits for
// it.
std::string whyNoRecoveryUnderFault(const ScenarioInfo& scenario,
                                    const std::map<std::string, std::string>& parameters);
// By number ("3") or name ("sleep"); nullptr if unknown.
const ScenarioInfo* findScenario(std::string_view numberOrName);

// {"scenarios": [...], "faultTypes": [...], "checks": [...]}: what `certchaos scenarios -o json`
// prints.
nlohmann::json catalogToJson();
nlohmann::json toJson(const ScenarioInfo& scenario);
nlohmann::json toJson(const FaultTypeInfo& type);

}  // namespace certchaos::chaos
