#include "certchaos/issuer/ca_secret.h"

#include <openssl/evp.h>

#include <cstdio>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/issuer/issuer_registry.h"
#include "certchaos/kube/base64.h"

namespace certchaos::issuer {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxSecretName = 253;  // a DNS subdomain

std::string sha256Hex(const std::string& text, std::size_t chars) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < length && out.size() < chars; ++i) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    out += hex;
  }
  return out.substr(0, chars);
}

}  // namespace

SecretRef selfSignedSecret(const std::string& kind, const std::string& ns, const std::string& name,
                           const std::string& clusterResourceNamespace) {
  if (kind == api::kClusterIssuerKind) return {clusterResourceNamespace, name + "-ca"};
  std::string secret = ns + "." + name + "-ca";
  if (secret.size() > kMaxSecretName) secret = ns + "." + sha256Hex(name, 40) + "-ca";
  return {clusterResourceNamespace, secret};
}

bool isSecretName(std::string_view name) {
  if (name.empty() || name.size() > kMaxSecretName) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::size_t labelStart = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i < name.size() && name[i] != '.') {
      if (!alnum(name[i]) && name[i] != '-') return false;
      continue;
    }
    // A label: [a-z0-9]([-a-z0-9]*[a-z0-9])?
    if (i == labelStart || !alnum(name[labelStart]) || !alnum(name[i - 1])) return false;
    labelStart = i + 1;
  }
  return true;
}

SecretRef legacySelfSignedSecret(const std::string& ns, const std::string& name) {
  return {ns, name + "-ca"};
}

Result<pki::SigningAuthority> authorityFromSecret(const json& secret, const SecretRef& where) {
  const json data = secret.value("data", json::object());
  std::string missing;
  for (const char* key : {"tls.crt", "tls.key"}) {
    if (!data.is_object() || !data.contains(key) || !data[key].is_string() ||
        data[key].get<std::string>().empty()) {
      missing += (missing.empty() ? "" : " and ") + std::string(key);
    }
  }
  // Only what was expected is named: the Secret may be someone else's, and its other keys
  // (their names too) are not the issuer's to publish in a status.
  if (!missing.empty()) {
    return makeError("InvalidCA",
                     "expected a CA in Secret " + where.str() +
                         " under the keys tls.crt and tls.key, but " + missing +
                         (missing.find(" and ") == std::string::npos ? " is" : " are") +
                         " missing or empty; put the CA certificate in tls.crt and "
                         "its private key in tls.key, or point spec.ca.secretName "
                         "at the Secret that holds them");
  }
  auto crt = kube::base64Decode(data["tls.crt"].get<std::string>());
  auto key = kube::base64Decode(data["tls.key"].get<std::string>());
  if (!crt || !key) {
    return makeError("InvalidCA", "expected base64 data in Secret " + where.str() +
                                      " (tls.crt, tls.key), found data that does not decode; "
                                      "write the Secret through the API (kubectl create secret "
                                      "tls), which encodes it");
  }
  // As cert-manager's CA issuer: the first certificate of ca.crt continues the chain of tls.crt
  // (a CA issued by cert-manager has its root there only), so it becomes the requests' ca.crt.
  if (data.contains("ca.crt") && data["ca.crt"].is_string()) {
    auto caCrt = kube::base64Decode(data["ca.crt"].get<std::string>());
    if (!caCrt) {
      return makeError("InvalidCA", "expected base64 data in the ca.crt of Secret " + where.str() +
                                        ", found data that does not decode");
    }
    if (!caCrt->empty()) {
      auto root = pki::Certificate::fromPem(*caCrt);
      if (!root) {
        return makeError("InvalidCA",
                         "the ca.crt of Secret " + where.str() + ": " + root.error().message);
      }
      *crt += "\n" + root->toPem();
    }
  }
  auto authority = pki::SigningAuthority::fromPem(*crt, *key);
  if (!authority) {
    return makeError("InvalidCA", "Secret " + where.str() +
                                      " does not hold a usable CA: " + authority.error().message);
  }
  return authority;
}

json caSecretObject(const SecretRef& where, const std::string& tlsCrtPem,
                    const std::string& tlsKeyPem, const std::string& ownerKey) {
  return {
      {"metadata",
       {{"name", where.name},
        {"namespace", where.ns},
        {"labels", {{kManagedByLabel, kManagedByValue}}},
        {"annotations", {{kCaOwnerAnnotation, ownerKey}}}}},
      {"type", "kubernetes.io/tls"},
      {"data",
       {{"tls.crt", kube::base64Encode(tlsCrtPem)}, {"tls.key", kube::base64Encode(tlsKeyPem)}}}};
}

}  // namespace certchaos::issuer
