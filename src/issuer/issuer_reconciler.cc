#include "certchaos/issuer/issuer_reconciler.h"

#include "certchaos/chaos/chaos_spec.h"
#include "certchaos/common/duration.h"
#include "certchaos/common/time.h"
#include "certchaos/issuer/conditions.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/errors.h"

namespace certchaos::issuer {
namespace {

using nlohmann::json;
namespace res = kube::resources;

constexpr auto kSelfSignedLifetime = std::chrono::hours(24 * 365 * 10);

std::string describe(const json& issuer) {
  const auto& m = issuer["metadata"];
  std::string ns = m.value("namespace", "");
  return issuer.value("kind", "") + " " + (ns.empty() ? "" : ns + "/") + m.value("name", "");
}

}  // namespace

std::string selfSignedSecretName(const std::string& issuerName) { return issuerName + "-ca"; }

Result<pki::SigningAuthority> IssuerReconciler::loadAuthority(const json& issuer,
                                                              const chaos::CaSource& source,
                                                              const std::string& secretNamespace) {
  const std::string name = issuer["metadata"].value("name", "");
  const std::string secretName = source.selfSigned ? selfSignedSecretName(name) : source.secretName;
  auto secret = rt_.client->get(res::kSecret, secretNamespace, secretName);
  if (!secret && kube::isNotFound(secret.error()) && source.selfSigned) {
    auto now = rt_.clock.now();
    auto root = pki::SigningAuthority::generateRoot(
        "certchaos " + name + " CA", pki::KeyAlgorithm::kEcdsaP256, now - std::chrono::hours(1),
        now + kSelfSignedLifetime);
    if (!root) return root.error();
    json object = {{"metadata",
                    {{"name", secretName},
                     {"namespace", secretNamespace},
                     {"labels", {{"app.kubernetes.io/managed-by", "certchaos-issuer"}}}}},
                   {"type", "kubernetes.io/tls"},
                   {"data",
                    {{"tls.crt", kube::base64Encode(root->certificatePem())},
                     {"tls.key", kube::base64Encode(root->keyPem())}}}};
    auto created = rt_.client->create(res::kSecret, object, {.fieldManager = kFieldManager});
    if (created) {
      rt_.log.info("created the CA of a selfSigned issuer",
                   {{"issuer", describe(issuer)},
                    {"secret", secretNamespace + "/" + secretName},
                    {"caSerial", root->certificate().serialHex()}});
      return root;
    }
    if (!kube::isAlreadyExists(created.error())) return created.error();
    secret = rt_.client->get(res::kSecret, secretNamespace, secretName);  // another writer won
  }
  if (!secret) {
    if (kube::isNotFound(secret.error())) {
      return makeError("SecretNotFound",
                       "expected the CA Secret " + secretNamespace + "/" + secretName +
                           " with tls.crt and tls.key, found none; create it, or use "
                           "spec.selfSigned: {}");
    }
    return secret.error();
  }
  const auto& data = (*secret).value("data", json::object());
  if (!data.contains("tls.crt") || !data.contains("tls.key")) {
    return makeError(
        "InvalidCA", "expected tls.crt and tls.key in Secret " + secretNamespace + "/" +
                         secretName + ", found keys: " + [&] {
                           std::string keys;
                           for (const auto& [k, v] : data.items()) {
                             keys += (keys.empty() ? "" : ", ") + k;
                           }
                           return keys.empty() ? std::string("none") : keys;
                         }());
  }
  auto crt = kube::base64Decode(data["tls.crt"].get<std::string>());
  auto key = kube::base64Decode(data["tls.key"].get<std::string>());
  if (!crt || !key) return makeError("InvalidCA", "the CA Secret's data is not valid base64");
  // As cert-manager's CA issuer: the first certificate of ca.crt continues the chain of tls.crt
  // (a CA issued by cert-manager has its root there only), so it becomes the requests' ca.crt.
  if (data.contains("ca.crt") && data["ca.crt"].is_string()) {
    auto caCrt = kube::base64Decode(data["ca.crt"].get<std::string>());
    if (!caCrt) return makeError("InvalidCA", "the CA Secret's ca.crt is not valid base64");
    if (!caCrt->empty()) {
      auto root = pki::Certificate::fromPem(*caCrt);
      if (!root) return makeError("InvalidCA", "the CA Secret's ca.crt: " + root.error().message);
      *crt += "\n" + root->toPem();
    }
  }
  auto authority = pki::SigningAuthority::fromPem(*crt, *key);
  if (!authority) {
    return makeError("InvalidCA", "Secret " + secretNamespace + "/" + secretName +
                                      " does not hold a usable CA: " + authority.error().message);
  }
  return authority;
}

Result<void> IssuerReconciler::writeStatus(const json& issuer, const json& status) {
  const bool cluster = issuer.value("kind", "") == kClusterIssuerKind;
  json patch = {{"apiVersion", std::string(kGroup) + "/v1alpha1"},
                {"kind", issuer["kind"]},
                {"metadata", {{"name", issuer["metadata"]["name"]}}},
                {"status", status}};
  if (!cluster) patch["metadata"]["namespace"] = issuer["metadata"]["namespace"];
  auto applied =
      rt_.client->apply(cluster ? resources::kChaosClusterIssuer : resources::kChaosIssuer, patch,
                        {.fieldManager = kFieldManager, .force = true, .subresource = "status"});
  if (!applied) return applied.error();
  return {};
}

Result<std::optional<std::chrono::nanoseconds>> IssuerReconciler::reconcile(const json& issuer) {
  const auto& meta = issuer["metadata"];
  const std::string kind = issuer.value("kind", "");
  const bool cluster = kind == kClusterIssuerKind;
  const std::string ns = cluster ? "" : meta.value("namespace", "");
  const std::string name = meta.value("name", "");
  const std::string key = issuerKey(kind, ns, name);
  const std::int64_t generation = meta.value("generation", std::int64_t{0});
  const auto now = rt_.clock.now();

  auto notReady =
      [&](const std::string& reason,
          const std::string& message) -> Result<std::optional<std::chrono::nanoseconds>> {
    registry_.remove(key);
    rt_.log.warn("issuer not ready",
                 {{"issuer", describe(issuer)}, {"reason", reason}, {"message", message}});
    auto condition = buildCondition(issuer, {"Ready", "False", reason, message, generation}, now);
    if (!conditionIs(issuer, "Ready", "False") ||
        findCondition(issuer, "Ready")->value("message", "") != message) {
      (void)rt_.events.record(issuer, kube::EventType::kWarning, reason, message);
    }
    if (auto r = writeStatus(issuer, {{"conditions", {condition}}}); !r) return r.error();
    return std::optional<std::chrono::nanoseconds>{};
  };

  auto spec = chaos::validateChaosSpec(issuer.value("spec", json::object()));
  if (!spec) return notReady("InvalidSpec", spec.error().message);
  auto authority = loadAuthority(issuer, spec->ca, cluster ? clusterNamespace_ : ns);
  if (!authority) return notReady(authority.error().code, authority.error().message);
  auto engine = chaos::FaultEngine::fromSpec(*spec);
  if (!engine) return notReady("InvalidSpec", engine.error().message);

  // The chaos of this generation started when it was first seen (kept in the status, so a
  // restart of the issuer does not extend the ttl).
  const json status = issuer.value("status", json::object());
  const auto* previous = findCondition(issuer, "Ready");
  const bool sameGeneration =
      previous != nullptr && previous->value("observedGeneration", std::int64_t{-1}) == generation;
  SystemTime chaosSince = now;
  if (sameGeneration && status.contains("activeSince")) {
    if (auto t = parseRfc3339(status["activeSince"].get<std::string>())) chaosSince = *t;
  }
  std::optional<std::chrono::nanoseconds> requeue;
  std::optional<SystemTime> revertedAt;
  if (spec->ttl && !engine->healthy()) {
    auto end = chaosSince + std::chrono::duration_cast<std::chrono::seconds>(*spec->ttl);
    if (now >= end) {
      revertedAt = end;
    } else {
      requeue = end - now;
    }
  }
  auto active = std::make_shared<const chaos::FaultEngine>(revertedAt ? chaos::FaultEngine()
                                                                      : std::move(*engine));
  std::string message = "Signing with CA '" + authority->certificate().subjectCommonName() +
                        "' (serial " + authority->certificate().serialHex() +
                        "); chaos: " + active->summary();
  if (revertedAt) {
    message += " (spec.ttl " + formatGoDuration(*spec->ttl) + " ran out at " +
               formatRfc3339(*revertedAt) + "; reverted to healthy)";
    if (!(sameGeneration && status.contains("revertedAt"))) {
      (void)rt_.events.record(issuer, kube::EventType::kNormal, "Reverted",
                              "spec.ttl ran out: the issuer reverted itself to healthy");
    }
  }
  registry_.put({key, kind, ns, name, generation,
                 std::make_shared<const pki::SigningAuthority>(std::move(*authority)), active});
  const bool wasReady = sameGeneration && previous->value("status", "") == "True";
  auto condition = buildCondition(
      issuer, {"Ready", "True", revertedAt ? "Reverted" : "Checked", message, generation}, now);
  json newStatus = {{"conditions", {condition}},
                    {"faults", active->summary()},
                    {"activeSince", formatRfc3339(chaosSince)}};
  if (revertedAt) newStatus["revertedAt"] = formatRfc3339(*revertedAt);
  if (auto r = writeStatus(issuer, newStatus); !r) return r.error();
  if (!wasReady) {
    rt_.log.info(
        "issuer ready",
        {{"issuer", describe(issuer)}, {"generation", generation}, {"chaos", active->summary()}});
    (void)rt_.events.record(issuer, kube::EventType::kNormal, "Checked", message);
  }
  return requeue;
}

}  // namespace certchaos::issuer
