// "a signal exists before notAfter - margin": someone watching the Certificate, its requests or
// the Events would have been told in time. The chaos issuer's own fault Events do not count:
// they are the injection, not what a production system would show. When nobody was told, the
// evidence goes through each channel that should have spoken, in the order a failing renewal
// shows them, and names the first one missed (silent-failure's question).
#include <array>

#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

const SignalObservation* firstOf(const Evidence& e, std::optional<SignalChannel> channel) {
  const SignalObservation* first = nullptr;
  for (const auto& s : e.signals) {
    if (channel && s.channel != *channel) continue;
    if (first == nullptr || s.at < first->at) first = &s;
  }
  return first;
}

// What the run's requests came to, for a request channel that stayed silent.
std::string requestsText(const Evidence& e) {
  if (e.requests.empty()) return "no CertificateRequest was created during the run";
  std::string unanswered;
  int issued = 0;
  for (const auto& r : e.requests) {
    if (r.issued) ++issued;
    if (!r.issued && !r.failed && !r.denied)
      unanswered += (unanswered.empty() ? "" : ", ") + r.name;
  }
  std::string out = "no CertificateRequest failed or was denied";
  if (!unanswered.empty()) out += " (" + unanswered + " never answered)";
  if (issued > 0) out += " (" + std::to_string(issued) + " issued)";
  return out;
}

// Each channel: "never" or "late, at T"; the first that stayed silent by the deadline is named.
std::string missedSignals(const Evidence& e) {
  struct Channel {
    SignalChannel channel;
    std::string silent;  // what "never" looks like on this channel
  };
  const std::array<Channel, 3> channels = {
      {{SignalChannel::kRequestFailed, requestsText(e)},
       {SignalChannel::kWarningEvent, "no Warning Event about the Certificate or its requests"},
       {SignalChannel::kCertificateNotReady,
        "the Certificate stayed Ready (so did cert-manager's certmanager_certificate_ready_status "
        "metric, which follows the condition)"}}};
  std::string out;
  for (const auto& c : channels) {
    const auto* s = firstOf(e, c.channel);
    std::string text = c.silent;
    if (s != nullptr) text += " before the deadline; it came late, at " + timeText(s->at);
    out += out.empty() ? "first missed signal: " + text : "; then: " + text;
  }
  return out;
}

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.baseNotAfter) return cannotEvaluate("the base certificate's notAfter is unknown");
  const SystemTime deadline = *e.baseNotAfter - toWall(toleranceDuration(spec, "margin"), e);
  const std::string deadlineText = timeText(deadline) + " (notAfter " + timeText(*e.baseNotAfter) +
                                   " - " + toleranceText(spec, "margin") + " nominal)";
  const SignalObservation* first = firstOf(e, std::nullopt);
  if (first != nullptr && first->at <= deadline) {
    return {report::CheckOutcome::kHeld, true,
            "first signal at " + timeText(first->at) + ", " + durationText(deadline - first->at) +
                " before " + deadlineText + ": " + first->message,
            first->at};
  }
  if (first != nullptr || e.now >= deadline) {
    return {report::CheckOutcome::kViolated, true,
            "nobody was told by " + deadlineText + ": " + missedSignals(e) +
                (first != nullptr ? "; the first signal came late, at " + timeText(first->at) +
                                        ": " + first->message
                                  : ""),
            deadline};
  }
  return undecided(e, "the run ended before " + deadlineText + " without a signal");
}

}  // namespace

const CheckKind& signalBeforeExpiry() {
  static const CheckKind kKind{"signal-before-expiry", {{"margin", "duration"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
