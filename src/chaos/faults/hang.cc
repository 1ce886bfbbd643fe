// Scenario 4: never answer; the request stays Pending (cert-manager has no timeout for it).
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class Hang final : public Fault {
 public:
  explicit Hang(const ParameterSet& /*params*/) {}
  std::string_view type() const override { return "hang"; }
  FaultPhase phase() const override { return FaultPhase::kHold; }
  std::string describe() const override { return "holds the request for ever (never answers)"; }
  std::optional<std::chrono::nanoseconds> holdFor(const RequestContext& /*ctx*/,
                                                  Random& /*random*/) const override {
    return kHoldForever;
  }
};

}  // namespace

const FaultFactory& hang() {
  static const FaultFactory kFactory{{"hang", "never answer: the request stays Pending", {}},
                                     &make<Hang>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
