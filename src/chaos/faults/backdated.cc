// Scenario 23: a valid certificate whose renewal time (2/3 of its lifetime) is already past,
// which makes cert-manager re-issue at once, in a loop.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class Backdated final : public Fault {
 public:
  explicit Backdated(const ParameterSet& params) : elapsed_(params.fraction("elapsed")) {}
  std::string_view type() const override { return "backdated"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return "issued a certificate backdated so that " +
           std::to_string(static_cast<int>(elapsed_ * 100)) +
           "% of its lifetime has already passed";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    const auto lifetime = plan.leaf.notAfter - plan.leaf.notBefore;
    const auto back = std::chrono::duration_cast<std::chrono::seconds>(lifetime * elapsed_);
    plan.leaf.notBefore -= back;
    plan.leaf.notAfter -= back;
    return {};
  }

 private:
  double elapsed_;
};

}  // namespace

const FaultFactory& backdated() {
  static const FaultFactory kFactory{
      {"backdated",
       "issue a valid certificate whose renewal time is already past",
       {param("elapsed", ParameterKind::kFraction, "0.9",
              "share of the lifetime already elapsed at issuance (> 2/3 passes cert-manager's "
              "default renewal point)")}},
      &make<Backdated>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
