// The control plane's PKI: a serving CA and apiserver certificate, a client CA with an admin
// (system:masters) certificate, and the service-account signing key pair.
#pragma once

#include <string>
#include <vector>

#include "certchaos/common/result.h"

namespace certchaos::localcluster {

struct PlanePki {
  std::string dir;
  std::string caCert() const { return dir + "/ca.crt"; }
  std::string apiserverCert() const { return dir + "/apiserver.crt"; }
  std::string apiserverKey() const { return dir + "/apiserver.key"; }
  std::string clientCaCert() const { return dir + "/client-ca.crt"; }
  std::string adminCert() const { return dir + "/admin.crt"; }
  std::string adminKey() const { return dir + "/admin.key"; }
  std::string serviceAccountKey() const { return dir + "/sa.key"; }
  std::string serviceAccountPublicKey() const { return dir + "/sa.pub"; }
};

// Creates every file of PlanePki under dir (mode 0600 for keys). The API server's certificate is
// for 127.0.0.1 and the `kubernetes` Service's 10.0.0.1, and for `extraServerIps` (a node plane's
// bridge address, where it listens then).
Result<PlanePki> createPlanePki(const std::string& dir,
                                const std::vector<std::string>& extraServerIps = {});

// An admin kubeconfig with the CA and client credentials embedded as data.
Result<void> writeAdminKubeconfig(const PlanePki& pki, const std::string& serverUrl,
                                  const std::string& path);

// A kubeconfig for a service-account token (mode 0600; the token is a secret).
Result<void> writeTokenKubeconfig(const PlanePki& pki, const std::string& serverUrl,
                                  const std::string& userName, const std::string& token,
                                  const std::string& path);

}  // namespace certchaos::localcluster
