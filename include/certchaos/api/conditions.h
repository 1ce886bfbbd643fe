// Status conditions as the issuer writes them: metav1.Condition-shaped JSON, with the
// lastTransitionTime kept while a condition's status does not change (issuer-lib's rule), and
// messages made printable.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace certchaos::api {

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

// `text` safe to show in a status or an Event: control characters (C0, DEL, C1) and bytes that
// are not UTF-8 become visible escapes (\n, \x1b, \u0085), so that a value copied from a spec or
// a CSR cannot forge lines or terminal sequences for whoever reads it (kubectl describe).
std::string printable(std::string_view text);

// The condition to write given the object's current one: lastTransitionTime is kept when the
// status is unchanged, else now.
nlohmann::json buildCondition(const nlohmann::json& object, const ConditionSpec& spec,
                              SystemTime now);

}  // namespace certchaos::api
