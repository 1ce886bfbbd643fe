// Status conditions as the issuer writes them: metav1.Condition-shaped JSON, with the
// lastTransitionTime kept while a condition's status does not change (issuer-lib's rule).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace certchaos::issuer {

using SystemTime = std::chrono::system_clock::time_point;

// The condition of `type` in object.status.conditions, or nullptr.
const nlohmann::json* findCondition(const nlohmann::json& object, const std::string& type);
bool conditionIs(const nlohmann::json& object, const std::string& type, const std::string& status);

struct ConditionSpec {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
  std::optional<std::int64_t> observedGeneration{};
  // Forces lastTransitionTime (e.g. a persisted hold start); otherwise kept or set to now.
  std::optional<SystemTime> transitionTime{};
};

// The condition to write given the object's current one: lastTransitionTime is kept when the
// status is unchanged, else now.
nlohmann::json buildCondition(const nlohmann::json& object, const ConditionSpec& spec,
                              SystemTime now);

}  // namespace certchaos::issuer
