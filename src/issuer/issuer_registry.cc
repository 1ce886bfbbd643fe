#include "certchaos/issuer/issuer_registry.h"

#include "certchaos/api/certchaos_io.h"

namespace certchaos::issuer {

std::string issuerKey(const std::string& kind, const std::string& ns, const std::string& name) {
  return kind == api::kClusterIssuerKind ? kind + "/" + name : kind + "/" + ns + "/" + name;
}

void IssuerRegistry::put(ActiveIssuer issuer) {
  std::lock_guard lock(mu_);
  issuers_[issuer.key] = std::move(issuer);
}

void IssuerRegistry::remove(const std::string& key) {
  std::lock_guard lock(mu_);
  issuers_.erase(key);
}

std::optional<ActiveIssuer> IssuerRegistry::get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = issuers_.find(key);
  if (it == issuers_.end()) return std::nullopt;
  return it->second;
}

void IssuerRegistry::updateCa(const std::string& key, std::int64_t generation,
                              std::shared_ptr<const pki::SigningAuthority> authority,
                              std::string caVersion) {
  std::lock_guard lock(mu_);
  auto it = issuers_.find(key);
  if (it == issuers_.end() || it->second.generation != generation) return;
  it->second.authority = std::move(authority);
  it->second.caVersion = std::move(caVersion);
}

std::vector<ActiveIssuer> IssuerRegistry::withChaosFor(const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<ActiveIssuer> out;
  for (const auto& [key, issuer] : issuers_) {
    if (issuer.engine->healthy()) continue;
    if (issuer.kind == api::kClusterIssuerKind || issuer.ns == ns) out.push_back(issuer);
  }
  return out;
}

}  // namespace certchaos::issuer
