#include "certchaos/issuer/issuer_reconciler.h"

#include <utility>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/chaos/chaos_spec.h"
#include "certchaos/common/duration.h"
#include "certchaos/common/time.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/errors.h"

namespace certchaos::issuer {
namespace {

using nlohmann::json;
namespace res = kube::resources;

constexpr auto kSelfSignedLifetime = std::chrono::hours(24 * 365 * 10);
// A CA Secret that is missing or unusable is read again after 1 s, 2 s, 4 s ... up to 30 s: it
// is read by name (the issuer may not list or watch Secrets), so looking again is how a Secret
// created or fixed later is noticed.
constexpr std::chrono::nanoseconds kCaRetryFirst = std::chrono::seconds(1);
constexpr std::chrono::nanoseconds kCaRetryCap = std::chrono::seconds(30);

std::string describe(const json& issuer) {
  const auto& m = issuer["metadata"];
  std::string ns = m.value("namespace", "");
  return issuer.value("kind", "") + " " + (ns.empty() ? "" : ns + "/") + m.value("name", "");
}

}  // namespace

Result<IssuerReconciler::LoadedCa> IssuerReconciler::loadAuthority(const json& issuer,
                                                                   const chaos::CaSource& source,
                                                                   const std::string& key) {
  const std::string kind = issuer.value("kind", "");
  const bool cluster = kind == api::kClusterIssuerKind;
  const std::string ns = cluster ? "" : issuer["metadata"].value("namespace", "");
  const std::string name = issuer["metadata"].value("name", "");
  const SecretRef where = source.selfSigned
                              ? selfSignedSecret(kind, ns, name, clusterNamespace_)
                              : SecretRef{cluster ? clusterNamespace_ : ns, source.secretName};
  if (!isSecretName(where.name)) {
    return makeError("InvalidSpec",
                     "spec.ca.secretName: expected a Secret name (lower-case letters, digits, "
                     "'-' and '.', each dot-separated part starting and ending with a letter or "
                     "digit), found \"" +
                         where.name + "\"; name the Secret that holds the CA");
  }
  auto secret = rt_.client->get(res::kSecret, where.ns, where.name);
  if (!secret && kube::isNotFound(secret.error()) && source.selfSigned) {
    auto created = createSelfSignedCa(issuer, where, key);
    if (!created) return created.error();
    if (*created) return std::move(**created);
    secret = rt_.client->get(res::kSecret, where.ns, where.name);  // another writer won
  }
  if (!secret) {
    if (kube::isNotFound(secret.error())) {
      return makeError("SecretNotFound",
                       "expected the CA Secret " + where.str() +
                           " with tls.crt and tls.key, found none; create it (the issuer looks "
                           "again with back-off), or use spec.selfSigned: {}");
    }
    return secret.error();
  }
  const auto& meta = (*secret)["metadata"];
  if (source.selfSigned) {
    const std::string owner =
        meta.value("annotations", json::object()).value(kCaOwnerAnnotation, key);
    if (owner != key) {
      return makeError("SecretConflict", "expected the selfSigned CA Secret " + where.str() +
                                             " to belong to " + key + ", found it made for " +
                                             owner + "; rename one of the two issuers");
    }
  }
  const std::string version = meta.value("resourceVersion", "");
  // The same Secret at the same version: the authority already loaded (no parsing, and the
  // registry sees the same CA, so requests are not looked at again for nothing).
  if (auto loaded = registry_.get(key);
      loaded && loaded->caSecret == where && loaded->caVersion == version && !version.empty()) {
    return LoadedCa{loaded->authority, where, version};
  }
  auto authority = authorityFromSecret(*secret, where);
  if (!authority) return authority.error();
  return LoadedCa{std::make_shared<const pki::SigningAuthority>(std::move(*authority)), where,
                  version};
}

Result<std::optional<IssuerReconciler::LoadedCa>> IssuerReconciler::createSelfSignedCa(
    const json& issuer, const SecretRef& where, const std::string& key) {
  const std::string name = issuer["metadata"].value("name", "");
  std::optional<pki::SigningAuthority> authority;
  if (issuer.value("kind", "") == api::kIssuerKind) {
    // Kept before in the issuer's own namespace (where the issuer may no longer create
    // Secrets): moved here, so that certificates already issued keep chaining to it.
    const SecretRef legacy =
        legacySelfSignedSecret(issuer["metadata"].value("namespace", ""), name);
    auto old = rt_.client->get(res::kSecret, legacy.ns, legacy.name);
    if (old && (*old)["metadata"].value("labels", json::object()).value(kManagedByLabel, "") ==
                   kManagedByValue) {
      if (auto a = authorityFromSecret(*old, legacy)) {
        authority = std::move(*a);
        rt_.log.info("moving the CA of a selfSigned issuer",
                     {{"issuer", describe(issuer)}, {"from", legacy.str()}, {"to", where.str()}});
      }
    }
  }
  if (!authority) {
    auto now = rt_.clock.now();
    auto root = pki::SigningAuthority::generateRoot(
        "certchaos " + name + " CA", pki::KeyAlgorithm::kEcdsaP256, now - std::chrono::hours(1),
        now + kSelfSignedLifetime);
    if (!root) return root.error();
    authority = std::move(*root);
  }
  kube::WriteOptions options;
  options.fieldManager = kFieldManager;
  auto created = rt_.client->create(
      res::kSecret, caSecretObject(where, authority->certificatePem(), authority->keyPem(), key),
      options);
  if (!created) {
    if (kube::isAlreadyExists(created.error())) return std::optional<LoadedCa>{};
    return created.error();
  }
  rt_.log.info("created the CA of a selfSigned issuer",
               {{"issuer", describe(issuer)},
                {"secret", where.str()},
                {"caSerial", authority->certificate().serialHex()}});
  return std::optional<LoadedCa>{
      LoadedCa{std::make_shared<const pki::SigningAuthority>(std::move(*authority)), where,
               (*created)["metadata"].value("resourceVersion", "")}};
}

std::chrono::nanoseconds IssuerReconciler::nextLookAt(const std::string& key) {
  std::lock_guard lock(mu_);
  const int attempt = std::min(notReadyAttempts_[key]++, 16);
  return std::min<std::chrono::nanoseconds>(kCaRetryFirst * (1LL << attempt), kCaRetryCap);
}

void IssuerReconciler::forget(const std::string& key) {
  registry_.remove(key);
  std::lock_guard lock(mu_);
  notReadyAttempts_.erase(key);
  reportedSerial_.erase(key);
}

Result<void> IssuerReconciler::writeStatus(const json& issuer, const json& status) {
  const bool cluster = issuer.value("kind", "") == api::kClusterIssuerKind;
  json patch = {{"apiVersion", std::string(api::kGroup) + "/v1alpha1"},
                {"kind", issuer["kind"]},
                {"metadata", {{"name", issuer["metadata"]["name"]}}},
                {"status", status}};
  if (!cluster) patch["metadata"]["namespace"] = issuer["metadata"]["namespace"];
  auto applied =
      rt_.client->apply(cluster ? api::kChaosClusterIssuer : api::kChaosIssuer, patch,
                        {.fieldManager = kFieldManager, .force = true, .subresource = "status"});
  if (!applied) return applied.error();
  return {};
}

Result<std::optional<std::chrono::nanoseconds>> IssuerReconciler::reconcile(const json& issuer) {
  const auto& meta = issuer["metadata"];
  const std::string kind = issuer.value("kind", "");
  const bool cluster = kind == api::kClusterIssuerKind;
  const std::string ns = cluster ? "" : meta.value("namespace", "");
  const std::string name = meta.value("name", "");
  const std::string key = issuerKey(kind, ns, name);
  const std::int64_t generation = meta.value("generation", std::int64_t{0});
  const auto now = rt_.clock.now();

  auto notReady =
      [&](const std::string& reason,
          const std::string& rawMessage) -> Result<std::optional<std::chrono::nanoseconds>> {
    const std::string message = api::printable(rawMessage);  // as the status keeps it
    registry_.remove(key);
    rt_.log.warn("issuer not ready",
                 {{"issuer", describe(issuer)}, {"reason", reason}, {"message", message}});
    auto condition =
        api::buildCondition(issuer, {"Ready", "False", reason, message, generation}, now);
    if (!api::conditionIs(issuer, "Ready", "False") ||
        api::findCondition(issuer, "Ready")->value("message", "") != message) {
      (void)rt_.events.record(issuer, kube::EventType::kWarning, reason, message);
    }
    if (auto r = writeStatus(issuer, {{"conditions", {condition}}}); !r) return r.error();
    if (reason == "InvalidSpec") return std::optional<std::chrono::nanoseconds>{};
    return std::optional<std::chrono::nanoseconds>{nextLookAt(key)};
  };

  auto spec = chaos::validateChaosSpec(issuer.value("spec", json::object()));
  if (!spec) return notReady("InvalidSpec", spec.error().message);
  auto ca = loadAuthority(issuer, spec->ca, key);
  if (!ca) {
    // The API server's own failures are retried by the loop; what is wrong with the Secret is
    // the issuer's condition.
    const auto& code = ca.error().code;
    if (code != "SecretNotFound" && code != "InvalidCA" && code != "SecretConflict" &&
        code != "InvalidSpec") {
      return ca.error();
    }
    return notReady(code, ca.error().message);
  }
  {
    std::lock_guard lock(mu_);
    notReadyAttempts_.erase(key);
  }
  const pki::SigningAuthority& authority = *ca->authority;
  auto engine = chaos::FaultEngine::fromSpec(*spec);
  if (!engine) return notReady("InvalidSpec", engine.error().message);

  // The chaos of this generation started when it was first seen (kept in the status, so a
  // restart of the issuer does not extend the ttl).
  const json status = issuer.value("status", json::object());
  const auto* previous = api::findCondition(issuer, "Ready");
  const bool sameGeneration =
      previous != nullptr && previous->value("observedGeneration", std::int64_t{-1}) == generation;
  // Whole seconds, as status.activeSince keeps it: the same start before and after a restart.
  SystemTime chaosSince = std::chrono::floor<std::chrono::seconds>(now);
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
  std::string message = "Signing with CA '" + authority.certificate().subjectCommonName() +
                        "' (serial " + authority.certificate().serialHex() + ", Secret " +
                        ca->secret.str() + "); chaos: " + active->summary();
  if (revertedAt) {
    message += " (spec.ttl " + formatGoDuration(*spec->ttl) + " ran out at " +
               formatRfc3339(*revertedAt) + "; reverted to healthy)";
    if (!(sameGeneration && status.contains("revertedAt"))) {
      (void)rt_.events.record(issuer, kube::EventType::kNormal, "Reverted",
                              "spec.ttl ran out: the issuer reverted itself to healthy");
    }
  }
  const std::string serial = authority.certificate().serialHex();
  std::string previousSerial;
  {
    std::lock_guard lock(mu_);
    previousSerial = std::exchange(reportedSerial_[key], serial);
  }
  if (!previousSerial.empty() && previousSerial != serial) {
    (void)rt_.events.record(issuer, kube::EventType::kNormal, "CAChanged",
                            "the CA Secret " + ca->secret.str() + " changed: signing with CA '" +
                                authority.certificate().subjectCommonName() + "' (serial " +
                                serial + ") instead of serial " + previousSerial);
  }
  registry_.put({key, kind, ns, name, generation, ca->authority, active, ca->secret, ca->version,
                 chaosSince});
  const bool wasReady = sameGeneration && previous->value("status", "") == "True";
  auto condition = api::buildCondition(
      issuer, {"Ready", "True", revertedAt ? "Reverted" : "Checked", message, generation}, now);
  json newStatus = {{"conditions", {condition}},
                    {"caSecret", ca->secret.str()},
                    {"faults", active->summary()},
                    {"activeSince", formatRfc3339(chaosSince)}};
  if (revertedAt) newStatus["revertedAt"] = formatRfc3339(*revertedAt);
  if (auto r = writeStatus(issuer, newStatus); !r) return r.error();
  if (!wasReady) {
    rt_.log.info(
        "issuer ready",
        {{"issuer", describe(issuer)}, {"generation", generation}, {"chaos", active->summary()}});
    (void)rt_.events.record(issuer, kube::EventType::kNormal, "Checked", api::printable(message));
  }
  return requeue;
}

}  // namespace certchaos::issuer
