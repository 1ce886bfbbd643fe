// Scenario 12: notBefore in the future by a skew, as a CA (or client) with a wrong clock makes it.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class NotYetValid final : public Fault {
 public:
  explicit NotYetValid(const ParameterSet& params)
      : skew_(std::chrono::duration_cast<std::chrono::seconds>(params.duration("skew"))),
        text_(durationText(params, "skew")) {}
  std::string_view type() const override { return "not-yet-valid"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return "issued a certificate that becomes valid only " + text_ + " from now";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    plan.leaf.notBefore += skew_;
    plan.leaf.notAfter += skew_;
    return {};
  }

 private:
  std::chrono::seconds skew_;
  std::string text_;
};

}  // namespace

const FaultFactory& notYetValid() {
  static const FaultFactory kFactory{
      {"not-yet-valid",
       "shift notBefore (and notAfter) into the future, as clock skew does",
       {param("skew", ParameterKind::kDuration, "1h", "how far in the future notBefore is", {},
              true)}},
      &make<NotYetValid>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
