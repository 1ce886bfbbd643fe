// "at most N CertificateRequests during the run": bounded retries, no storm.
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  const int limit = toleranceCount(spec, "limit");
  const int count = static_cast<int>(e.requests.size());
  if (count > limit) {
    const auto& over = e.requests[static_cast<std::size_t>(limit)];
    return {report::CheckOutcome::kViolated, true,
            std::to_string(count) + " CertificateRequests during the run, at most " +
                std::to_string(limit) + " allowed; number " + std::to_string(limit + 1) + " (" +
                over.name + ") was created at " + timeText(over.createdAt),
            over.createdAt};
  }
  return heldThroughout(e, std::to_string(count) +
                               " CertificateRequest(s) during the run, at most " +
                               std::to_string(limit) + " allowed");
}

}  // namespace

const CheckKind& maxRequests() {
  static const CheckKind kKind{"max-requests", {{"limit", "count"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
