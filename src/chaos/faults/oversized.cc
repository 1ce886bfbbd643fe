// Scenario 24: a sound leaf and chain, followed by extra copies of the issuer's CA certificate
// until status.certificate holds at least `size` bytes of PEM, as a CA that returns an overgrown
// bundle. cert-manager v1.21.1 decodes status.certificate as a bundle of at most 330000 bytes of
// PEM (internal/pem: CERT_MANAGER_MAX_BUNDLE_CERTS 150 × CERT_MANAGER_ESTIMATED_CERT_SIZE 2200; as
// seen on the local plane, "provided PEM data was larger than the maximum 330000B"); below that it
// stores the whole chain in the Secret.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class Oversized final : public Fault {
 public:
  explicit Oversized(const ParameterSet& params)
      : size_(static_cast<std::size_t>(params.integer("size"))) {}
  std::string_view type() const override { return "oversized"; }
  FaultPhase phase() const override { return FaultPhase::kOutput; }
  std::string describe() const override {
    return "returned the chain padded with copies of the CA certificate to at least " +
           std::to_string(size_) + " bytes of PEM (cert-manager v1.21 decodes at most 330000)";
  }
  void reshape(SignedOutput& out, Random& /*random*/) const override {
    // The padding: the CA certificate (status.ca), else the chain's last certificate.
    std::string pad = out.caPem;
    if (pad.empty()) {
      const auto at = out.certificatePem.rfind("-----BEGIN CERTIFICATE-----");
      if (at == std::string::npos) return;
      pad = out.certificatePem.substr(at);
    }
    if (pad.empty()) return;
    if (out.certificatePem.back() != '\n') out.certificatePem += '\n';
    while (out.certificatePem.size() < size_) out.certificatePem += pad;
  }

 private:
  std::size_t size_;
};

}  // namespace

const FaultFactory& oversized() {
  static const FaultFactory kFactory{
      {"oversized",
       "pad status.certificate with copies of the CA certificate past cert-manager's size limit",
       {param("size", ParameterKind::kInteger, "400000",
              "bytes of PEM to reach at least: over 330000 cert-manager v1.21 refuses to decode "
              "the chain, below it stores the whole chain; at most 1048576 (a CertificateRequest "
              "must still fit in etcd's 1.5 MiB)",
              {}, true)}},
      &make<Oversized>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
