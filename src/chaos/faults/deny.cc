// Scenario 7: the request is Denied, as a policy approver would deny it. A request that is
// already Approved cannot also be Denied (the conditions are exclusive and immutable), so the
// engine fails it instead, saying so.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class Deny final : public Fault {
 public:
  explicit Deny(const ParameterSet& params) : message_(params.text("message")) {}
  std::string_view type() const override { return "deny"; }
  FaultPhase phase() const override { return FaultPhase::kApproval; }
  // Also the Denied condition's message.
  std::string describe() const override { return message_; }
  ApprovalOverride onApproval(const RequestContext& /*ctx*/) const override {
    return ApprovalOverride::kDeny;
  }

 private:
  std::string message_;
};

}  // namespace

const FaultFactory& deny() {
  static const FaultFactory kFactory{
      {"deny",
       "deny the request as a policy approver would",
       {param("message", ParameterKind::kText,
              "denied by certchaos: the request does not comply with the issuing policy",
              "the Denied condition's message")}},
      &make<Deny>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
