// "Trust propagates; no mTLS outage" (root-rotation): every client trust the run saw — the CA
// bundle clients had before the rotation, and each ca.crt the Secret held since, from when it held
// it — verifies the chain the application serves, at every probe, through the rotation. A client
// that still holds the old bundle when a certificate under the new root is served without a path
// to the old root breaks; so does one that took a new ca.crt without the old root while the
// application still served a certificate under it. The evidence says which trust broke, when, on
// which certificate, and when the rotated certificate reached the application.
#include <map>

#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

// The first time each trust failed to verify a chain the application did serve (a refused
// connection is no verdict on trust), in the order the trusts were seen.
std::vector<const TrustObservation*> firstBreaks(const Evidence& e) {
  std::vector<const TrustObservation*> out;
  for (const auto& trust : e.trusts) {
    for (const auto& p : e.trustProbes) {
      if (p.trust != trust || p.ok || p.servedSerial.empty()) continue;
      out.push_back(&p);
      break;
    }
  }
  return out;
}

// The first probe that saw a certificate other than the base's: the rotated one reaching clients.
const TrustObservation* firstRenewedServed(const Evidence& e) {
  const TrustObservation* first = nullptr;
  for (const auto& p : e.trustProbes) {
    if (p.servedSerial.empty() || p.servedSerial == e.baseSerial) continue;
    if (first == nullptr || p.at < first->at) first = &p;
  }
  return first;
}

std::string rotationText(const Evidence& e) {
  std::string out;
  if (e.rotatedAt) out += "the issuer rotated its root at " + timeText(*e.rotatedAt);
  if (e.oldRootDroppedAt) {
    out += std::string(out.empty() ? "the issuer" : ",") + " offers the old root until " +
           timeText(*e.oldRootDroppedAt);
  }
  if (const auto* served = firstRenewedServed(e)) {
    out += std::string(out.empty() ? "" : "; ") + "the application served serial " +
           served->servedSerial + " (issuer CN=" + served->servedIssuer + ") from " +
           timeText(served->at);
  }
  return out;
}

CheckEvaluation evaluate(const chaos::CheckSpec& /*spec*/, const Evidence& e) {
  if (!e.probing) return notProbed();
  if (e.trusts.empty()) {
    return cannotEvaluate(
        "the run probed with no client trust of its own (root-rotation probes with the CA "
        "bundle from before the rotation and each ca.crt the Secret holds since)");
  }
  const auto breaks = firstBreaks(e);
  if (!breaks.empty()) {
    const TrustObservation* first = breaks.front();
    std::string text;
    for (const auto* b : breaks) {
      if (b->at < first->at) first = b;
      text += (text.empty() ? "" : "; ") + std::string("a client trusting ") + b->trust +
              " stopped verifying the served chain at " + timeText(b->at) + ": serial " +
              b->servedSerial + " (issuer CN=" + b->servedIssuer + "): " + b->error;
    }
    const std::string rotation = rotationText(e);
    return {report::CheckOutcome::kViolated, true,
            text + (rotation.empty() ? "" : " (" + rotation + ")") +
                ": trust did not propagate before the certificate that needed it was served",
            first->at};
  }
  const TrustObservation* renewed = firstRenewedServed(e);
  if (renewed == nullptr) {
    return undecided(e, "the application has not served a certificate under the rotated root yet");
  }
  // Every trust must have verified the rotated certificate, not merely never failed.
  std::string verified;
  for (const auto& trust : e.trusts) {
    const TrustObservation* ok = nullptr;
    for (const auto& p : e.trustProbes) {
      if (p.trust == trust && p.ok && p.servedSerial == renewed->servedSerial) {
        ok = &p;
        break;
      }
    }
    if (ok == nullptr) {
      return undecided(e, "a client trusting " + trust + " has not been probed against serial " +
                              renewed->servedSerial + " yet");
    }
    verified += (verified.empty() ? "" : "; ") + trust + " verified it at " + timeText(ok->at);
  }
  return heldThroughout(e,
                        "every client trust kept verifying the served chain through the "
                        "rotation (" +
                            rotationText(e) + "): " + verified);
}

}  // namespace

const CheckKind& trustKept() {
  static const CheckKind kKind{"trust-kept", {}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
