#include "certchaos/api/conditions.h"

#include <cstdio>

#include "certchaos/common/time.h"
#include "certchaos/common/utf8.h"

namespace certchaos::api {
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char buf[8];
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8SequenceLength(text, i);
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
    } else if (n == 1 && (c < 0x20 || c == 0x7f)) {
      out += c == '\n'   ? "\\n"
             : c == '\t' ? "\\t"
             : c == '\r' ? "\\r"
                         : [&] {
                             std::snprintf(buf, sizeof buf, "\\x%02x", c);
                             return std::string(buf);
                           }();
      ++i;
    } else if (n == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(text[i + 1]));
      out += buf;  // a C1 control (U+0080..U+009F)
      i += 2;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

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
                      {"message", printable(spec.message)},
                      {"lastTransitionTime", transition}};
  if (spec.observedGeneration) c["observedGeneration"] = *spec.observedGeneration;
  return c;
}

}  // namespace certchaos::api
