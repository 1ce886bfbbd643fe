// Scenario 14: the served chain holds the valid path (leaf, the issuer's CA, its root in ca.crt)
// and one certificate more: the issuer's root cross-signed by a root that has expired, as with
// AddTrust External CA Root (2020) and DST Root CA X3 (2021). A client that trusts the current
// root finds its path; one that still trusts only the expired root, or builds its path from the
// served certificates first (OpenSSL 1.0.x), follows the cross-signature to the expired root.
#include "certchaos/chaos/seeded_roots.h"
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class ExpiredCrossSign final : public Fault {
 public:
  explicit ExpiredCrossSign(const ParameterSet& /*params*/) {}
  std::string_view type() const override { return "expired-cross-sign"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return "served the chain with the issuer's root cross-signed by the expired root "
           "CN=certchaos expired cross-sign root (notAfter 2020-05-30T10:48:38Z)";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    auto expired = expiredCrossSignRoot(plan.faultSeed);
    if (!expired) return expired.error();
    // The top of the issuer's chain is the root its clients trust (ca.crt, left as it is).
    auto cross = expired->crossSign(plan.configured->chain().back());
    if (!cross) return cross.error();
    plan.extraChain.push_back(std::move(*cross));
    return {};
  }
};

}  // namespace

const FaultFactory& expiredCrossSign() {
  static const FaultFactory kFactory{
      {"expired-cross-sign",
       "add to the served chain the issuer's root cross-signed by an expired root (ca.crt keeps "
       "the issuer's root)",
       {}},
      &make<ExpiredCrossSign>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
