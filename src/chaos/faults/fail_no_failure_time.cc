// Scenario 8: fail without status.failureTime, which makes cert-manager keep the failed request
// and can loop for ever (cert-manager issue #9327).
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class FailNoFailureTime final : public FixedFailure {
 public:
  explicit FailNoFailureTime(const ParameterSet& params)
      : FixedFailure("fail-no-failure-time", params.text("message"), false) {}
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
