// "no thundering herd" (renewal-storm): no Certificate of the storm makes more than `limit`
// requests during the run, and none asks again sooner than cert-manager's back-off after a
// failure. Where the back-off is scaled (the local plane), the check keeps watching until the
// back-off after the last failure has passed, so that the retry it allows is seen too.
#include "certchaos/common/duration.h"
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

// A retry this much earlier than the back-off is not cert-manager's back-off: its failure time
// has one-second precision and the runner sees the failure a moment after it was written.
constexpr auto kBackoffSlack = std::chrono::seconds(2);

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.storm) {
    return cannotEvaluate(
        "the run renewed one Certificate, not a storm (scenario 28, "
        "renewal-storm, renews many together)");
  }
  const auto f = stormFigures(*e.storm);
  const int limit = toleranceCount(spec, "limit");
  std::string perCertificate;
  for (const auto& [n, certificates] : f.requestsPerCertificate) {
    perCertificate += (perCertificate.empty() ? "" : ", ") + std::to_string(certificates) +
                      " Certificate(s) with " + std::to_string(n);
  }
  std::string figures = "requests per Certificate: " + perCertificate + " (at most " +
                        std::to_string(limit) + " allowed); " + std::to_string(f.retries) +
                        " retr" + (f.retries == 1 ? "y" : "ies") + " after a failure";
  if (f.mostRequests > limit) {
    return {report::CheckOutcome::kViolated, true,
            "Certificate " + f.mostRequestsCertificate + " made " + std::to_string(f.mostRequests) +
                " requests; " + figures,
            e.now};
  }
  std::chrono::nanoseconds wait{0};
  if (e.backoff) {
    const auto minimum = std::chrono::duration_cast<std::chrono::nanoseconds>(e.backoff->minimum);
    if (f.shortestRetryGap && *f.shortestRetryGap + kBackoffSlack < minimum) {
      return {report::CheckOutcome::kViolated, true,
              "Certificate " + f.shortestRetryCertificate + " asked again " +
                  durationText(*f.shortestRetryGap) +
                  " after a failure, sooner than cert-manager's back-off of " +
                  durationText(minimum) + ": back-off did not hold; " + figures,
              e.now};
    }
    figures += f.shortestRetryGap ? "; the soonest came " + durationText(*f.shortestRetryGap) +
                                        " after its failure (back-off " + durationText(minimum) +
                                        "): back-off held"
               : f.failed > 0
                   ? "; none asked again within the back-off of " + durationText(minimum) +
                         " (cert-manager asks again once its back-off has passed and "
                         "the certificate is due; a forced renewal of a still valid "
                         "one is not retried): back-off held"
                   : "";
    if (f.failed > 0 && e.backoff->scaled) wait = minimum + e.settleTime;
  }
  return {report::CheckOutcome::kHeld, stormSettled(e, f, wait), figures, e.now};
}

}  // namespace

const CheckKind& stormRetries() {
  static const CheckKind kKind{"storm-retries", {{"limit", "count"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
