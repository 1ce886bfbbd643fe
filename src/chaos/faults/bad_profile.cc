// Scenario 21: a certificate whose profile clients reject: a wrong extendedKeyUsage, CA:TRUE on
// a leaf, a keyUsage without digitalSignature, or a SHA-1 signature.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class BadProfile final : public Fault {
 public:
  explicit BadProfile(const ParameterSet& params) : mode_(params.text("mode")) {}
  std::string_view type() const override { return "bad-profile"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    if (mode_ == "eku") return "issued with extendedKeyUsage codeSigning only";
    if (mode_ == "ca-leaf") return "issued the leaf with basicConstraints CA:TRUE";
    if (mode_ == "key-usage") return "issued with keyUsage cRLSign only";
    return "signed the certificate with SHA-1";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    if (mode_ == "eku") {
      plan.leaf.extKeyUsageOids = {"1.3.6.1.5.5.7.3.3"};  // codeSigning
    } else if (mode_ == "ca-leaf") {
      plan.leaf.isCA = true;
      plan.leaf.keyUsage |= pki::kCertSign;
    } else if (mode_ == "key-usage") {
      plan.leaf.keyUsage = pki::kCrlSign;
    } else {
      if (plan.signer->preferredDigest().empty()) {
        return makeError("FaultNotApplicable",
                         "bad-profile mode sha1 needs an RSA or ECDSA CA, found an Ed25519 CA "
                         "(which has no digest to choose); use another mode or CA");
      }
      plan.leaf.signatureDigest = "SHA1";
    }
    return {};
  }

 private:
  std::string mode_;
};

}  // namespace

const FaultFactory& badProfile() {
  static const FaultFactory kFactory{
      {"bad-profile",
       "issue a certificate with a profile clients reject",
       {param("mode", ParameterKind::kEnum, "eku",
              "eku: extendedKeyUsage codeSigning only; ca-leaf: CA:TRUE on the leaf; key-usage: "
              "keyUsage cRLSign only; sha1: a SHA-1 signature",
              {"eku", "ca-leaf", "key-usage", "sha1"})}},
      &make<BadProfile>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
