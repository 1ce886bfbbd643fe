// Scenario 10: issue with validity X whatever was requested (also the time-compression tool:
// cert-manager renews at 2/3 of the lifetime it actually gets).
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class ShortLived final : public Fault {
 public:
  explicit ShortLived(const ParameterSet& params)
      : validity_(std::chrono::duration_cast<std::chrono::seconds>(params.duration("validity"))),
        text_(durationText(params, "validity")) {}
  std::string_view type() const override { return "short-lived"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return "issued a certificate valid for " + text_ + " whatever was requested";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    plan.leaf.notAfter = plan.leaf.notBefore + std::max(validity_, std::chrono::seconds(1));
    return {};
  }

 private:
  std::chrono::seconds validity_;
  std::string text_;
};

}  // namespace

const FaultFactory& shortLived() {
  static const FaultFactory kFactory{
      {"short-lived",
       "issue with a fixed validity whatever was requested",
       {param("validity", ParameterKind::kDuration, "1h", "the certificate's lifetime", {}, true)}},
      &make<ShortLived>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
