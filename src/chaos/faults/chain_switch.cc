// Scenario 16: the next issuance comes from another chain, an alternate intermediate under a new
// root (ca.crt changes to it), as when Let's Encrypt dropped its cross-signed chain (2024) and
// clients that did not hold ISRG Root X1 broke. Whether the clients already trusted the new root
// is the run's to set (clientsTrust): the runner gives its probe the trust bundle it names.
#include "certchaos/chaos/seeded_roots.h"
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class ChainSwitch final : public Fault {
 public:
  explicit ChainSwitch(const ParameterSet& /*params*/) {}
  std::string_view type() const override { return "chain-switch"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return "signed under a new chain: CN=certchaos alternate intermediate of the new root "
           "CN=certchaos alternate root (ca.crt)";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    auto root = alternateRoot(plan.faultSeed);
    if (!root) return root.error();
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(plan.now);
    auto intermediate = alternateIntermediate(
        *root, plan.faultSeed, now - std::chrono::hours(1),
        std::max(plan.leaf.notAfter, SystemTime(now)) + std::chrono::hours(24 * 365));
    if (!intermediate) return intermediate.error();
    plan.signer = std::make_shared<const pki::SigningAuthority>(std::move(*intermediate));
    return {};
  }
};

}  // namespace

const FaultFactory& chainSwitch() {
  static const FaultFactory kFactory{
      {"chain-switch",
       "sign with an alternate intermediate under a new root; ca.crt becomes the new root",
       {param("clientsTrust", ParameterKind::kEnum, "old-and-new-root",
              "the trust bundle the run's clients (the probe) hold before the switch: "
              "old-and-new-root (ca.crt as it was plus the new root, announced ahead) or "
              "old-root-only (ca.crt as it was); the runner reads it, the issuer signs the same",
              {"old-and-new-root", "old-root-only"})}},
      &make<ChainSwitch>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
