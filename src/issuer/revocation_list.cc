#include "certchaos/issuer/revocation_list.h"

namespace certchaos::issuer {
namespace {
constexpr std::string_view kPrefix = "/crl/";
constexpr std::string_view kSuffix = ".crl";
}  // namespace

void RevocationList::add(const std::string& key, std::int64_t generation, std::string serialHex,
                         SystemTime revokeAt) {
  std::lock_guard lock(mu_);
  auto& list = entries_[key];
  list.push_back({generation, {std::move(serialHex), revokeAt}});
  if (list.size() > kMaxPerIssuer) list.pop_front();
}

int RevocationList::countFor(const std::string& key, std::int64_t generation) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return 0;
  int n = 0;
  for (const auto& e : it->second) n += e.generation == generation ? 1 : 0;
  return n;
}

std::vector<pki::RevokedCertificate> RevocationList::publishedAt(const std::string& key,
                                                                 SystemTime now) const {
  std::lock_guard lock(mu_);
  std::vector<pki::RevokedCertificate> out;
  auto it = entries_.find(key);
  if (it == entries_.end()) return out;
  for (const auto& e : it->second) {
    if (e.revoked.revokedAt <= now) out.push_back(e.revoked);
  }
  return out;
}

std::string crlPathFor(const std::string& issuerKey) {
  return std::string(kPrefix) + issuerKey + std::string(kSuffix);
}

std::string issuerKeyForCrlPath(std::string_view path) {
  if (path.size() <= kPrefix.size() + kSuffix.size() || path.substr(0, kPrefix.size()) != kPrefix ||
      path.substr(path.size() - kSuffix.size()) != kSuffix) {
    return "";
  }
  return std::string(path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size()));
}

}  // namespace certchaos::issuer
