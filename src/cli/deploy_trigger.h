// The original trigger (DESIGN.md §2, step 3): `deploy issuer NAME --scenario N` arms the end
// scenario. A ChaosRun is created beside the issuer, waiting (spec.awaitIssuerScenario) until
// the issuer carries the scenario, Ready at its new generation, and a certificate it signed is
// in the Certificate's Secret; then the runner controller runs it.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "certchaos/common/result.h"
#include "cli_context.h"
#include "deploy_actions.h"

namespace certchaos::cli {

struct TriggerFlags {
  bool noRun = false;           // --no-run: deploy the issuer only
  std::string certificate;      // --certificate NAME (default: the only one the issuer issues)
  std::string app;              // --app URL (default: the local app serving its Secret)
  std::string timeout = "10m";  // --run-timeout
  bool atRenewalTime = false;   // --at-renewal-time
  bool wait = false;            // --wait: follow the run to its end; the exit code is its verdict's
};

// The ChaosRun for `deployment` (a namespaced issuer with a scenario), or nullopt with a note on
// stderr when there is nothing to run (no scenario, --no-run, a dry run, no Certificate of the
// issuer yet). Fills in deployment.flags.seed (drawn when not given), so that the issuer and the
// run share it and the runner finds the scenario already in force.
Result<std::optional<nlohmann::json>> chaosRunFor(const CliContext& cli, const Target& target,
                                                  IssuerDeployment& deployment,
                                                  const TriggerFlags& flags);

// Creates the run (before the issuer is deployed, so that it is seen Waiting), deploys the
// issuer, and says how to follow the run; the run is deleted again if the deploy fails. Returns
// the run's name, or "" when no run was created.
Result<std::string> deployIssuerWithRun(const CliContext& cli, const Target& target,
                                        IssuerDeployment deployment, const TriggerFlags& flags);

// Follows ChaosRun ns/name until it ends (Completed or Aborted), showing its phase and what it
// waits for; returns the ended object. `timeout` bounds the whole wait (the run's own timeout,
// plus the time its start conditions take).
Result<nlohmann::json> waitForRunEnd(const CliContext& cli, kube::Client& client,
                                     const std::string& ns, const std::string& name,
                                     std::chrono::nanoseconds timeout);

// The exit code of an ended run, as `certchaos run` gives it for the same verdict (0 passed,
// 10 failed, 11 inconclusive, 12 aborted).
int exitCodeOfRun(const nlohmann::json& run);

}  // namespace certchaos::cli
