// "the renewed certificate is in use before the old one's notAfter - margin": in use means
// served and valid when the application is probed, else stored in the Secret.
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.baseNotAfter) return cannotEvaluate("the base certificate's notAfter is unknown");
  const auto margin = toleranceDuration(spec, "margin");
  const SystemTime deadline = *e.baseNotAfter - toWall(margin, e);
  std::optional<SystemTime> renewedAt;
  std::string serial;
  if (e.probing) {
    for (const auto& p : e.probes) {
      if (p.ok && !p.servedSerial.empty() && p.servedSerial != e.baseSerial) {
        renewedAt = p.at;
        serial = p.servedSerial;
        break;
      }
    }
  } else {
    for (const auto& s : e.secret) {
      if (s.serial != e.baseSerial) {
        renewedAt = s.at;
        serial = s.serial;
        break;
      }
    }
  }
  const std::string where = e.probing ? "served" : "in the Secret";
  const std::string deadlineText = timeText(deadline) + " (notAfter " + timeText(*e.baseNotAfter) +
                                   " - " + toleranceText(spec, "margin") + " nominal)";
  if (renewedAt && *renewedAt <= deadline) {
    return {report::CheckOutcome::kHeld, true,
            "renewed serial " + serial + " " + where + " at " + timeText(*renewedAt) + ", " +
                durationText(deadline - *renewedAt) + " before the deadline " + deadlineText,
            renewedAt};
  }
  if (renewedAt || e.now >= deadline) {
    return {report::CheckOutcome::kViolated, true,
            "no renewed certificate " + where + " by " + deadlineText +
                (renewedAt ? "; serial " + serial + " came " + durationText(*renewedAt - deadline) +
                                 " late"
                           : "; serial " + e.baseSerial + " was still in use"),
            deadline};
  }
  return undecided(e, "the run ended before the deadline " + deadlineText +
                          " without a renewed certificate " + where);
}

}  // namespace

const CheckKind& renewedBeforeExpiry() {
  static const CheckKind kKind{"renewed-before-expiry", {{"margin", "duration"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
