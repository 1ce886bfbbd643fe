// "cert-manager retries a failed issuance before the certificate in force expires": after a
// failure it waits its back-off (1h nominal at first, doubling up to 32h), then asks again; a
// certificate whose remaining validity is shorter than that expires with nobody asking.
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.baseNotAfter) return cannotEvaluate("the base certificate's notAfter is unknown");
  const SystemTime deadline = *e.baseNotAfter - toWall(toleranceDuration(spec, "margin"), e);
  const std::string deadlineText = timeText(deadline) + " (notAfter " + timeText(*e.baseNotAfter) +
                                   " - " + toleranceText(spec, "margin") + " nominal)";
  const RequestObservation* failed = nullptr;
  for (const auto& r : e.requests) {
    if ((r.failed || r.denied) && r.decidedAt &&
        (failed == nullptr || *r.decidedAt < *failed->decidedAt)) {
      failed = &r;
    }
  }
  if (failed == nullptr) {
    if (e.ended || e.now >= deadline) {
      return cannotEvaluate("no CertificateRequest failed by " + deadlineText +
                            ": there was nothing to retry");
    }
    return undecided(e, "no CertificateRequest failed yet");
  }
  const RequestObservation* retry = nullptr;
  for (const auto& r : e.requests) {
    if (&r != failed && r.createdAt > *failed->decidedAt &&
        (retry == nullptr || r.createdAt < retry->createdAt)) {
      retry = &r;
    }
  }
  const std::string failure =
      "CertificateRequest " + failed->name + " failed at " + timeText(*failed->decidedAt);
  if (retry != nullptr && retry->createdAt <= deadline) {
    const auto gap = retry->createdAt - *failed->decidedAt;
    const auto nominal = std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(
        static_cast<double>(gap.count()) * (e.timeScale >= 1 ? e.timeScale : 1)));
    return {report::CheckOutcome::kHeld, true,
            failure + "; cert-manager retried with " + retry->name + " at " +
                timeText(retry->createdAt) + ", " + durationText(gap) + " later (" +
                durationText(std::chrono::round<std::chrono::seconds>(nominal)) + " nominal), " +
                durationText(deadline - retry->createdAt) + " before " + deadlineText,
            retry->createdAt};
  }
  // Settled settleTime after the deadline: the certificate expires then, and the checks on the
  // application get to see what it did with an expired certificate before the run stops.
  if ((retry != nullptr || e.now >= deadline) && (e.ended || e.now >= deadline + e.settleTime)) {
    return {report::CheckOutcome::kViolated, true,
            failure + "; cert-manager did not retry by " + deadlineText +
                (retry != nullptr ? "; it retried late, with " + retry->name + " at " +
                                        timeText(retry->createdAt)
                                  : ": its failure back-off outlasted the certificate"),
            deadline};
  }
  return undecided(e, failure + "; the run ended before cert-manager retried" +
                          (e.now >= deadline ? "" : " and before " + deadlineText));
}

}  // namespace

const CheckKind& retriedBeforeExpiry() {
  static const CheckKind kKind{"retried-before-expiry", {{"margin", "duration"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
