// "clients reject the bad certificate, naming why": the certificate issued under the fault (any
// serial other than the base's) must fail the probe, with an error naming the reason (one of the
// "|"-separated words of the tolerance; empty: any reason). A certificate cert-manager refuses to
// store, naming why, is rejected before any client sees it.
#include <optional>

#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

// The reason of cert-manager's Warning Event when it will not store what the issuer returned.
constexpr const char* kCertManagerRefusal = "InvalidCertificate";

bool namesReason(const std::string& error, const std::string& reasons) {
  if (reasons.empty()) return !error.empty();
  std::size_t start = 0;
  while (start <= reasons.size()) {
    auto bar = reasons.find('|', start);
    std::string word =
        reasons.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (!word.empty() && error.find(word) != std::string::npos) return true;
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return false;
}

// How long an application that presents no certificate at all must keep failing every handshake
// to count as refusing the bad certificate, not as a moment of reloading (wall).
constexpr auto kLastingFailure = std::chrono::seconds(1);

// The first failed handshake without a served certificate after the Secret got a certificate
// other than the base's, when it lasted kLastingFailure (the probes record changes only: it lasts
// until the next change, or until the last probe when it is the last one). A server that cannot
// use the bad certificate (OpenSSL refuses a SHA-1 signature at its security level) fails every
// handshake: its clients never see the certificate, but the fault reached them.
struct ServedNothing {
  const ProbeObservation* probe = nullptr;
  const SecretObservation* secret = nullptr;
};
ServedNothing servedNothing(const Evidence& e) {
  const SecretObservation* stored = nullptr;
  for (const auto& s : e.secret) {
    if (s.serial != e.baseSerial) {
      stored = &s;
      break;
    }
  }
  if (stored == nullptr) return {};
  for (std::size_t i = 0; i < e.probes.size(); ++i) {
    const auto& p = e.probes[i];
    if (p.ok || !p.servedSerial.empty() || p.at < stored->at) continue;
    const auto until = i + 1 < e.probes.size() ? std::optional(e.probes[i + 1].at) : e.lastProbeAt;
    if (until && *until - p.at >= kLastingFailure) return {&p, stored};
  }
  return {};
}

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.probing) return notProbed();
  const std::string reasons = toleranceText(spec, "reason");
  for (const auto& p : e.probes) {
    if (p.servedSerial.empty() || p.servedSerial == e.baseSerial) continue;
    if (p.ok) {
      return {report::CheckOutcome::kViolated, true,
              "a client accepted the bad certificate, serial " + p.servedSerial + ", at " +
                  timeText(p.at),
              p.at};
    }
    if (!namesReason(p.error, reasons)) {
      return {report::CheckOutcome::kViolated, true,
              "a client rejected serial " + p.servedSerial + " but the error (" + p.error +
                  ") does not name " + reasons,
              p.at};
    }
    return {report::CheckOutcome::kHeld, true,
            "a client rejected serial " + p.servedSerial + " at " + timeText(p.at) + ": " + p.error,
            p.at};
  }
  // cert-manager may refuse the certificate before it reaches the Secret (v1.20+ refuses an
  // already expired one, with a Warning Event InvalidCertificate): no client can accept it then,
  // and the refusal names why. Judged only while the Secret holds nothing new for the probes.
  bool secretRenewed = false;
  for (const auto& s : e.secret) secretRenewed = secretRenewed || s.serial != e.baseSerial;
  for (const auto& s : e.signals) {
    if (secretRenewed || s.channel != SignalChannel::kWarningEvent ||
        s.message.find(kCertManagerRefusal) == std::string::npos) {
      continue;
    }
    if (!namesReason(s.message, reasons)) {
      return {report::CheckOutcome::kViolated, true,
              "cert-manager refused the certificate before it reached the Secret, but its "
              "message (" +
                  s.message + ") does not name " + reasons,
              s.at};
    }
    return {report::CheckOutcome::kHeld, true,
            "cert-manager refused the certificate at " + timeText(s.at) +
                ", before it reached the Secret, so no client could accept it: " + s.message,
            s.at};
  }
  if (auto nothing = servedNothing(e); nothing.probe != nullptr) {
    const auto& p = *nothing.probe;
    const std::string what = "the application, since the Secret holds serial " +
                             nothing.secret->serial + " (" + timeText(nothing.secret->at) +
                             "), presents no certificate: every handshake fails (" + p.error +
                             " at " + timeText(p.at) + ")";
    if (!namesReason(p.error, reasons)) {
      return {report::CheckOutcome::kViolated, true, what + ", which does not name " + reasons,
              p.at};
    }
    return {report::CheckOutcome::kHeld, true,
            what + "; no client accepted the certificate, none could see it", p.at};
  }
  return undecided(e, "the bad certificate never reached the application");
}

}  // namespace

const CheckKind& clientsReject() {
  static const CheckKind kKind{"clients-reject", {{"reason", "text"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
