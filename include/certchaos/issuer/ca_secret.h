// CaSecret: the Secret an issuer's CA lives in: where it is, reading it into a signing authority
// (messages that say what was expected, never what else the Secret holds), and the Secret a
// selfSigned issuer keeps its generated CA in.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "certchaos/common/result.h"
#include "certchaos/pki/signing_authority.h"

namespace certchaos::issuer {

struct SecretRef {
  std::string ns;
  std::string name;
  std::string str() const { return ns + "/" + name; }
  bool operator==(const SecretRef&) const = default;
};

// Names the issuer ("ChaosIssuer/ns/name") a generated CA Secret belongs to.
inline constexpr const char* kCaOwnerAnnotation = "certchaos.io/issuer";
inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "certchaos-issuer";

// Where a selfSigned issuer keeps its CA: in the cluster resource namespace, the one namespace
// where the issuer may create Secrets. "<name>-ca" for a ChaosClusterIssuer,
// "<namespace>.<name>-ca" for a ChaosIssuer (with a digest of the name when that would be too long
// for a Secret name).
SecretRef selfSignedSecret(const std::string& kind, const std::string& ns, const std::string& name,
                           const std::string& clusterResourceNamespace);

// Where a selfSigned ChaosIssuer kept its CA before: "<name>-ca" in its own namespace. Such a CA
// is copied to selfSignedSecret() on first load, so the issuer keeps signing with it.
SecretRef legacySelfSignedSecret(const std::string& ns, const std::string& name);

// Whether `name` can name a Secret (a DNS subdomain). The CRD refuses other spec.ca.secretName
// values; this guards objects stored before it did (".", "..", "a/b" would change the path of
// the issuer's GET into a list or another resource).
bool isSecretName(std::string_view name);

// The CA of a Secret's tls.crt and tls.key. Errors have code InvalidCA.
Result<pki::SigningAuthority> authorityFromSecret(const nlohmann::json& secret,
                                                  const SecretRef& where);

// A kubernetes.io/tls Secret at `where` that keeps `authority` for the issuer `ownerKey`.
nlohmann::json caSecretObject(const SecretRef& where, const std::string& tlsCrtPem,
                              const std::string& tlsKeyPem, const std::string& ownerKey);

}  // namespace certchaos::issuer
