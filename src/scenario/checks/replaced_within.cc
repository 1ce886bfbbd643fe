// "A revoked certificate is replaced within the compliance window" (revoked): from the first probe
// that found the served certificate in its CRL to the first probe that found another certificate
// served and valid (revocation checked), within the window. Its evidence says whether and when a
// replacement was issued (the Secret) and served, and what asked for it: nothing, when nobody
// did (cert-manager reads no CRL), an operator's renewal, or cert-manager's own schedule.
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.probing) return notProbed();
  const ProbeObservation* revoked = nullptr;
  for (const auto& p : e.probes) {
    if (p.revoked) {
      revoked = &p;
      break;
    }
  }
  if (revoked == nullptr) {
    return undecided(e,
                     "the probe has not found the served certificate revoked (its CRL "
                     "distribution point's CRL does not list it)");
  }
  const auto window = toWall(toleranceDuration(spec, "window"), e);
  const std::string windowText =
      " (window " + toleranceText(spec, "window") + " nominal, " + durationText(window) + " wall)";
  std::string out =
      "serial " + revoked->servedSerial + " was served revoked (CRL) from " + timeText(revoked->at);
  const ProbeObservation* replaced = nullptr;
  for (const auto& p : e.probes) {
    if (p.at > revoked->at && p.ok && !p.servedSerial.empty() &&
        p.servedSerial != revoked->servedSerial) {
      replaced = &p;
      break;
    }
  }
  const SecretObservation* issued = nullptr;
  for (const auto& s : e.secret) {
    if (s.serial != revoked->servedSerial && s.at > revoked->at) {
      issued = &s;
      break;
    }
  }
  std::string asked;
  if (e.operatorRenewalAt) {
    asked = "; the runner renewed as an operator would at " + timeText(*e.operatorRenewalAt) +
            " (response=renew)";
  } else {
    int after = 0, scheduled = 0;
    for (const auto& r : e.requests) {
      if (r.createdAt <= revoked->at) continue;
      ++after;
      scheduled += r.scheduledRenewal ? 1 : 0;
    }
    asked = after == 0 ? "; no CertificateRequest was created after the revocation: cert-manager "
                         "reads no CRL, so nothing asks for a replacement unless someone renews "
                         "(certchaos renew, cmctl renew) or the renewal time comes"
            : scheduled == after ? "; the replacement came from cert-manager's own renewal "
                                   "schedule, not from the revocation"
                                 : "; " + std::to_string(after) +
                                       " CertificateRequest(s) were created after the revocation";
  }
  if (issued != nullptr) {
    out += "; the Secret held replacement serial " + issued->serial + " at " + timeText(issued->at);
  }
  if (replaced != nullptr) {
    const auto took = replaced->at - revoked->at;
    const bool held = took <= window;
    return {held ? report::CheckOutcome::kHeld : report::CheckOutcome::kViolated, true,
            out + "; the application served replacement serial " + replaced->servedSerial +
                " (not revoked) at " + timeText(replaced->at) + ", " + durationText(took) +
                " after the revocation was seen" + windowText + asked,
            replaced->at};
  }
  if (e.now >= revoked->at + window) {
    return {report::CheckOutcome::kViolated, true,
            out + "; no replacement served within the window" + windowText +
                (issued == nullptr ? "; none was issued" : "") + asked,
            revoked->at + window};
  }
  return undecided(e, out + "; no replacement served yet" + windowText);
}

}  // namespace

const CheckKind& replacedWithin() {
  static const CheckKind kKind{"replaced-within", {{"window", "duration"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
