// The steady-state hypothesis as checks over a run's evidence, and the verdict that follows from
// them. The catalog declares each scenario's checks (chaos::CheckSpec); the runner gathers the
// Evidence; every check kind lives in src/scenario/checks/<kind>.cc. Plain values throughout, so
// that checks and verdict can be tested over synthetic evidence.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/chaos/catalog.h"
#include "certchaos/common/result.h"
#include "certchaos/common/time.h"
#include "certchaos/report/report.h"

namespace certchaos::scenario {

// A change in what the application served or how the probe judged it.
struct ProbeObservation {
  SystemTime at{};
  bool ok = false;
  std::string error;         // why the probe failed; empty when ok
  std::string servedSerial;  // empty when nothing was served (connection refused...)
  bool revoked = false;      // the CRL named by the served leaf lists it (revoked)
};

// root-rotation: what one client trust made of the served chain, at each change. A client trust is
// a CA bundle a client could hold: the one from before the rotation, and each ca.crt the Secret
// held since (from when it held it).
struct TrustObservation {
  SystemTime at{};
  std::string trust;  // which bundle: "the CA bundle from before the rotation (CN=...)"
  bool ok = false;
  std::string error;         // why the chain did not verify; empty when ok
  std::string servedSerial;  // empty when nothing was served
  std::string servedIssuer;  // the served leaf's issuer common name
};

// A CA certificate as trust is matched: its subject and its public key (SHA-256 of the
// SubjectPublicKeyInfo, hex). A cross-signed certificate and its self-signed root share both.
struct RootIdentity {
  std::string subject;  // "CN=certchaos alternate root"
  std::string keyHash;
  bool operator==(const RootIdentity&) const = default;
};
// The certificates of a PEM bundle (ca.crt, a trust store) as identities; unreadable ones are
// left out.
std::vector<RootIdentity> rootIdentities(const std::string& pem);

// A certificate the Secret held during the run.
struct SecretObservation {
  SystemTime at{};
  std::string serial;
  std::string issuer;  // the issuer's common name
  SystemTime notAfter{};
  std::optional<RootIdentity> caRoot{};  // the last certificate of ca.crt, when it has one
};

// A CertificateRequest of the Certificate, created during the run.
struct RequestObservation {
  std::string name;
  SystemTime createdAt{};
  bool approved = false;
  bool denied = false;
  bool issued = false;
  bool failed = false;
  std::optional<SystemTime> decidedAt;  // issued, failed or denied
  std::string certificateSerial;        // of status.certificate, when issued
  std::string certificateIssuer{};      // its issuer's common name
  // cert-manager's own schedule, not a retry: created at or after the renewal time of a
  // certificate that the run saw stored and that lived until that time (a healthy renewal
  // cycle; a certificate whose renewal time had passed when it was stored re-issues at once
  // and that request is counted).
  bool scheduledRenewal = false;
};

// Where a signal showed, in the order a failing renewal shows it: the request is answered with a
// failure, someone emits a Warning Event, the Certificate turns Ready=False (which cert-manager's
// certmanager_certificate_ready_status metric follows).
enum class SignalChannel { kRequestFailed, kWarningEvent, kCertificateNotReady, kOther };

// Something that tells a human the renewal is in trouble: the Certificate's Ready=False, a failed
// or denied CertificateRequest, a Warning Event (not the chaos issuer's own fault Events).
struct SignalObservation {
  SystemTime at{};
  std::string message;
  SignalChannel channel = SignalChannel::kOther;
};

// renewal-storm (28): the Certificates the run renewed together (the one under test and the
// copies the run made of it) and the CertificateRequests each made during the run.
struct StormObservation {
  int certificates = 0;
  std::optional<SystemTime> forcedAt;
  std::map<std::string, std::vector<RequestObservation>> requests;  // by Certificate name
};

// What a storm's requests show; a pure function of StormObservation (the checks judge it, the
// runner reports it).
struct StormFigures {
  int certificates = 0;
  int requests = 0, issued = 0, failed = 0;
  int concluded = 0;  // Certificates whose latest request was answered (issued, failed, denied)
  std::optional<SystemTime> allConcludedAt;  // when the last of them concluded
  int peakInFlight = 0;                      // requests created and not yet answered, at once
  std::optional<SystemTime> peakAt;
  std::vector<std::pair<SystemTime, int>> inFlight;  // after each change, in time order
  std::optional<SystemTime> firstRequestAt, lastIssuedAt;
  double issuedPerSecond = 0;                 // issued ÷ (last issuance − first request)
  std::map<int, int> requestsPerCertificate;  // N requests -> how many Certificates made N
  int mostRequests = 0;
  std::string mostRequestsCertificate;
  // Retries: a request of a Certificate after a failed one of the same Certificate, and the
  // shortest time from such a failure to the retry (cert-manager's back-off, when it holds).
  int retries = 0;
  std::optional<std::chrono::nanoseconds> shortestRetryGap;
  std::string shortestRetryCertificate;
};
StormFigures stormFigures(const StormObservation& storm);

struct Evidence {
  SystemTime now{};      // when the checks are evaluated
  bool ended = false;    // the run has stopped observing: nothing more will come
  double timeScale = 1;  // tolerances given as nominal durations are divided by it
  std::optional<SystemTime> renewalForcedAt;
  std::string baseSerial;  // the certificate in force when the run started
  std::optional<SystemTime> baseNotAfter;
  std::string ownIssuer;    // common name of the issuer's CA; empty when it could not be read
  std::string rogueIssuer;  // rogue-issuer: common name of the rogue's CA, when known
  bool probing = false;     // an application is probed
  int probeCount = 0;
  // When the application was last probed: `probes` records only changes, so this says up to when
  // the last recorded state is known to have lasted.
  std::optional<SystemTime> lastProbeAt;
  std::vector<ProbeObservation> probes;
  std::vector<SecretObservation> secret;
  std::vector<RequestObservation> requests;
  std::vector<SignalObservation> signals;
  std::vector<report::InjectionProof> proofs;
  // When cert-manager failed the run's issuance itself (the Certificate's Issuing=False, as for
  // a certificate it refuses: another key, undecodable): the renewal concluded without a
  // certificate even though the issuer answered the request.
  std::optional<SystemTime> issuanceFailedAt;
  // How long checks that must hold throughout (at most N requests...) keep watching once the
  // renewal has concluded before they count as settled (wall).
  std::chrono::nanoseconds settleTime = std::chrono::seconds(5);
  // outage-window: when the issuer's outage ended (status.activeSince + the scaled window), and
  // cert-manager's failure back-off in force during the run.
  std::optional<SystemTime> issuerRecoveredAt{};
  std::optional<report::CertManagerBackoff> backoff{};
  // The Certificate's status.renewalTime when the run forced the renewal.
  std::optional<SystemTime> renewalDueAt{};
  // root-rotation: every client trust the run saw, in the order it saw them, and what each made
  // of the served chain (trust-kept); when the issuer rotated its root and when it stops offering
  // the old one.
  std::vector<std::string> trusts{};
  std::vector<TrustObservation> trustProbes{};
  std::optional<SystemTime> rotatedAt{};
  std::optional<SystemTime> oldRootDroppedAt{};
  // revoked, response=renew: when the runner renewed as an operator would after the revocation.
  std::optional<SystemTime> operatorRenewalAt{};
  // renewal-storm: every Certificate of the storm and its requests.
  std::optional<StormObservation> storm{};
  // expired-cross-sign: the expired root an old client trusts alone ("CN=..., notAfter ..."),
  // and what that client saw at each probe (changes only, as `probes`).
  std::string oldClientRoot{};
  std::vector<ProbeObservation> oldClientProbes{};
  // chain-switch: the roots in the trust bundle the run's clients held before the switch.
  std::vector<RootIdentity> clientRoots{};
};

// One check, evaluated. `settled`: the outcome cannot change any more (a held invariant is not
// settled until the renewal has concluded and settleTime has passed).
struct CheckEvaluation {
  report::CheckOutcome outcome = report::CheckOutcome::kNotEvaluated;
  bool settled = false;
  std::string evidence;
  std::optional<SystemTime> at;
};

// The kinds of check the runner knows, by name ("probes-valid"...).
std::vector<std::string> checkKindNames();
// A known kind, known tolerance keys, values that parse: else what was expected and found.
Result<void> validateCheck(const chaos::CheckSpec& spec);
CheckEvaluation evaluateCheck(const chaos::CheckSpec& spec, const Evidence& evidence);

// A check as one run judges it: the scenario's own, one whose tolerance this run changed, or
// one this run added (certchaos run --check).
struct RunCheck {
  chaos::CheckSpec spec;
  report::CheckOrigin origin = report::CheckOrigin::kScenario;
  std::map<std::string, std::string> scenarioTolerance;  // kOverridden: what it replaced
};

// `--check NAME=VALUE` (the kind's tolerance; every kind has at most one key) or `--check NAME`
// (a kind without tolerance, or one added at its default): parsed, not yet checked against the
// kinds.
struct CheckOverride {
  std::string kind;
  std::optional<std::string> value;
};
Result<CheckOverride> parseCheckOverride(std::string_view text);

// The scenario's checks with the run's overrides: a kind the scenario declares gets the new
// tolerance, another kind is added (at the catalog's default tolerance when no value is given).
// Every result is validated; errors (code "BadInput") name the --check, what was found and what
// is allowed.
Result<std::vector<RunCheck>> applyCheckOverrides(const std::vector<chaos::CheckSpec>& scenario,
                                                  const std::vector<CheckOverride>& overrides);

struct CheckedHypothesis {
  std::vector<report::CheckResult> checks;  // in declaration order
  bool decided = false;                     // a check is violated, or every check is settled
};
CheckedHypothesis checkHypothesis(const std::vector<RunCheck>& checks, const Evidence& evidence);
// The scenario's checks as declared.
CheckedHypothesis checkHypothesis(const std::vector<chaos::CheckSpec>& specs,
                                  const Evidence& evidence);

struct VerdictInputs {
  std::string hypothesis;
  std::vector<report::CheckResult> checks;
  bool injected = false;    // the fault is proven injected (report.proofOfInjection)
  std::string proofNeeded;  // what would have proven it, for the inconclusive summary
  bool aborted = false;
  bool circuitBreaker = false;
  int maxRequests = 0;
  std::string whyNotInjected{};  // a cause seen for the missing proof, with what to do
};

// passed only if every check held and the fault is proven injected; failed when a check is
// violated (or the circuit breaker tripped); inconclusive without proof of injection or with a
// check not evaluated; aborted when the run was stopped.
report::Verdict decideVerdict(const VerdictInputs& in);

}  // namespace certchaos::scenario

namespace certchaos::scenario {

// The objects a run observes. An Event counts as evidence only when it is about one of them:
// the Certificate, its CertificateRequests (cert-manager names them <certificate>-<n>), its
// Secret or the issuer; other Certificates' renewals in the namespace are not this run's story.
struct RunObjects {
  std::string certificate;
  std::string secret;
  std::string issuerKind;
  std::string issuer;
};
bool eventConcernsRun(const RunObjects& objects, const std::string& involvedKind,
                      const std::string& involvedName);

// cert-manager's request manager names a CertificateRequest after the Certificate's next revision
// and, when its cache lags behind its own create, relies on the API server's AlreadyExists to keep
// it from creating the request twice (StableCertificateRequestName). It records that as a Warning
// Event "RequestFailed: Failed to create CertificateRequest: ... already exists" and goes on with
// the request that exists: a healthy issuance can show it, so it signals no failure.
bool isExpectedCreateConflict(const std::string& reason, const std::string& message);

}  // namespace certchaos::scenario

namespace certchaos::scenario {

// The certificate a Secret holds, as the start conditions read it.
struct CertificateFacts {
  std::string serial;
  SystemTime notBefore{};
  SystemTime notAfter{};
  std::string issuer;  // common name
};

// What is wrong with the base a run would start from, "" when it is sound: a certificate valid
// now, issued by the issuer's own CA (`ownIssuer`, skipped when unknown). Nothing is injected on
// a broken base: a fault would be blamed for what the previous run left.
std::string baseProblem(const std::optional<CertificateFacts>& leaf, SystemTime now,
                        const std::string& ownIssuer);

}  // namespace certchaos::scenario
