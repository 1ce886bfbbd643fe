#include "prediction.h"

#include "certchaos/common/duration.h"

namespace certchaos::scenario {
namespace {

using std::chrono::hours;
using Nanos = std::chrono::nanoseconds;

constexpr hours kProductionDuration{24 * 90};
constexpr hours kFirstRetryBackoff{1};
constexpr hours kMaximumRetryBackoff{32};

std::string fmt(Nanos d) {
  return formatGoDuration(std::chrono::duration_cast<std::chrono::minutes>(d));
}

// The renewal window cert-manager would use for a 90-day certificate with this Certificate's
// renewBefore / renewBeforePercentage (pkg/util/pki/renewaltime.go).
Nanos productionWindow(const nlohmann::json& certificate, std::string& how) {
  const auto spec = certificate.value("spec", nlohmann::json::object());
  if (spec.contains("renewBefore")) {
    if (auto d = parseGoDuration(spec["renewBefore"].get<std::string>());
        d && *d > Nanos(0) && *d < kProductionDuration) {
      how = "the Certificate's renewBefore " + spec["renewBefore"].get<std::string>();
      return *d;
    }
  }
  if (spec.contains("renewBeforePercentage")) {
    int p = spec["renewBeforePercentage"].get<int>();
    if (p > 0 && p < 100) {
      how = "the Certificate's renewBeforePercentage " + std::to_string(p) + "%";
      return std::chrono::duration_cast<Nanos>(kProductionDuration) * p / 100;
    }
  }
  how = "cert-manager's default (renew at 2/3 of the lifetime)";
  return std::chrono::duration_cast<Nanos>(kProductionDuration) / 3;
}

std::string parameter(const chaos::ScenarioInfo& s, const std::map<std::string, std::string>& p,
                      const std::string& name) {
  if (auto it = p.find(name); it != p.end()) return it->second;
  for (const auto& info : s.parameters) {
    if (info.name == name) return info.defaultValue;
  }
  return "";
}

report::Prediction predictWithProductionFigures(
    const chaos::ScenarioInfo& scenario, const std::map<std::string, std::string>& parameters,
    const nlohmann::json& certificate) {
  report::Prediction out;
  std::string how;
  const Nanos window = productionWindow(certificate, how);
  out.assumptions = {{"certificateDuration", formatGoDuration(kProductionDuration)},
                     {"renewalWindow", fmt(window) + " (" + how + ")"},
                     {"firstRetryBackoff", formatGoDuration(kFirstRetryBackoff)},
                     {"maximumRetryBackoff", formatGoDuration(kMaximumRetryBackoff)}};
  const std::string name = scenario.name;
  if (name == "sleep") {
    auto delay = parseGoDuration(parameter(scenario, parameters, "delay"));
    if (delay) {
      out.assumptions["delay"] = fmt(*delay);
      if (*delay >= window) {
        out.text = "In production the issuer would hold the renewal for " + fmt(*delay) +
                   ", longer than the " + fmt(window) +
                   " renewal window: the certificate would "
                   "expire " +
                   fmt(*delay - window) +
                   " before the renewed one arrives, and "
                   "clients would fail for that long.";
      } else {
        out.text = "In production the issuer's hold of " + fmt(*delay) + " fits in the " +
                   fmt(window) + " renewal window: the renewal would complete with " +
                   fmt(window - *delay) +
                   " to spare; nothing would fail, and nothing would "
                   "alert either unless Pending requests are monitored.";
      }
      return out;
    }
  }
  if (name == "hang" || name == "silent-failure") {
    out.text =
        "In production a request that is never answered stays Pending for ever "
        "(cert-manager has no timeout): the certificate would expire " +
        fmt(window) +
        " after renewal starts unless someone deletes the request or fixes the issuer.";
  } else if (name == "fail-permanent" || name == "deny" || name == "fail-transient" ||
             name == "rate-limit") {
    // Backoff 1h, 2h, 4h ... capped at 32h (the trigger controller's defaults).
    int attempts = 1;
    Nanos spent{0};
    for (hours delay = kFirstRetryBackoff;; delay = std::min(delay * 2, kMaximumRetryBackoff)) {
      if (spent + delay > window) break;
      spent += delay;
      ++attempts;
    }
    out.text = "In production cert-manager retries a failed issuance after " +
               formatGoDuration(kFirstRetryBackoff) + ", 2h, 4h ... up to 32h: within the " +
               fmt(window) + " renewal window that is " + std::to_string(attempts) +
               " attempts; if the CA stays broken that long, the certificate expires.";
  } else {
    out.text = "In production the same fault meets the same code paths; the renewal window is " +
               fmt(window) + ". Hypothesis to keep checking: " + scenario.hypothesis;
  }
  return out;
}

}  // namespace

report::Prediction predict(const chaos::ScenarioInfo& scenario,
                           const std::map<std::string, std::string>& parameters,
                           const nlohmann::json& certificate, double timeScale,
                           const report::CertManagerBackoff& backoffOfThisRun) {
  report::Prediction out = predictWithProductionFigures(scenario, parameters, certificate);
  out.assumptions["timeScaleOfThisRun"] = std::to_string(static_cast<long long>(timeScale));
  if (backoffOfThisRun.scaled) {
    out.assumptions["retryBackoffOfThisRun"] = formatGoDuration(backoffOfThisRun.minimum) + " to " +
                                               formatGoDuration(backoffOfThisRun.maximum) +
                                               " (production's divided by the time scale)";
  } else if (timeScale > 1) {
    out.assumptions["retryBackoffOfThisRun"] =
        formatGoDuration(backoffOfThisRun.minimum) + " to " +
        formatGoDuration(backoffOfThisRun.maximum) +
        " (NOT scaled: retries in this run came at production delays; the figures above are "
        "production's)";
  }
  return out;
}

}  // namespace certchaos::scenario
