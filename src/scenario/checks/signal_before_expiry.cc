// "a signal exists before notAfter - margin": someone watching the Certificate, its requests or
// the Events would have been told in time. The chaos issuer's own fault Events do not count:
// they are the injection, not what a production system would show.
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.baseNotAfter) return cannotEvaluate("the base certificate's notAfter is unknown");
  const SystemTime deadline = *e.baseNotAfter - toWall(toleranceDuration(spec, "margin"), e);
  const std::string deadlineText = timeText(deadline) + " (notAfter " + timeText(*e.baseNotAfter) +
                                   " - " + toleranceText(spec, "margin") + " nominal)";
  const SignalObservation* first = nullptr;
  for (const auto& s : e.signals) {
    if (first == nullptr || s.at < first->at) first = &s;
  }
  if (first != nullptr && first->at <= deadline) {
    return {report::CheckOutcome::kHeld, true,
            "first signal at " + timeText(first->at) + ", " + durationText(deadline - first->at) +
                " before " + deadlineText + ": " + first->message,
            first->at};
  }
  if (first != nullptr || e.now >= deadline) {
    return {report::CheckOutcome::kViolated, true,
            "nobody was told by " + deadlineText +
                ": the Certificate stayed Ready, no CertificateRequest failed or was denied, no "
                "Warning Event" +
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
