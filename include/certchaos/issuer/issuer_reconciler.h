// IssuerReconciler: loads a ChaosIssuer / ChaosClusterIssuer: validates its spec, loads or
// creates its CA, builds its fault engine, reverts it to healthy after spec.ttl, and reports
// Ready with observedGeneration (and what to fix when it is not Ready).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "certchaos/issuer/issuer_registry.h"
#include "certchaos/issuer/runtime.h"
#include "certchaos/kube/resource.h"

namespace certchaos::issuer {

namespace resources {
inline const kube::ResourceRef kChaosIssuer{kGroup, "v1alpha1", "chaosissuers", kIssuerKind, true};
inline const kube::ResourceRef kChaosClusterIssuer{kGroup, "v1alpha1", "chaosclusterissuers",
                                                   kClusterIssuerKind, false};
}  // namespace resources

// The Secret that keeps a selfSigned issuer's CA across restarts.
std::string selfSignedSecretName(const std::string& issuerName);

class IssuerReconciler {
 public:
  IssuerReconciler(Runtime& runtime, IssuerRegistry& registry, std::string clusterResourceNamespace)
      : rt_(runtime), registry_(registry), clusterNamespace_(std::move(clusterResourceNamespace)) {}

  // Returns when to look again (the ttl's end), if ever.
  Result<std::optional<std::chrono::nanoseconds>> reconcile(const nlohmann::json& issuer);
  // The issuer is gone.
  void forget(const std::string& key) { registry_.remove(key); }

 private:
  Result<pki::SigningAuthority> loadAuthority(const nlohmann::json& issuer,
                                              const chaos::CaSource& source,
                                              const std::string& secretNamespace);
  Result<void> writeStatus(const nlohmann::json& issuer, const nlohmann::json& status);

  Runtime& rt_;
  IssuerRegistry& registry_;
  std::string clusterNamespace_;
};

}  // namespace certchaos::issuer
