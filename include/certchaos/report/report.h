// The report of one chaos run: the model behind report.json and every rendering of it
// (DESIGN.md §5). Plain values; building, parsing and rendering live in their own headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/common/time.h"

namespace certchaos::report {

using Duration = std::chrono::nanoseconds;

// The report.json format version. A reader refuses any other version rather than guessing.
inline constexpr int kReportSchemaVersion = 1;

struct Scenario {
  int number = 0;                                 // 1 rogue-issuer, 2 skip-approval, 3 sleep...
  std::string name;                               // "sleep"
  std::map<std::string, std::string> parameters;  // "delay" -> "1h", as given with --set
  std::uint64_t seed = 0;                         // replays every random choice of the run
  // The scenario's other knobs, at the defaults in force ("jitter" -> "0"): a reader sees every
  // value the fault ran with, not only the ones given.
  std::map<std::string, std::string> defaults;

  friend bool operator==(const Scenario&, const Scenario&) = default;
};

// cert-manager's failure back-off during the run: its trigger controller retries a failed
// issuance after minimum × 2^(failures−1), at most maximum. Divided by the time scale on the local
// plane; cert-manager's own figures (1h, 32h) where certchaos cannot set them.
struct CertManagerBackoff {
  bool scaled = false;  // divided by the run's time scale
  Duration minimum{};   // wall, in force during the run
  Duration maximum{};
  std::string note;  // how it was scaled, or why not

  friend bool operator==(const CertManagerBackoff&, const CertManagerBackoff&) = default;
};

struct Run {
  std::string id;  // unique per run, also the runs/ directory name
  Scenario scenario;
  double timeScale = 1.0;                       // nominal duration = wall duration × timeScale
  std::string cluster;                          // "local" or the kubeconfig context / server
  std::map<std::string, std::string> versions;  // "certchaos", "cert-manager", "kubernetes"...
  SystemTime startedAt{};
  SystemTime endedAt{};
  std::optional<CertManagerBackoff> certManagerBackoff;  // absent in reports of older runs

  friend bool operator==(const Run&, const Run&) = default;
};

enum class VerdictResult {
  kPassed,        // the hypothesis held
  kFailed,        // the hypothesis did not hold: the application was hurt
  kAborted,       // the run was stopped (certchaos abort, Ctrl-C, a runner error)
  kInconclusive,  // the run ended without evidence either way (e.g. the fault never applied)
};

// One check of the scenario's steady-state hypothesis, as judged over the run's evidence.
enum class CheckOutcome {
  kHeld,          // the evidence shows it held (over the observed window, for an invariant)
  kViolated,      // the evidence shows it did not hold
  kNotEvaluated,  // the run ended before the evidence could tell (or nothing to check against)
};

// Where a check of the run came from: the scenario's hypothesis as declared, or changed for this
// run (certchaos run --check NAME=TOLERANCE), or added for this run.
enum class CheckOrigin { kScenario, kOverridden, kAdded };

struct CheckResult {
  std::string name;                              // kebab-case: "renewed-before-expiry"
  std::string description;                       // "renewal completes before notAfter - margin"
  std::map<std::string, std::string> tolerance;  // "margin" -> "0s", as the run judged it
  CheckOutcome outcome = CheckOutcome::kNotEvaluated;
  std::string evidence;            // what decided it, or why it could not be decided
  std::optional<SystemTime> at{};  // when it was decided; absent when not evaluated
  CheckOrigin origin = CheckOrigin::kScenario;
  // kOverridden: the tolerance the scenario declares, which this run replaced.
  std::map<std::string, std::string> scenarioTolerance{};

  friend bool operator==(const CheckResult&, const CheckResult&) = default;
};

struct Verdict {
  VerdictResult result = VerdictResult::kInconclusive;
  std::string hypothesis;             // "the application keeps serving a valid certificate"
  std::string failingStep;            // the violated check's name ("renewed-before-expiry") or
                                      // "circuit-breaker"; empty unless failed
  std::string summary;                // one or two sentences for humans
  std::vector<CheckResult> checks{};  // every check of the hypothesis, in declaration order

  friend bool operator==(const Verdict&, const Verdict&) = default;
};

// One piece of evidence that the fault was really applied, from the issuer's own signals (or, for
// a runner-side scenario, the runner's own act).
// kRunnerAction: a runner-side scenario's own act (the forced renewal of scenario 26).
enum class EvidenceSource { kIssuerEvent, kIssuerMetric, kIssuerLog, kIssuerStatus, kRunnerAction };

struct InjectionProof {
  std::string fault;  // "sleep"
  EvidenceSource source = EvidenceSource::kIssuerEvent;
  std::string evidence;  // the event message, the metric sample, the log line
  SystemTime at{};

  friend bool operator==(const InjectionProof&, const InjectionProof&) = default;
};

// Who made an observation.
enum class Source { kIssuer, kCertManager, kKubernetesEvent, kApplication, kProbe, kRunner };

struct TimelineEntry {
  SystemTime wallTime{};
  Duration nominalTime{};  // (wallTime − run.startedAt) × run.timeScale; see nominalOffset()
  Source source = Source::kRunner;
  std::string kind;  // a short CamelCase tag, see namespace kinds
  std::string message;
  std::string object;  // "CertificateRequest default/demo-1"; empty when none

  friend bool operator==(const TimelineEntry&, const TimelineEntry&) = default;
};

// The timeline kinds the renderers know how to draw as arrows between participants; any other
// kind is still reported, drawn as a note over the participant of its source.
namespace kinds {
inline constexpr std::string_view kRunStarted = "RunStarted";
inline constexpr std::string_view kScenarioDeployed = "ScenarioDeployed";  // runner → issuer
inline constexpr std::string_view kRenewalForced = "RenewalForced";        // runner → cm
inline constexpr std::string_view kRequestCreated = "CertificateRequestCreated";  // cm → issuer
inline constexpr std::string_view kFaultInjected = "FaultInjected";
inline constexpr std::string_view kRequestHeld = "RequestHeld";
inline constexpr std::string_view kRequestSigned = "RequestSigned";  // issuer → cm
inline constexpr std::string_view kSecretUpdated = "SecretUpdated";  // cm → app
inline constexpr std::string_view kCertificateServed = "CertificateServed";
inline constexpr std::string_view kCertificateExpired = "CertificateExpired";
inline constexpr std::string_view kProbeSucceeded = "ProbeSucceeded";  // probe → app
inline constexpr std::string_view kProbeFailed = "ProbeFailed";        // probe → app
inline constexpr std::string_view kRecovered = "Recovered";
inline constexpr std::string_view kRolledBack = "RolledBack";  // runner → issuer
inline constexpr std::string_view kAborted = "Aborted";
inline constexpr std::string_view kCircuitBreakerTripped = "CircuitBreakerTripped";
}  // namespace kinds

// One link of the causal chain.
struct ChainLink {
  std::string step;  // kebab-case, see namespace steps
  SystemTime at{};
  std::optional<Duration> durationFromPrevious;  // wall time; absent on the first link
  std::string message;                           // optional detail; empty when none

  friend bool operator==(const ChainLink&, const ChainLink&) = default;
};

namespace steps {
inline constexpr std::string_view kFaultInjected = "fault-injected";
inline constexpr std::string_view kRequestHeld = "request-held";
inline constexpr std::string_view kCertificateExpired = "certificate-expired";
inline constexpr std::string_view kProbeFailed = "probe-failed";
inline constexpr std::string_view kRequestSigned = "request-signed";
inline constexpr std::string_view kRenewedServed = "renewed-served";
inline constexpr std::string_view kRecovered = "recovered";
}  // namespace steps

struct CertificateInfo {
  std::string serial;  // hex, as openssl prints it
  SystemTime notBefore{};
  SystemTime notAfter{};
  std::string issuer;   // distinguished name
  std::string subject;  // distinguished name
  std::vector<std::string> dnsNames;
  std::vector<std::string> ipAddresses;

  friend bool operator==(const CertificateInfo&, const CertificateInfo&) = default;
};

struct Certificates {
  std::optional<CertificateInfo> before;  // served when the run started
  std::optional<CertificateInfo> after;   // served when the run ended

  friend bool operator==(const Certificates&, const Certificates&) = default;
};

// What the same fault would do under production settings — the question the engineer has.
struct Prediction {
  std::string text;
  std::map<std::string, std::string> assumptions;  // "certificateDuration" -> "2160h0m0s"...

  friend bool operator==(const Prediction&, const Prediction&) = default;
};

// Where one collected log came from, and where its redacted copy is (or why it could not be read).
struct CollectedLog {
  std::string component{};  // "issuer", "cert-manager", "app"...
  std::string origin{};     // kLogFromFile or kLogFromPods
  // origin file: the file's path; pods/log: namespace/pod[/container], or for a failure before
  // any pod was found, the namespace and selector ("cert-manager -l app=x").
  std::string from{};
  bool previous = false;  // the container's instance before its last restart
  std::string path{};     // the collected, redacted copy; empty when it could not be read
  std::string error{};    // why it could not be read; empty when it was

  // "file /var/log/issuer.log", "pods/log ns/pod/container (previous)".
  std::string describe() const;

  friend bool operator==(const CollectedLog&, const CollectedLog&) = default;
};
inline constexpr std::string_view kLogFromFile = "file";
inline constexpr std::string_view kLogFromPods = "pods/log";

struct Artifacts {
  std::vector<std::string> logs;  // paths of the collected (redacted) logs
  // One entry per log the run tried to collect (reports before them have none).
  std::vector<CollectedLog> logSources;

  friend bool operator==(const Artifacts&, const Artifacts&) = default;
};

struct Report {
  int schemaVersion = kReportSchemaVersion;
  Run run;
  Verdict verdict;
  std::vector<InjectionProof> proofOfInjection;
  std::vector<TimelineEntry> timeline;  // in wall-time order
  std::vector<ChainLink> chain;         // in wall-time order
  Certificates certificates;
  std::optional<Duration> timeToFailure;   // wall: from the fault's injection to the first failure
  std::optional<Duration> timeToRecovery;  // wall: from the first failure to recovery
  int certificateRequestCount = 0;
  bool circuitBreakerTripped = false;
  std::optional<Prediction> prediction;
  Artifacts artifacts;

  friend bool operator==(const Report&, const Report&) = default;
};

// The wire names of the enums ("passed", "cert-manager", "issuer-event"...).
std::string_view toString(VerdictResult v);
std::string_view toString(Source s);
std::string_view toString(EvidenceSource s);
std::string_view toString(CheckOutcome o);  // "held", "violated", "not-evaluated"
std::string_view toString(CheckOrigin o);   // "scenario", "overridden", "added"
Result<VerdictResult> parseVerdictResult(std::string_view text);
Result<Source> parseSource(std::string_view text);
Result<EvidenceSource> parseEvidenceSource(std::string_view text);
Result<CheckOutcome> parseCheckOutcome(std::string_view text);
Result<CheckOrigin> parseCheckOrigin(std::string_view text);

// The nominal offset of `wall` from the start of the run: (wall − startedAt) × timeScale.
Duration nominalOffset(const Run& run, SystemTime wall);
// Scales a wall duration to nominal time.
Duration toNominal(const Run& run, Duration wall);

// Fills timeline[].nominalTime from the wall times, and chain[].durationFromPrevious from the
// link times, then sorts both by wall time (stable). The runner calls it before writing.
void finalizeTimes(Report& report);

}  // namespace certchaos::report
