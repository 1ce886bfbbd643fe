// "the application serves a valid certificate at every probe": violated by the first failure
// beyond the tolerated number of failure episodes (a run of failed probes counts once).
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.probing) return notProbed();
  const int allowed = toleranceCount(spec, "failures");
  int episodes = 0;
  bool lastOk = true;
  for (const auto& p : e.probes) {
    if (!p.ok && lastOk && ++episodes > allowed) {
      return {report::CheckOutcome::kViolated, true,
              "probe failed at " + timeText(p.at) + ": " + p.error +
                  (p.servedSerial.empty() ? "" : " (serial " + p.servedSerial + ")"),
              p.at};
    }
    lastOk = p.ok;
  }
  return heldThroughout(e, std::to_string(e.probeCount) + " probes" +
                               (episodes == 0 ? ", every one valid"
                                              : ", " + std::to_string(episodes) +
                                                    " failure episode(s) within the tolerance"));
}

}  // namespace

const CheckKind& probesValid() {
  static const CheckKind kKind{"probes-valid", {{"failures", "count"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
