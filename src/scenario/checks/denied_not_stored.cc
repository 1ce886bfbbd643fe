// "no certificate signed for a denied or unapproved request reaches the Secret". Without such a
// request the check has nothing to judge: not evaluated rather than vacuously held. The evidence
// names each such request and whether the issuer signed it, so that a held check still shows the
// issuer signing what it should not have (and cert-manager keeping it out of the Secret).
#include <map>

#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

std::string describe(const RequestObservation& r) {
  std::string out = r.name + " (" + (r.denied ? "Denied" : "not approved");
  if (r.issued && !r.certificateSerial.empty()) {
    out += ", signed by the issuer anyway: serial " + r.certificateSerial;
  } else if (r.issued) {
    out += ", signed by the issuer anyway";
  } else {
    out += ", not signed";
  }
  return out + ")";
}

CheckEvaluation evaluate(const chaos::CheckSpec& /*spec*/, const Evidence& e) {
  std::map<std::string, const RequestObservation*> bySerial;
  std::string unapproved;
  int count = 0;
  for (const auto& r : e.requests) {
    if (!r.denied && r.approved) continue;
    ++count;
    unapproved += (unapproved.empty() ? "" : ", ") + describe(r);
    if (r.issued && !r.certificateSerial.empty()) bySerial[r.certificateSerial] = &r;
  }
  for (const auto& s : e.secret) {
    if (auto it = bySerial.find(s.serial); it != bySerial.end()) {
      return {report::CheckOutcome::kViolated, true,
              "the Secret stored serial " + s.serial + " at " + timeText(s.at) +
                  ", signed for a denied or unapproved request: " + describe(*it->second),
              s.at};
    }
  }
  if (count == 0) {
    return undecided(e, "no request was denied or signed before approval during the run");
  }
  return heldThroughout(e, std::to_string(count) + " request(s) denied or unapproved: " +
                               unapproved + "; none of their certificates reached the Secret");
}

}  // namespace

const CheckKind& deniedNotStored() {
  static const CheckKind kKind{"denied-not-stored", {}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
