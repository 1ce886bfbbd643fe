// Scenario 13: the leaf is valid but signed by an intermediate that has expired (or expires
// before the leaf), as with Firefox add-ons 2019 and AddTrust 2020.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class ExpiredIntermediate final : public Fault {
 public:
  explicit ExpiredIntermediate(const ParameterSet& params)
      : mode_(params.text("mode")),
        ago_(std::chrono::duration_cast<std::chrono::seconds>(params.duration("expiredFor"))),
        text_(durationText(params, "expiredFor")) {}
  std::string_view type() const override { return "expired-intermediate"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return mode_ == "expired"
               ? "signed with an intermediate CA that expired " + text_ + " ago"
               : "signed with an intermediate CA that expires halfway through the leaf's life";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(plan.now);
    const auto lifetime = plan.leaf.notAfter - plan.leaf.notBefore;
    SystemTime notBefore, notAfter;
    if (mode_ == "expired") {
      notAfter = now - ago_;
      notBefore = notAfter - std::chrono::hours(24 * 365);
    } else {
      notBefore = now - std::chrono::hours(1);
      notAfter = plan.leaf.notBefore + lifetime / 2;
    }
    auto intermediate = plan.signer->issueIntermediate(
        "certchaos expired intermediate", pki::KeyAlgorithm::kEcdsaP256, notBefore, notAfter);
    if (!intermediate) return intermediate.error();
    plan.signer = std::make_shared<const pki::SigningAuthority>(std::move(*intermediate));
    return {};
  }

 private:
  std::string mode_;
  std::chrono::seconds ago_;
  std::string text_;
};

}  // namespace

const FaultFactory& expiredIntermediate() {
  static const FaultFactory kFactory{
      {"expired-intermediate",
       "sign the leaf with an intermediate that is expired (or expires before the leaf)",
       {param("mode", ParameterKind::kEnum, "expired",
              "expired: the intermediate's notAfter is past; expires-before-leaf: it ends halfway "
              "through the leaf's lifetime",
              {"expired", "expires-before-leaf"}),
        param("expiredFor", ParameterKind::kDuration, "1h",
              "expired mode: how long ago the intermediate expired")}},
      &make<ExpiredIntermediate>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
