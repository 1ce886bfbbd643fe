// "trust bundles already hold the new root": the first certificate stored after the switch
// comes with its root in ca.crt; the trust bundle the run's clients held before the switch must
// hold that root (same subject and key). When it does not, the check names the missing root.
// With an application probed, it waits until the application serves that certificate and adds
// what the client holding the bundle saw.
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
    bool held = false;
    for (const auto& r : e.clientRoots) held = held || r == *s.caRoot;
    // With an application, judged once it serves the certificate: what a client with that
    // bundle then saw goes with the verdict on the bundle.
    const ProbeObservation* seen = nullptr;
    for (const auto& p : e.probes) {
      if (p.servedSerial == s.serial) {
        seen = &p;
        break;
      }
    }
    if (e.probing && seen == nullptr) {
      return undecided(e, "the application never served " + stored);
    }
    const std::string client =
        seen == nullptr ? ""
        : seen->ok      ? "; a client with that bundle verified it at " + timeText(seen->at)
                   : "; a client with that bundle rejected it at " + timeText(seen->at) + ": " +
                         seen->error;
    const SystemTime at = seen == nullptr ? s.at : seen->at;
    if (held) {
      return {report::CheckOutcome::kHeld, true,
              "the clients' trust bundle " + bundleText(e.clientRoots) +
                  " already held the new root " + root + " of " + stored + client,
              at};
    }
    return {report::CheckOutcome::kViolated, true,
            "the clients' trust bundle " + bundleText(e.clientRoots) +
                " did not hold the new root " + root + " of " + stored + client + "; distribute " +
                root + " to the clients before the switch",
            at};
  }
  return undecided(e, "no certificate was stored after the switch");
}

}  // namespace

const CheckKind& trustsNewRoot() {
  static const CheckKind kKind{"trusts-new-root", {}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
