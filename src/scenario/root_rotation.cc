#include "root_rotation.h"

#include "certchaos/common/duration.h"
#include "certchaos/pki/certificate.h"

namespace certchaos::scenario {

Result<void> checkRotationGrace(const std::string& grace, const nlohmann::json& certificate) {
  const std::string where = "scenario 17 (root-rotation) --set grace=" + grace;
  auto value = parseGoDuration(grace);
  if (!value) {
    return makeError("BadInput", where + R"(: expected a duration such as "30m" or "1h", found ")" +
                                     grace + "\"");
  }
  const auto spec = certificate.value("spec", nlohmann::json::object());
  std::string durationText = "2160h";  // cert-manager's default: 90 days
  if (auto d = spec.find("duration"); d != spec.end() && d->is_string()) durationText = *d;
  auto lifetime = parseGoDuration(durationText);
  const std::string name = certificate.value("metadata", nlohmann::json::object())
                               .value("name", std::string("the Certificate"));
  if (!lifetime) {
    return makeError("BadInput", where + ": the Certificate " + name + "'s spec.duration \"" +
                                     durationText + "\" is not a duration to compare it with");
  }
  if (*value < std::chrono::nanoseconds(0) || *value > *lifetime) {
    return makeError("BadInput",
                     where + ": expected a grace period from 0 to the certificate's lifetime (" +
                         formatGoDuration(*lifetime) + ", spec.duration of Certificate " + name +
                         "), found " + formatGoDuration(*value) +
                         "; the old root cannot outlive the certificates it must cover: choose "
                         "a grace period within that range");
  }
  return {};
}

std::string caBundleText(const std::string& caPem) {
  auto certificates = pki::Certificate::chainFromPem(caPem);
  if (!certificates || certificates->empty()) return "no certificate";
  std::string out;
  for (const auto& c : *certificates) {
    out += (out.empty() ? "" : ", ") + ("CN=" + c.subjectCommonName());
  }
  return out;
}

}  // namespace certchaos::scenario
