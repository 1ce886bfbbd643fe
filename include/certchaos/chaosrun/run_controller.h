// The runner controller: executes ChaosRuns with the runner library (scenario::runScenario).
// Waiting runs have their start conditions evaluated and written to status; a run whose
// conditions hold (and whose issuer no other run uses) runs on a thread of its own; its verdict
// and report (a ConfigMap it owns) are written back. Restart-safe: a Running run that no live
// controller owns is rolled back (the issuer made healthy and seen Ready) and ends Aborted.
// Deleting a run stops it with its rollback (finalizer certchaos.io/rollback).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "certchaos/kube/client.h"

namespace certchaos::chaosrun {

struct RunControllerOptions {
  std::string runsDir;   // each run's files (report, collected logs) under runsDir/<run id>
  std::string stateDir;  // the local plane's state: the issuer's, cert-manager's and apps' logs
  std::string listenAddress = "127.0.0.1:0";  // /healthz, /readyz
  std::string addressFile;                    // receives {"address": "host:port"}
  bool leaderElect = false;
  std::string leaseNamespace = "certchaos-system";
  std::string identity;  // default: hostname, pid and start time
  // How often a Waiting run's start conditions are looked at again.
  std::chrono::milliseconds recheckInterval{1000};
};

// Runs until SIGINT/SIGTERM; returns the exit code.
int runRunController(std::shared_ptr<kube::Client> client, const RunControllerOptions& options);

}  // namespace certchaos::chaosrun
