// Building the ChaosIssuer / ChaosClusterIssuer that `certchaos deploy issuer` applies, from an
// optional -f file and the flags. Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "certchaos/common/result.h"

namespace certchaos::cli {

// Error code of flag syntax problems: the command exits with kExitUsage.
inline constexpr const char* kUsageError = "Usage";

struct IssuerFlags {
  std::string name;
  std::string ns;
  bool cluster = false;
  std::optional<std::string> scenario;  // a number, a name, or healthy/none/0
  std::vector<std::string> sets;        // k=v
  std::vector<std::string> faults;      // type[:k=v,k=v]
  std::optional<std::uint64_t> seed;
  std::optional<std::string> ttl;
  std::optional<std::int64_t> timeScale;
  std::string caSecret;  // "" = keep the issuer's CA, else selfSigned
};

// The one ChaosIssuer or ChaosClusterIssuer of an -f file, checked before any field is used.
struct IssuerManifest {
  nlohmann::json object;  // the document: an object whose known fields have the right types
  bool cluster = false;   // kind ChaosClusterIssuer
  std::string name;       // metadata.name, "" when the file leaves it to NAME
  std::string ns;         // metadata.namespace, "" when absent
};

// Parses an -f document (YAML or JSON): exactly one document, a mapping, apiVersion
// certchaos.io/v1alpha1, kind ChaosIssuer or ChaosClusterIssuer, metadata a mapping whose name
// and namespace are valid names, labels and annotations maps of strings, and a spec whose chaos
// fields pass chaos::validateChaosSpec (a spec without a CA source is fine: deploy supplies one).
// Every error names `origin`, the document and the field path, what was expected and what was
// found. Never throws, whatever the input: the fuzz target test/fuzz calls it on raw bytes.
Result<IssuerManifest> parseIssuerManifest(std::string_view text, const std::string& origin = "-f");

// "k=v" (the value may contain '='); `flag` names the flag in the error.
Result<std::pair<std::string, std::string>> parseKeyValue(const std::string& text,
                                                          const std::string& flag);
// "sleep:delay=5s,probability=0.5,seed=7" to a spec.faults[] entry.
Result<nlohmann::json> parseFaultFlag(const std::string& text);
// "", "healthy", "none" and "0" mean no chaos.
bool isHealthyScenario(const std::string& scenario);

// The chaos fields of a spec: what "deploy issuer" declares in full (those it does not set are
// removed); the CA source and timeScale are kept from the live object when not given.
const std::vector<std::string>& chaosFields();

// The object to apply: `base` (an -f document, or {}) with the flags on top. `live` is the issuer
// on the cluster (or null): it supplies the CA source and timeScale when neither the file nor the
// flags set them. Flag syntax errors have code kUsageError.
Result<nlohmann::json> buildIssuer(const IssuerFlags& flags, nlohmann::json base,
                                   const nlohmann::json& live);

// True if a spec asks for chaos (a scenario other than healthy, or faults).
bool specHasChaos(const nlohmann::json& spec);
// "scenario 3 (delay=5s), 1 fault" / "healthy": a short description for messages.
std::string describeChaos(const nlohmann::json& spec);

}  // namespace certchaos::cli
