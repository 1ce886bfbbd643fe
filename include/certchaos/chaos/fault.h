// Fault: one kind of misbehaviour of the issuer, a small value type holding its parsed
// parameters. The engine consults faults by phase, in the order a request is handled;
// each fault overrides the one hook of its phase.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/chaos/decision.h"
#include "certchaos/chaos/request_context.h"
#include "certchaos/common/random.h"
#include "certchaos/common/result.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/pki/csr.h"
#include "certchaos/pki/signing_authority.h"

namespace certchaos::chaos {

enum class FaultPhase {
  kAdmission,  // take requests a healthy issuer leaves alone (another issuer's)
  kApproval,   // override the approval gate (sign unapproved, or deny)
  kHold,       // keep the request Pending for a while, or for ever
  kFailure,    // answer with a failure instead of a certificate
  kSigning,    // change what is signed, by whom, and which chain is returned
  kOutput,     // change the bytes returned after signing
};

enum class ApprovalOverride { kNone, kAdmit, kDeny };

inline constexpr std::chrono::nanoseconds kHoldForever = std::chrono::nanoseconds::max();

// What the signing-phase faults edit before the leaf is signed.
struct SigningPlan {
  pki::CertificateTemplate leaf;  // from the request (validated), time scale applied
  const pki::CertificateSigningRequest* csr = nullptr;
  SystemTime now;
  // Who signs the leaf; starts as the issuer's own CA. Faults may swap in another authority
  // (an untrusted root, an expired intermediate...).
  std::shared_ptr<const pki::SigningAuthority> signer;
  const pki::SigningAuthority* configured = nullptr;  // the issuer's own CA, never null
  std::shared_ptr<pki::PrivateKey> substituteKey;     // certify this key instead of the CSR's
  bool omitIntermediates = false;                     // return the leaf alone
  std::optional<std::string> caPem;                   // status.ca override
  // The firing fault's seed (the same for every request, unlike the random stream handed to
  // shape) and when the issuer took its spec (RequestContext::chaosSince): what a fault needs to
  // make the same CA at every signing (root-rotation).
  std::uint64_t faultSeed = 0;
  std::optional<SystemTime> chaosSince;
  // From the RequestContext: where the issuer publishes its CRL, how many it revoked so far.
  std::string crlUrl;
  int revokedSinceChaos = 0;
  // revoked: when the issuer is to publish the signed certificate as revoked in its CRL.
  std::optional<SystemTime> revokeAt;
  // What the signing faults did to this request, when it differs from their describe() (a
  // revoked fault that revokes only the first certificate): the Event's message.
  std::string appliedNote;
  // Appended to status.certificate after the chain (a cross-signed certificate), unless
  // omitIntermediates.
  std::vector<pki::Certificate> extraChain{};
};

// status.certificate and status.ca before base64, and what was done to them.
struct SignedOutput {
  std::string certificatePem;
  std::string caPem;
  std::vector<AppliedFault> applied;
  std::optional<SystemTime> revokeAt;  // SigningPlan::revokeAt
};

class Fault {
 public:
  virtual ~Fault() = default;

  virtual std::string_view type() const = 0;
  virtual FaultPhase phase() const = 0;
  // What the fault does with its parameters, for Events and status ("holds for 1h0m0s").
  virtual std::string describe() const = 0;

  // kAdmission: sign a request whose issuerRef names another issuer.
  virtual bool admitsForeignRequest() const { return false; }
  // kApproval: for a request that is not Approved (or is Denied).
  virtual ApprovalOverride onApproval(const RequestContext& /*ctx*/) const {
    return ApprovalOverride::kNone;
  }
  // kHold: how long to hold from the hold's start; nullopt: no hold; kHoldForever: never answer.
  virtual std::optional<std::chrono::nanoseconds> holdFor(const RequestContext& /*ctx*/,
                                                          Random& /*random*/) const {
    return std::nullopt;
  }
  // kFailure: the failure to answer with, or nullopt to let the request through.
  virtual std::optional<Failure> fail(const RequestContext& /*ctx*/, Random& /*random*/) const {
    return std::nullopt;
  }
  // kSigning: edit the plan; an error fails the request with its message.
  virtual Result<void> shape(SigningPlan& /*plan*/, Random& /*random*/) const { return {}; }
  // kOutput: edit the signed bytes.
  virtual void reshape(SignedOutput& /*out*/, Random& /*random*/) const {}
};

// The Event reason for a fault type: "Chaos" + CamelCase(type), e.g. "ChaosRogueIssuer".
std::string eventReasonFor(std::string_view type);

}  // namespace certchaos::chaos
