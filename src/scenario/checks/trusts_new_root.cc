// "trust bundles already hold the new root": the first certificate stored after the switch
// comes with its root in ca.crt; the trust bundle the run's clients held before the switch must
// hold that root (same subject and key). When it does not, the check names the missing root.
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

std::string bundleText(const std::vector<RootIdentity>& roots) {
  std::string out;
  for (const auto& r : roots) out += (out.empty() ? "" : ", ") + r.subject;
  return "[" + out + "]";
}

CheckEvaluation evaluate(const chaos::CheckSpec& /*spec*/, const Evidence& e) {
  if (e.clientRoots.empty()) {
    return cannotEvaluate("the run did not know the clients' trust bundle (no ca.crt at start)");
  }
  for (const auto& s : e.secret) {
    if (s.serial == e.baseSerial) continue;
    if (!s.caRoot) {
      return undecided(e, "the Secret's ca.crt after the switch holds no certificate");
    }
    const std::string root = s.caRoot->subject;
    const std::string stored = "serial " + s.serial + " (stored " + timeText(s.at) + ")";
    for (const auto& r : e.clientRoots) {
      if (r == *s.caRoot) {
        return {report::CheckOutcome::kHeld, true,
                "the clients' trust bundle " + bundleText(e.clientRoots) +
                    " already held the new root " + root + " of " + stored,
                s.at};
      }
    }
    return {report::CheckOutcome::kViolated, true,
            "the clients' trust bundle " + bundleText(e.clientRoots) +
                " did not hold the new root " + root + " of " + stored +
                ": clients not given it reject the renewed certificate; distribute " + root +
                " before the switch",
            s.at};
  }
  return undecided(e, "no certificate was stored after the switch");
}

}  // namespace

const CheckKind& trustsNewRoot() {
  static const CheckKind kKind{"trusts-new-root", {}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
