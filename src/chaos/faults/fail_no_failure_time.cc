// Scenario 8: fail without status.failureTime, which makes cert-manager keep the failed request
// and can loop for ever (cert-manager issue #9327).
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class FailNoFailureTime final : public Fault {
 public:
  explicit FailNoFailureTime(const ParameterSet& params) : message_(params.text("message")) {}
  std::string_view type() const override { return "fail-no-failure-time"; }
  FaultPhase phase() const override { return FaultPhase::kFailure; }
  std::string describe() const override {
    return "failed the request without status.failureTime: " + message_;
  }
  std::optional<Failure> fail(const RequestContext& /*ctx*/, Random& /*random*/) const override {
    return Failure{Failure::Kind::kFailed, message_, false, std::nullopt};
  }

 private:
  std::string message_;
};

}  // namespace

const FaultFactory& failNoFailureTime() {
  static const FaultFactory kFactory{
      {"fail-no-failure-time",
       "fail with Ready=False reason=Failed but no status.failureTime",
       {param("message", ParameterKind::kText,
              "failed to sign certificate: the CA returned 500 Internal Server Error",
              "the failure message")}},
      &make<FailNoFailureTime>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
