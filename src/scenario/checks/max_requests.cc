// "at most N CertificateRequests during the run": bounded retries, no storm. cert-manager's
// scheduled renewals of certificates the run saw issued are its normal cycle, not a storm: they
// are named, not counted (at a compressed time scale a healthy Certificate renews every few
// seconds, and counting them made a healthy run's verdict depend on how long it lasted).
#include <vector>

#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  const int limit = toleranceCount(spec, "limit");
  std::vector<const RequestObservation*> counted;
  std::string scheduled;
  for (const auto& r : e.requests) {
    if (!r.scheduledRenewal) {
      counted.push_back(&r);
    } else {
      scheduled += (scheduled.empty() ? "" : ", ") + r.name;
    }
  }
  const std::string notCounted =
      scheduled.empty() ? ""
                        : "; not counted: " + scheduled +
                              ", cert-manager's scheduled renewal(s) of a certificate issued "
                              "during the run";
  const int count = static_cast<int>(counted.size());
  if (count > limit) {
    const auto& over = *counted[static_cast<std::size_t>(limit)];
    return {report::CheckOutcome::kViolated, true,
            std::to_string(count) + " CertificateRequests during the run, at most " +
                std::to_string(limit) + " allowed; number " + std::to_string(limit + 1) + " (" +
                over.name + ") was created at " + timeText(over.createdAt) + notCounted,
            over.createdAt};
  }
  return heldThroughout(e, std::to_string(count) +
                               " CertificateRequest(s) during the run, at most " +
                               std::to_string(limit) + " allowed" + notCounted);
}

}  // namespace

const CheckKind& maxRequests() {
  static const CheckKind kKind{"max-requests", {{"limit", "count"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
