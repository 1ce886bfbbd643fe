// Scenario 2: sign requests that are not Approved, or that are Denied.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class SkipApproval final : public Fault {
 public:
  explicit SkipApproval(const ParameterSet& params) : mode_(params.text("mode")) {}
  std::string_view type() const override { return "skip-approval"; }
  FaultPhase phase() const override { return FaultPhase::kApproval; }
  std::string describe() const override {
    return "signed a request that was not approved (mode " + mode_ + ")";
  }
  ApprovalOverride onApproval(const RequestContext& ctx) const override {
    const bool unapproved = !ctx.approved && !ctx.denied;
    if (ctx.denied && mode_ != "unapproved") return ApprovalOverride::kAdmit;
    if (unapproved && mode_ != "denied") return ApprovalOverride::kAdmit;
    return ApprovalOverride::kNone;
  }

 private:
  std::string mode_;
};

}  // namespace

const FaultFactory& skipApproval() {
  static const FaultFactory kFactory{{"skip-approval",
                                      "sign requests that are not Approved, or are Denied",
                                      {param("mode", ParameterKind::kEnum, "both",
                                             "which requests to sign anyway: unapproved (neither "
                                             "Approved nor Denied), denied, or both",
                                             {"unapproved", "denied", "both"})}},
                                     &make<SkipApproval>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
