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
  if (name == "outage-window") {
    auto outage = parseGoDuration(parameter(scenario, parameters, "window"));
    if (outage) {
      out.assumptions["outageWindow"] = fmt(*outage);
      if (parameter(scenario, parameters, "fault") == "hang") {
        out.text = "In production a request held through a " + fmt(*outage) +
                   " CA outage is answered when the CA is back: no failure, so no back-off and "
                   "no lag after the recovery" +
                   (*outage >= window
                        ? "; but the outage outlasts the " + fmt(window) +
                              " renewal window, so the certificate expires " +
                              fmt(*outage - window) + " before it is renewed."
                        : ", with " + fmt(window - *outage) + " of the renewal window to spare.");
        out.assumptions["predictedRecoveryLag"] = "0s";
        return out;
      }
      // The renewal fails at once, and cert-manager asks again after 1h, then 2h, 4h... from
      // each failure: the first attempt at or after the CA's recovery ends the outage.
      Nanos failedAt{0};
      hours delay = kFirstRetryBackoff;
      int failures = 1;
      while (failedAt + delay < *outage) {
        failedAt += delay;
        delay = std::min(delay * 2, kMaximumRetryBackoff);
        ++failures;
      }
      const Nanos recovered = failedAt + delay;
      const Nanos lag = recovered - *outage;
      out.assumptions["predictedRecoveryLag"] = fmt(lag);
      out.assumptions["failedRequestsBeforeRecovery"] = std::to_string(failures);
      out.text =
          "In production the renewal fails at once and cert-manager asks again 1h, then 2h, "
          "4h ... (at most 32h) after each failure: after a " +
          fmt(*outage) + " CA outage, " + std::to_string(failures) +
          " request(s) fail and the next attempt comes " + fmt(recovered) +
          " after the renewal started, a lag of " + fmt(lag) + " after the CA recovered. " +
          (recovered >= window
               ? "That is past the " + fmt(window) + " renewal window: the certificate expires " +
                     fmt(recovered - window) + " before it is renewed. "
               : "The certificate survives, with " + fmt(window - recovered) +
                     " of the renewal window to spare. ") +
          "Workaround: once the CA is back, 'certchaos renew' (or 'cmctl renew') triggers the "
          "issuance at once, bypassing the back-off; deleting the failed CertificateRequest "
          "alone does not (cert-manager v1.21's trigger controller backs off from the "
          "Certificate's lastFailureTime whether or not the request exists).";
      return out;
    }
  }
  if (name == "root-rotation") {
    auto grace = parseGoDuration(parameter(scenario, parameters, "grace"));
    if (grace) {
      // A certificate renews `interval` after it was issued: one issued in the grace period keeps
      // its chain (cross-signed, when crossSign) until then.
      const Nanos interval = std::chrono::duration_cast<Nanos>(kProductionDuration) - window;
      const bool crossSigned = parameter(scenario, parameters, "crossSign") == "true";
      out.assumptions["grace"] = fmt(*grace);
      out.assumptions["renewalInterval"] = fmt(interval);
      out.text =
          "In production (90-day certificates, renewed every " + fmt(interval) +
          "), every client must load the new ca.crt, which holds both roots for the " +
          fmt(*grace) + " grace period, before the first certificate it sees under the new root " +
          (*grace > Nanos(0) && crossSigned
               ? "without the cross-signature: certificates issued in the grace period carry "
                 "the new root cross-signed by the old one until their next renewal, so a client "
                 "that never reloads its trust breaks between " +
                     fmt(*grace) + " and " + fmt(*grace + interval) + " after the rotation. "
               : "(no cross-signature is served): a client that has not reloaded its trust "
                 "breaks at the next renewal of each Certificate, within " +
                     fmt(interval) + " of the rotation. ") +
          "The old root must stay in the clients' bundles until the last certificate under it "
          "has been renewed; roll it out first, sign with the new root after.";
      return out;
    }
  }
  if (name == "revoked") {
    // cert-manager reads no CRL: left alone, a revoked certificate is replaced at its renewal
    // time, which in production is weeks away.
    auto compliance = parseGoDuration(parameter(scenario, parameters, "window"));
    const Nanos untilRenewal = std::chrono::duration_cast<Nanos>(kProductionDuration) - window;
    if (compliance) {
      out.assumptions["complianceWindow"] = fmt(*compliance);
      out.text =
          "In production cert-manager never reads the CRL: a revoked " +
          formatGoDuration(kProductionDuration) +
          " certificate issued just before the revocation is served, revoked, until its "
          "renewal time " +
          fmt(untilRenewal) + " later, " +
          (untilRenewal > *compliance ? fmt(untilRenewal - *compliance) + " past" : "within") +
          " the " + fmt(*compliance) +
          " compliance window, unless an operator renews it ('certchaos renew', 'cmctl "
          "renew') or a tool watching the CA's revocation notices does.";
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
