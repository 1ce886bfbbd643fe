// "the application serves the renewed certificate within the grace after the Secret holds it":
// catches an application that never reloads (I16). The grace is wall time: a reload takes as
// long as it takes, whatever the time scale. The application is blamed only once it had that
// chance: a probe after the grace still saw the old certificate (a Secret renewed just before the
// run ended, or just before the old notAfter, is not a reload that failed).
#include <map>

#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

// What the application served at `t` (the last probe change at or before it): "serial X", or
// "no certificate (why)" while it served none.
std::string servedAt(const Evidence& e, SystemTime t) {
  const ProbeObservation* last = nullptr;
  for (const auto& p : e.probes) {
    if (p.at <= t) last = &p;
  }
  if (last == nullptr || last->servedSerial.empty()) {
    return last == nullptr ? "serial " + e.baseSerial : "no certificate (" + last->error + ")";
  }
  return "serial " + last->servedSerial;
}

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.probing) return notProbed();
  const auto grace = toleranceDuration(spec, "grace");
  const std::string graceText = toleranceText(spec, "grace");
  // The first renewal in the Secret, and every certificate it held from then on: an application
  // that went straight to a later one (short-lived certificates renewed again) did reload.
  const SecretObservation* renewed = nullptr;
  std::map<std::string, SystemTime> renewals;  // serial -> when the Secret first held it
  for (const auto& s : e.secret) {
    if (renewed == nullptr && s.serial == e.baseSerial) continue;
    if (renewed == nullptr) renewed = &s;
    renewals.emplace(s.serial, s.at);
  }
  if (renewed == nullptr) {
    return undecided(e, "the Secret never held a renewed certificate");
  }
  std::optional<SystemTime> loadedAt;
  std::string loadedSerial;
  for (const auto& p : e.probes) {
    auto it = renewals.find(p.servedSerial);
    if (it == renewals.end()) continue;
    loadedAt = std::max(p.at, it->second);
    loadedSerial = p.servedSerial;
    break;
  }
  const SystemTime limit = renewed->at + grace;
  const std::string since =
      "the Secret holds serial " + renewed->serial + " since " + timeText(renewed->at);
  if (loadedAt && *loadedAt <= limit) {
    std::string late;
    if (e.baseNotAfter && *loadedAt > *e.baseNotAfter) {
      late =
          "; the renewal reached the Secret only " +
          (renewed->at < *e.baseNotAfter ? durationText(*e.baseNotAfter - renewed->at) + " before"
                                         : durationText(renewed->at - *e.baseNotAfter) + " after") +
          " the old notAfter " + timeText(*e.baseNotAfter);
    }
    return {
        report::CheckOutcome::kHeld, true,
        "the application served serial " + loadedSerial + " " +
            durationText(*loadedAt - renewed->at) + " after the Secret held it (grace " +
            graceText + ")" +
            (loadedSerial == renewed->serial ? ""
                                             : ", a later renewal than serial " + renewed->serial) +
            late,
        loadedAt};
  }
  if (loadedAt) {
    return {report::CheckOutcome::kViolated, true,
            "the application serves " + servedAt(e, limit) + " while " + since + ": it served " +
                "the old one for " + durationText(*loadedAt - renewed->at) +
                ", more than the grace of " + graceText + " (serial " + loadedSerial + " from " +
                timeText(*loadedAt) + ")",
            limit};
  }
  // Not loaded yet: a violation only once a probe after the grace still saw the old certificate.
  if (e.lastProbeAt && *e.lastProbeAt >= limit) {
    return {report::CheckOutcome::kViolated, true,
            "the application serves " + servedAt(e, *e.lastProbeAt) + " while " + since +
                ": it still served the old one at the probe of " + timeText(*e.lastProbeAt) + ", " +
                durationText(*e.lastProbeAt - renewed->at) + " later, more than the grace of " +
                graceText,
            limit};
  }
  return undecided(e, "the run ended " + durationText(e.now - renewed->at) +
                          " after the Secret held serial " + renewed->serial +
                          ", before a probe past the grace of " + graceText +
                          " could tell whether the application reloads");
}

}  // namespace

const CheckKind& servedRenewal() {
  static const CheckKind kKind{"served-renewal", {{"grace", "duration"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
