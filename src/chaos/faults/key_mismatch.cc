// Scenario 20: certify a different public key (same type and size) than the CSR's;
// cert-manager v1.20+ refuses it with backoff, older versions store it.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class KeyMismatch final : public Fault {
 public:
  explicit KeyMismatch(const ParameterSet& /*params*/) {}
  std::string_view type() const override { return "key-mismatch"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return "certified a different public key than the CSR's";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    auto key = pki::PrivateKey::generate(plan.csr->keyInfo().algorithm());
    if (!key) return key.error();
    plan.substituteKey = std::make_shared<pki::PrivateKey>(std::move(*key));
    return {};
  }
};

}  // namespace

const FaultFactory& keyMismatch() {
  static const FaultFactory kFactory{
      {"key-mismatch", "issue the certificate for another public key than the CSR's", {}},
      &make<KeyMismatch>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
