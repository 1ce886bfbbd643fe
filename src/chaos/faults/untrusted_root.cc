// Scenario 18: sign with a CA that clients do not trust (a fresh root). status.ca keeps the
// issuer's own CA unless publishRoot is "true", so ca.crt looks as usual and verification
// against it fails, as with a distrusted CA.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class UntrustedRoot final : public Fault {
 public:
  explicit UntrustedRoot(const ParameterSet& params)
      : publishRoot_(params.text("publishRoot") == "true") {}
  std::string_view type() const override { return "untrusted-root"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return std::string("signed with an untrusted root CA") +
           (publishRoot_ ? " and published it as status.ca" : "; status.ca is the usual CA");
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(plan.now);
    auto root = pki::SigningAuthority::generateRoot(
        "certchaos untrusted root", pki::KeyAlgorithm::kEcdsaP256, now - std::chrono::hours(1),
        std::max(plan.leaf.notAfter, SystemTime(now)) + std::chrono::hours(24 * 365));
    if (!root) return root.error();
    if (!publishRoot_) plan.caPem = plan.configured->chain().back().toPem();
    plan.signer = std::make_shared<const pki::SigningAuthority>(std::move(*root));
    return {};
  }

 private:
  bool publishRoot_;
};

}  // namespace

const FaultFactory& untrustedRoot() {
  static const FaultFactory kFactory{
      {"untrusted-root",
       "sign with a root CA the clients do not trust",
       {param("publishRoot", ParameterKind::kEnum, "false",
              "true: also return the untrusted root as status.ca (ca.crt)", {"false", "true"})}},
      &make<UntrustedRoot>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
