// Controller: the issuer process's machinery: informers for ChaosIssuers, ChaosClusterIssuers,
// CertificateRequests and Namespaces; two work queues and their workers; the /metrics,
// /healthz and /readyz endpoints; optional leader election.
#pragma once

#include <memory>
#include <string>

#include "certchaos/common/result.h"
#include "certchaos/kube/client.h"

namespace certchaos::issuer {

struct ControllerOptions {
  std::string clusterResourceNamespace = "certchaos-system";
  std::string listenAddress = "127.0.0.1:0";  // metrics and health
  std::string addressFile;                    // receives {"address": "host:port"}
  int workers = 4;
  bool leaderElect = false;
  std::string leaseNamespace = "certchaos-system";
  std::string identity;  // for leader election; default: hostname + pid
};

// Runs until SIGINT/SIGTERM; returns the exit code.
int runController(std::shared_ptr<kube::Client> client, const ControllerOptions& options);

}  // namespace certchaos::issuer
