// FaultEngine: the compiled chaos of one issuer. It decides, per CertificateRequest, what the
// reconciler should do (healthy behaviour when no fault fires) and signs with the faults'
// changes. It holds no per-request state and blocks no thread: holds come back as deadlines.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certchaos/chaos/chaos_spec.h"
#include "certchaos/chaos/decision.h"
#include "certchaos/chaos/fault.h"
#include "certchaos/chaos/request_context.h"
#include "certchaos/common/random.h"
#include "certchaos/common/result.h"
#include "certchaos/pki/csr.h"
#include "certchaos/pki/signer.h"
#include "certchaos/pki/signing_authority.h"

namespace certchaos::chaos {

// A fault with its firing settings.
struct ConfiguredFault {
  std::shared_ptr<const Fault> fault;
  double probability = 1.0;
  std::uint64_t seed = 0;
  // The spec's seed when `seed` was derived from it (reports name the spec's seed).
  std::optional<std::uint64_t> specSeed{};
  std::string origin;  // where it came from: "scenario 3 (sleep)", "spec.faults[1]"
  std::map<std::string, std::string> parameters;  // as given or defaulted, unscaled (reports)
};

class FaultEngine {
 public:
  // No faults: a well-behaved CA issuer.
  FaultEngine() = default;
  explicit FaultEngine(std::vector<ConfiguredFault> faults, std::int64_t timeScale = 1)
      : faults_(std::move(faults)), timeScale_(timeScale) {}

  // Resolves spec.scenario (+ spec.parameters) and spec.faults into faults. Seeds: a fault's own
  // seed, else spec.seed mixed with its position, else one drawn from `seedSource` (so a spec
  // without seeds is random per issuer start, and reproducible with them).
  static Result<FaultEngine> fromSpec(const ChaosSpec& spec, Random& seedSource = defaultRandom());

  Decision decide(const RequestContext& ctx) const;

  // Signs for a request that decide() answered with kSign: cert-manager's template (an
  // "InvalidRequest" error if the CSR and spec disagree), the time scale, then the signing and
  // output faults of `decision`.
  Result<SignedOutput> sign(const Decision& decision, const RequestContext& ctx,
                            const pki::CertificateSigningRequest& csr, const pki::RequestSpec& spec,
                            const pki::SigningAuthority& authority) const;

  bool healthy() const { return faults_.empty(); }
  const std::vector<ConfiguredFault>& faults() const { return faults_; }
  std::int64_t timeScale() const { return timeScale_; }
  // One line for status and logs: "sleep(delay=1h, jitter=0) p=1 seed=42; ..." or "healthy".
  std::string summary() const;

 private:
  // The random stream of faults_[index] for this request (the same at every call), with its
  // first draw already taken: the one that decided whether the fault fires.
  std::unique_ptr<Random> streamFor(std::size_t index, const RequestContext& ctx,
                                    bool* fires) const;

  std::vector<ConfiguredFault> faults_;
  std::int64_t timeScale_ = 1;
};

}  // namespace certchaos::chaos
