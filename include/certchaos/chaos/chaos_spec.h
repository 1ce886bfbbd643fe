// ChaosSpec: the chaos part of a ChaosIssuer / ChaosClusterIssuer spec (the CRD's shape), parsed
// from JSON with validation errors that name the field, what was expected and what was found.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/common/result.h"

namespace certchaos::chaos {

// One entry of spec.faults[].
struct FaultSpec {
  std::string type;
  std::map<std::string, std::string> parameters;
  std::optional<double> probability;  // 0..1; absent: 1
  std::optional<std::uint64_t> seed;  // absent: derived from spec.seed and the position
};

// spec.selfSigned {} or spec.ca.secretName (exactly one).
struct CaSource {
  bool selfSigned = false;
  std::string secretName;  // a Secret with tls.crt / tls.key
};

struct ChaosSpec {
  CaSource ca;
  std::string scenario;                           // "" (none), a number ("3") or a name ("sleep")
  std::map<std::string, std::string> parameters;  // the scenario's knobs
  std::vector<FaultSpec> faults;
  std::optional<std::uint64_t> seed;
  std::optional<std::chrono::nanoseconds> ttl;  // wall time, not scaled
  std::int64_t timeScale = 1;                   // every duration of the scenario is divided by it

  bool hasChaos() const { return !scenario.empty() || !faults.empty(); }
};

// Parses and checks the shape of a spec object: field types, exactly one CA source,
// probability in 0..1, seeds non-negative integers, ttl a positive Go duration, timeScale >= 1.
// Every problem found is listed, separated by "; ". Fault types and parameters are checked by
// FaultEngine::fromSpec (validateChaosSpec does both).
Result<ChaosSpec> parseChaosSpec(const nlohmann::json& spec);
// The same from JSON text (e.g. `kubectl get chaosissuer -o json | jq .spec`).
Result<ChaosSpec> parseChaosSpecText(std::string_view jsonText);

// parseChaosSpec, then resolves the scenario and faults as the engine would: the one call a
// reconciler or the CLI needs to tell a user whether a spec is good.
Result<ChaosSpec> validateChaosSpec(const nlohmann::json& spec);

}  // namespace certchaos::chaos
