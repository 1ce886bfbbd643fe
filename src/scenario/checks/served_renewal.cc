// "the application serves the renewed certificate soon after the Secret holds it, and before the
// old notAfter": catches an application that never reloads (I16). The grace is wall time: a
// reload takes as long as it takes, whatever the time scale.
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.probing) return notProbed();
  const auto grace = toleranceDuration(spec, "grace");
  const SecretObservation* renewed = nullptr;
  for (const auto& s : e.secret) {
    if (s.serial != e.baseSerial) {
      renewed = &s;
      break;
    }
  }
  if (renewed == nullptr) {
    return undecided(e, "the Secret never held a renewed certificate");
  }
  std::optional<SystemTime> servedAt;
  for (const auto& p : e.probes) {
    if (p.servedSerial == renewed->serial) {
      servedAt = std::max(p.at, renewed->at);
      break;
    }
  }
  SystemTime limit = renewed->at + grace;
  if (e.baseNotAfter && *e.baseNotAfter < limit) limit = *e.baseNotAfter;
  if (servedAt && *servedAt <= limit) {
    return {report::CheckOutcome::kHeld, true,
            "the application served serial " + renewed->serial + " " +
                durationText(*servedAt - renewed->at) + " after the Secret held it",
            servedAt};
  }
  if (servedAt || e.now >= limit) {
    std::string served = e.baseSerial;
    for (const auto& p : e.probes) {
      if (p.at <= limit && !p.servedSerial.empty()) served = p.servedSerial;
    }
    return {
        report::CheckOutcome::kViolated, true,
        "the application serves serial " + served + " while the Secret holds serial " +
            renewed->serial + " since " + timeText(renewed->at) + ", for more than " +
            toleranceText(spec, "grace") +
            (servedAt ? " (it switched " + durationText(*servedAt - renewed->at) + " after)" : ""),
        limit};
  }
  return undecided(e, "the run ended " + durationText(e.now - renewed->at) +
                          " after the Secret held serial " + renewed->serial +
                          ", before it was served");
}

}  // namespace

const CheckKind& servedRenewal() {
  static const CheckKind kKind{"served-renewal", {{"grace", "duration"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
