#include "certchaos/issuer/conditions.h"

#include "certchaos/common/time.h"

namespace certchaos::issuer {

const nlohmann::json* findCondition(const nlohmann::json& object, const std::string& type) {
  auto status = object.find("status");
  if (status == object.end() || !status->is_object()) return nullptr;
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return nullptr;
  for (const auto& c : *conditions) {
    if (c.is_object() && c.value("type", "") == type) return &c;
  }
  return nullptr;
}

bool conditionIs(const nlohmann::json& object, const std::string& type, const std::string& status) {
  const auto* c = findCondition(object, type);
  return c != nullptr && c->value("status", "") == status;
}

nlohmann::json buildCondition(const nlohmann::json& object, const ConditionSpec& spec,
                              SystemTime now) {
  std::string transition = formatRfc3339(spec.transitionTime.value_or(now));
  if (!spec.transitionTime) {
    const auto* existing = findCondition(object, spec.type);
    if (existing != nullptr && existing->value("status", "") == spec.status &&
        existing->contains("lastTransitionTime")) {
      transition = existing->at("lastTransitionTime").get<std::string>();
    }
  }
  nlohmann::json c = {{"type", spec.type},
                      {"status", spec.status},
                      {"reason", spec.reason},
                      {"message", spec.message},
                      {"lastTransitionTime", transition}};
  if (spec.observedGeneration) c["observedGeneration"] = *spec.observedGeneration;
  return c;
}

}  // namespace certchaos::issuer
