// The end-scenario runner (DESIGN.md §2): checks the start conditions, deploys the scenario on
// the ChaosIssuer, forces renewal as cmctl renew does, watches the Certificate, its requests,
// the Secret and the Events, probes the application over TLS, stops on a verdict (or the
// timeout, or the circuit breaker, or an abort), rolls the issuer back, collects the logs and
// writes the report.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stop_token>
#include <string>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/kube/client.h"
#include "certchaos/report/report.h"
#include "certchaos/scenario/checks.h"
#include "certchaos/scenario/log_source.h"

namespace certchaos::scenario {

struct ObjectRef {
  std::string ns;
  std::string name;
};

struct RunOptions {
  std::string scenario;                           // a number ("3") or a name ("sleep")
  std::map<std::string, std::string> parameters;  // --set k=v
  // --check NAME[=TOLERANCE]: the scenario's checks changed or added for this run.
  std::vector<CheckOverride> checkOverrides;
  std::optional<std::uint64_t> seed;
  ObjectRef certificate;                   // the Certificate under test
  ObjectRef issuer;                        // the ChaosIssuer (ns) to put the scenario on
  std::string issuerKind = "ChaosIssuer";  // or ChaosClusterIssuer (ns empty)
  std::string appUrl;                      // https://127.0.0.1:8443; empty: no probes
  std::string appServerName;  // name to verify; default: the certificate's first DNS name
  double timeScale = 1;       // every nominal duration / timeScale = wall duration
  std::chrono::nanoseconds timeout = std::chrono::minutes(10);  // wall
  std::chrono::milliseconds probeInterval{500};                 // wall
  int maxRequests = 20;  // circuit breaker: CertificateRequests created during the run that
                         // are not cert-manager's scheduled renewals
  // Leave the scenario on the issuer at the end, and the Certificate as the fault left it.
  bool keep = false;
  // When the base is broken (the Secret's certificate expired, not yet valid, or from another
  // issuer), repair it first (issuer healthy, renew and wait) instead of refusing to start.
  bool restore = false;
  // How long checks that must hold throughout keep watching once the renewal concluded (wall).
  std::chrono::nanoseconds settleTime = std::chrono::seconds(5);
  // How long restoring the base (before or after the run) may wait for a valid certificate.
  std::chrono::nanoseconds restoreTimeout = std::chrono::seconds(90);
  // Force the renewal at the Certificate's own renewal time (status.renewalTime) instead of at
  // once: the story of DESIGN.md §2, where the fault meets a renewal with the certificate's
  // renewBefore left. With time compression that wait is short.
  bool atRenewalTime = false;
  std::string runsDir;  // reports go to runsDir/<run id>/
  // Component ("issuer", "cert-manager", "app") → where its log is read at the end of the run.
  std::map<std::string, LogSource> logSources;
  std::string cluster = "local";
  // cert-manager's failure back-off during the run, as the caller arranged it (the CLI scales it
  // on the local plane); absent: reported as not scaled.
  std::optional<report::CertManagerBackoff> certManagerBackoff;
  std::ostream* progress = nullptr;  // one line per state change (a terminal shows more)
  bool terminal = false;
};

struct RunResult {
  report::Report report;
  std::string dir;  // runsDir/<run id>
};

// Exit codes of `certchaos run`, by verdict (documented in the README).
int exitCodeFor(report::VerdictResult verdict);

// Runs the scenario; `abort` (Ctrl-C, certchaos abort) ends it as aborted, with the rollback.
Result<RunResult> runScenario(std::shared_ptr<kube::Client> client, const RunOptions& options,
                              std::stop_token abort = {});

// cert-manager's own failure back-off (1h, doubling up to 32h), not scaled, for the reason `why`.
report::CertManagerBackoff productionBackoff(std::string why);

// The issuer spec's chaos fields set to healthy (what rollback and `certchaos abort` apply).
nlohmann::json healthyChaosPatch();

}  // namespace certchaos::scenario
