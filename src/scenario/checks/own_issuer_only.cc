// "no certificate from another issuer reaches the Secret": every certificate the Secret held
// during the run was issued by the issuer's own CA.
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& /*spec*/, const Evidence& e) {
  if (e.ownIssuer.empty()) {
    return cannotEvaluate(
        "the issuer's CA could not be read, so its certificates cannot be told apart");
  }
  for (const auto& s : e.secret) {
    if (s.issuer != e.ownIssuer) {
      return {report::CheckOutcome::kViolated, true,
              "the Secret held serial " + s.serial + " issued by CN=" + s.issuer +
                  ", not by the issuer's CA CN=" + e.ownIssuer + ", at " + timeText(s.at),
              s.at};
    }
  }
  return heldThroughout(e, "every certificate the Secret held (" + std::to_string(e.secret.size()) +
                               ") was issued by CN=" + e.ownIssuer);
}

}  // namespace

const CheckKind& ownIssuerOnly() {
  static const CheckKind kKind{"own-issuer-only", {}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
