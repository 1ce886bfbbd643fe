// Scenario 25: the CA signs as usual, with a CRL distribution point naming the CRL the issuer
// serves, then publishes the certificate as revoked there `revokeAfter` later, as CAs did in mass
// revocations (Let's Encrypt 2020, DigiCert 2024). Only the first `count` certificates of the
// scenario are revoked: the replacements are not. cert-manager reads no CRL, so what replaces a
// revoked certificate is for the runner to observe (`window`, `response`, `renewAfter`).
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class Revoked final : public Fault {
 public:
  explicit Revoked(const ParameterSet& params)
      : revokeAfter_(std::chrono::duration_cast<std::chrono::system_clock::duration>(
            params.duration("revokeAfter"))),
        revokeAfterText_(durationText(params, "revokeAfter")),
        count_(params.integer("count")) {}
  std::string_view type() const override { return "revoked"; }
  FaultPhase phase() const override { return FaultPhase::kSigning; }
  std::string describe() const override {
    return "signed with a CRL distribution point and published the certificate as revoked " +
           revokeAfterText_ + " after signing";
  }
  Result<void> shape(SigningPlan& plan, Random& /*random*/) const override {
    if (plan.crlUrl.empty()) {
      return makeError("NoCRL",
                       "scenario revoked: this issuer publishes no CRL (it was started without an "
                       "HTTP listener), so it cannot revoke what it signs; run certchaos-issuer "
                       "with --listen");
    }
    plan.leaf.crlDistributionPoints = {plan.crlUrl};
    if (plan.revokedSinceChaos >= count_) {
      plan.appliedNote = "signed with CRL distribution point " + plan.crlUrl +
                         ", not revoked: the scenario revokes the first " + std::to_string(count_) +
                         " certificate(s) only, and this is a replacement";
      return {};
    }
    plan.revokeAt = std::chrono::time_point_cast<std::chrono::seconds>(plan.now) + revokeAfter_;
    plan.appliedNote = "signed with CRL distribution point " + plan.crlUrl +
                       "; published as revoked " + revokeAfterText_ + " after signing";
    return {};
  }

 private:
  std::chrono::system_clock::duration revokeAfter_;
  std::string revokeAfterText_;
  std::int64_t count_;
};

}  // namespace

const FaultFactory& revoked() {
  static const FaultFactory kFactory{
      {"revoked",
       "sign with a CRL distribution point, then publish the certificate as revoked in the "
       "issuer's CRL",
       {param("revokeAfter", ParameterKind::kDuration, "5m",
              "how long after signing the certificate is listed in the CRL"),
        param("count", ParameterKind::kInteger, "1",
              "how many certificates of the scenario are revoked (the first ones); later ones, "
              "the replacements, are not",
              {}, true),
        param("window", ParameterKind::kDuration, "15m",
              "the runner: the compliance window in which the revoked certificate must be "
              "replaced and the replacement served (CA/B Forum: 24h for a key compromise, 5 "
              "days otherwise); shorter than the certificate's lifetime",
              {}, true),
        param("response", ParameterKind::kEnum, "none",
              "the runner: what answers the revocation: none (cert-manager alone, which reads no "
              "CRL) or renew (the runner renews as an operator would, renewAfter after it saw "
              "the revocation)",
              {"none", "renew"}),
        param("renewAfter", ParameterKind::kDuration, "0s",
              "the runner, response=renew: how long the operator takes to renew after the "
              "revocation is seen")}},
      &make<Revoked>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
