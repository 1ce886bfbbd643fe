// Scenario 1: also sign requests whose issuerRef names another issuer (the original
// prototype's "ignore issuerRef.group"); only in namespaces that opted in.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class RogueIssuer final : public Fault {
 public:
  explicit RogueIssuer(const ParameterSet& /*params*/) {}
  std::string_view type() const override { return "rogue-issuer"; }
  FaultPhase phase() const override { return FaultPhase::kAdmission; }
  std::string describe() const override {
    return "signed a request addressed to another issuer (issuerRef ignored)";
  }
  bool admitsForeignRequest() const override { return true; }
};

}  // namespace

const FaultFactory& rogueIssuer() {
  static const FaultFactory kFactory{
      {"rogue-issuer", "also sign requests whose issuerRef names another issuer", {}},
      &make<RogueIssuer>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
