// Scenario 15: the leaf is signed by an intermediate, and the intermediate is left out of
// status.certificate: clients without AIA fetching cannot build the path.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class IncompleteChain final : public Fault {
 public:
  explicit IncompleteChain(const ParameterSet& /*params*/) {}
  std::string_view type() const override { return "incomplete-chain"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return "signed with an intermediate CA and returned the leaf without it";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(plan.now);
    auto intermediate = plan.signer->issueIntermediate(
        "certchaos missing intermediate", pki::KeyAlgorithm::kEcdsaP256,
        now - std::chrono::hours(1),
        std::max(plan.leaf.notAfter, SystemTime(now)) + std::chrono::hours(24));
    if (!intermediate) return intermediate.error();
    plan.signer = std::make_shared<const pki::SigningAuthority>(std::move(*intermediate));
    plan.omitIntermediates = true;
    return {};
  }
};

}  // namespace

const FaultFactory& incompleteChain() {
  static const FaultFactory kFactory{
      {"incomplete-chain", "return the leaf alone, its intermediate missing", {}},
      &make<IncompleteChain>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
