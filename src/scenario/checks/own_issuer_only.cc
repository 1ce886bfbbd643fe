// "no certificate from another issuer reaches the Secret": every certificate the Secret held
// during the run was issued by the issuer's own CA. The evidence says whose certificate the Secret
// got (the rogue's, when the run knows the rogue's CA) and names any CertificateRequest of the run
// left holding another issuer's certificate, even when the Secret never took it.
#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

std::string whose(const std::string& issuer, const Evidence& e) {
  return "CN=" + issuer +
         (!e.rogueIssuer.empty() && issuer == e.rogueIssuer ? " (the rogue's)" : "");
}

// "; CertificateRequest app-2 was left holding serial X from CN=... (the rogue's)", or "".
std::string requestsHoldingForeign(const Evidence& e) {
  std::string out;
  for (const auto& r : e.requests) {
    if (!r.issued || r.certificateIssuer.empty() || r.certificateIssuer == e.ownIssuer) continue;
    out += "; CertificateRequest " + r.name + " was left holding serial " + r.certificateSerial +
           " from " + whose(r.certificateIssuer, e);
  }
  return out;
}

CheckEvaluation evaluate(const chaos::CheckSpec& /*spec*/, const Evidence& e) {
  if (e.ownIssuer.empty()) {
    return cannotEvaluate(
        "the issuer's CA could not be read, so its certificates cannot be told apart");
  }
  for (const auto& s : e.secret) {
    if (s.issuer != e.ownIssuer) {
      return {report::CheckOutcome::kViolated, true,
              "the Secret held serial " + s.serial + " issued by " + whose(s.issuer, e) +
                  ", not by the issuer's CA CN=" + e.ownIssuer + ", at " + timeText(s.at) +
                  requestsHoldingForeign(e),
              s.at};
    }
  }
  return heldThroughout(e, "every certificate the Secret held (" + std::to_string(e.secret.size()) +
                               ") was issued by CN=" + e.ownIssuer + requestsHoldingForeign(e));
}

}  // namespace

const CheckKind& ownIssuerOnly() {
  static const CheckKind kKind{"own-issuer-only", {}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
