// Scenario 11: a certificate whose notAfter is already in the past, with the requested lifetime.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class Expired final : public Fault {
 public:
  explicit Expired(const ParameterSet& params)
      : ago_(std::chrono::duration_cast<std::chrono::seconds>(params.duration("expiredFor"))),
        text_(durationText(params, "expiredFor")) {}
  std::string_view type() const override { return "expired"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return "issued a certificate that expired " + text_ + " ago";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    const auto lifetime = plan.leaf.notAfter - plan.leaf.notBefore;
    plan.leaf.notAfter = std::chrono::time_point_cast<std::chrono::seconds>(plan.now) - ago_;
    plan.leaf.notBefore = plan.leaf.notAfter - lifetime;
    return {};
  }

 private:
  std::chrono::seconds ago_;
  std::string text_;
};

}  // namespace

const FaultFactory& expired() {
  static const FaultFactory kFactory{
      {"expired",
       "issue a certificate whose notAfter is already past",
       {param("expiredFor", ParameterKind::kDuration, "1h",
              "how long ago notAfter was (0: expires as it is issued)")}},
      &make<Expired>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
