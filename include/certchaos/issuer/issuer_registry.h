// IssuerRegistry: the issuers this process can sign for, as the issuer reconciler last loaded
// them (CA + fault engine at a generation). The request reconciler reads it; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/chaos/fault_engine.h"
#include "certchaos/common/time.h"
#include "certchaos/issuer/ca_secret.h"
#include "certchaos/pki/signing_authority.h"

namespace certchaos::issuer {

// "ChaosIssuer/<ns>/<name>" or "ChaosClusterIssuer/<name>".
std::string issuerKey(const std::string& kind, const std::string& ns, const std::string& name);

struct ActiveIssuer {
  std::string key;
  std::string kind;
  std::string ns;  // "" for a ChaosClusterIssuer
  std::string name;
  std::int64_t generation = 0;
  std::shared_ptr<const pki::SigningAuthority> authority;
  std::shared_ptr<const chaos::FaultEngine> engine;
  // The Secret the authority was read from, at which resourceVersion: a signing that finds
  // another version there signs with the CA the Secret holds now.
  SecretRef caSecret;
  std::string caVersion;
  // When the chaos of this generation started (status.activeSince, whole seconds).
  SystemTime chaosSince{};
};

class IssuerRegistry {
 public:
  void put(ActiveIssuer issuer);
  void remove(const std::string& key);
  std::optional<ActiveIssuer> get(const std::string& key) const;
  // The issuer's CA Secret changed (seen at signing): the new authority replaces the old one if
  // the issuer is still loaded at `generation`.
  void updateCa(const std::string& key, std::int64_t generation,
                std::shared_ptr<const pki::SigningAuthority> authority, std::string caVersion);
  // Issuers that may act on a request in `ns` that names another issuer (rogue-issuer): those
  // of the namespace and the cluster issuers, with faults.
  std::vector<ActiveIssuer> withChaosFor(const std::string& ns) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ActiveIssuer> issuers_;
};

}  // namespace certchaos::issuer
