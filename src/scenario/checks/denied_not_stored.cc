// "no certificate signed for a denied or unapproved request reaches the Secret". Without such a
// request the check has nothing to judge: not evaluated rather than vacuously held.
#include <set>

#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& /*spec*/, const Evidence& e) {
  std::set<std::string> rogue;
  int unapproved = 0;
  for (const auto& r : e.requests) {
    if (!r.denied && r.approved) continue;
    ++unapproved;
    if (r.issued && !r.certificateSerial.empty()) rogue.insert(r.certificateSerial);
  }
  for (const auto& s : e.secret) {
    if (rogue.count(s.serial) != 0) {
      return {report::CheckOutcome::kViolated, true,
              "the Secret stored serial " + s.serial +
                  ", signed for a denied or unapproved request, at " + timeText(s.at),
              s.at};
    }
  }
  if (unapproved == 0) {
    return undecided(e, "no request was denied or signed before approval during the run");
  }
  return heldThroughout(e, std::to_string(unapproved) +
                               " request(s) denied or unapproved; none of their certificates "
                               "reached the Secret");
}

}  // namespace

const CheckKind& deniedNotStored() {
  static const CheckKind kKind{"denied-not-stored", {}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
