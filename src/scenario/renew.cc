#include "certchaos/scenario/renew.h"

#include "certchaos/api/cert_manager.h"
#include "certchaos/common/time.h"
#include "certchaos/kube/errors.h"

namespace certchaos::scenario {

namespace {
constexpr int kMaxAttempts = 5;
}  // namespace

nlohmann::json withIssuingTriggered(nlohmann::json certificate,
                                    std::chrono::system_clock::time_point now) {
  const auto generation = certificate["metadata"].value("generation", std::int64_t{0});
  auto& status = certificate["status"];
  if (!status.is_object()) status = nlohmann::json::object();
  auto& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = nlohmann::json::array();

  nlohmann::json condition = {{"type", "Issuing"},
                              {"status", "True"},
                              {"reason", kManualTriggerReason},
                              {"message", kManualTriggerMessage},
                              {"observedGeneration", generation},
                              {"lastTransitionTime", formatRfc3339(now)}};
  for (auto& existing : conditions) {
    if (existing.value("type", "") != "Issuing") continue;
    // cert-manager's SetCertificateCondition keeps the transition time while the status holds.
    if (existing.value("status", "") == "True" && existing.contains("lastTransitionTime")) {
      condition["lastTransitionTime"] = existing["lastTransitionTime"];
    }
    existing = condition;
    return certificate;
  }
  conditions.push_back(condition);
  return certificate;
}

std::chrono::nanoseconds waitBeforeTrigger(const nlohmann::json& certificate,
                                           std::chrono::system_clock::time_point now) {
  const auto status = certificate.value("status", nlohmann::json::object());
  const auto text = status.value("lastFailureTime", std::string());
  if (text.empty()) return std::chrono::nanoseconds::zero();
  auto failedAt = parseRfc3339(text);
  if (!failedAt) return std::chrono::nanoseconds::zero();
  // Issuing's lastTransitionTime is kept to the second: it must fall in a later second.
  const auto nextSecond =
      std::chrono::floor<std::chrono::seconds>(*failedAt) + std::chrono::seconds(1);
  // A failure stamped far ahead of this machine's clock cannot be waited out sensibly.
  if (now >= nextSecond || nextSecond - now > std::chrono::seconds(2)) {
    return std::chrono::nanoseconds::zero();
  }
  return nextSecond - now;
}

Result<void> forceRenewal(kube::Client& client, const std::string& ns, const std::string& name,
                          Clock& clock) {
  const auto& resource = api::kCertificate;
  const std::string what = "Certificate " + ns + "/" + name;
  Error last;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    auto certificate = client.get(resource, ns, name);
    if (!certificate) {
      if (kube::isNotFound(certificate.error())) {
        return makeError("NotFound", "expected " + what +
                                         " to exist, found none; check the name and namespace "
                                         "(kubectl get certificates -n " +
                                         ns + ")");
      }
      return makeError(certificate.error().code, "failed to trigger issuance of " + what + ": " +
                                                     certificate.error().message);
    }
    if (const auto wait = waitBeforeTrigger(*certificate, clock.now());
        wait > std::chrono::nanoseconds::zero()) {
      clock.sleepFor(wait);
    }
    auto updated =
        client.update(resource, withIssuingTriggered(std::move(*certificate), clock.now()),
                      {.subresource = "status"});
    if (updated) return {};
    last = updated.error();
    if (!kube::isConflict(last)) break;
  }
  return makeError(last.code, "failed to trigger issuance of " + what + ": " + last.message);
}

}  // namespace certchaos::scenario
