// IssuerReconciler: loads a ChaosIssuer / ChaosClusterIssuer: validates its spec, loads or
// creates its CA, builds its fault engine, reverts it to healthy after spec.ttl, and reports
// Ready with observedGeneration (and what to fix when it is not Ready).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "certchaos/issuer/ca_secret.h"
#include "certchaos/issuer/issuer_registry.h"
#include "certchaos/issuer/runtime.h"
#include "certchaos/kube/resource.h"

namespace certchaos::issuer {

class IssuerReconciler {
 public:
  IssuerReconciler(Runtime& runtime, IssuerRegistry& registry, std::string clusterResourceNamespace)
      : rt_(runtime), registry_(registry), clusterNamespace_(std::move(clusterResourceNamespace)) {}

  // Returns when to look again (the ttl's end; the CA Secret again, with back-off, while it is
  // missing or unusable), if ever.
  Result<std::optional<std::chrono::nanoseconds>> reconcile(const nlohmann::json& issuer);
  // The issuer is gone.
  void forget(const std::string& key);

 private:
  struct LoadedCa {
    std::shared_ptr<const pki::SigningAuthority> authority;
    SecretRef secret;
    std::string version;  // the Secret's resourceVersion
  };
  Result<LoadedCa> loadAuthority(const nlohmann::json& issuer, const chaos::CaSource& source,
                                 const std::string& key);
  // The selfSigned issuer's CA, created at `where`; nullopt if another writer created it first.
  Result<std::optional<LoadedCa>> createSelfSignedCa(const nlohmann::json& issuer,
                                                     const SecretRef& where,
                                                     const std::string& key);
  Result<void> writeStatus(const nlohmann::json& issuer, const nlohmann::json& status);
  // When to read a missing or unusable CA Secret again: later at each attempt.
  std::chrono::nanoseconds nextLookAt(const std::string& key);

  Runtime& rt_;
  IssuerRegistry& registry_;
  std::string clusterNamespace_;
  std::mutex mu_;
  std::map<std::string, int> notReadyAttempts_;        // per issuer key
  std::map<std::string, std::string> reportedSerial_;  // per issuer key: the CA it signs with
};

}  // namespace certchaos::issuer
