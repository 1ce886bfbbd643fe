// "clients reject the bad certificate, naming why": the certificate issued under the fault (any
// serial other than the base's) must fail the probe, with an error naming the reason (one of the
// "|"-separated words of the tolerance; empty: any reason).
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

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
  return undecided(e, "the bad certificate never reached the application");
}

}  // namespace

const CheckKind& clientsReject() {
  static const CheckKind kKind{"clients-reject", {{"reason", "text"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
