// Scenario 6: Ready=False reason=Failed with failureTime and a realistic CA message.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class FailPermanent final : public FixedFailure {
 public:
  explicit FailPermanent(const ParameterSet& params)
      : FixedFailure("fail-permanent", params.text("message"), true) {}
};

}  // namespace

const FaultFactory& failPermanent() {
  static const FaultFactory kFactory{
      {"fail-permanent",
       "fail every request: Ready=False reason=Failed with failureTime",
       {param("message", ParameterKind::kText,
              "failed to sign certificate: the CA returned 500 Internal Server Error: signing "
              "backend unavailable",
              "the failure message")}},
      &make<FailPermanent>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
