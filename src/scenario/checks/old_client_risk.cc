// "the report flags old-client risk": a second client, whose trust store holds only the expired
// root the served chain is cross-signed to (an old client from before the current root, as with
// AddTrust in 2020), must reject the certificate issued under the fault for that expired root.
// Then the report names the risk; if that client accepts it, or rejects it for another reason,
// the chain carries no path to an expired root and there is no risk the run could flag.
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& /*spec*/, const Evidence& e) {
  if (!e.probing) return notProbed();
  if (e.oldClientRoot.empty()) {
    return cannotEvaluate("the run had no old client (no expired root to give it)");
  }
  for (const auto& p : e.oldClientProbes) {
    if (p.servedSerial.empty() || p.servedSerial == e.baseSerial) continue;
    const std::string who = "a client that trusts only the expired root " + e.oldClientRoot + " ";
    if (p.ok) {
      return {report::CheckOutcome::kViolated, true,
              who + "accepted serial " + p.servedSerial + " at " + timeText(p.at) +
                  ": the chain leads to no expired root, so no old-client risk was shown",
              p.at};
    }
    if (p.error.find("expired") == std::string::npos) {
      return {report::CheckOutcome::kViolated, true,
              who + "rejected serial " + p.servedSerial + " at " + timeText(p.at) +
                  " but not for the expired root (" + p.error +
                  "): the served chain holds no cross-signature to it",
              p.at};
    }
    return {report::CheckOutcome::kHeld, true,
            "old-client risk: " + who + "rejects serial " + p.servedSerial + " (" + p.error +
                ", at " + timeText(p.at) +
                "); clients that trust the current root pass, older ones that still trust the "
                "expired root or prefer the served chain (OpenSSL 1.0.x) fail; drop the "
                "cross-signed certificate from the chain",
            p.at};
  }
  return undecided(e, "the certificate issued under the fault never reached the old client");
}

}  // namespace

const CheckKind& oldClientRisk() {
  static const CheckKind kKind{"old-client-risk", {}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
