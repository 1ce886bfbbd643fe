#include "certchaos/issuer/request_reconciler.h"

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/common/duration.h"
#include "certchaos/common/time.h"
#include "certchaos/issuer/issuer_reconciler.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/errors.h"
#include "certchaos/pki/csr.h"

namespace certchaos::issuer {
namespace {

using nlohmann::json;
namespace res = kube::resources;

constexpr std::size_t kIssuanceMemory = 1000;
// A request that found its issuer's CA Secret broken looks again after this, in case the
// issuer's reconcile does not get to it first.
constexpr auto kCaChangedRecheck = std::chrono::seconds(5);

std::string describe(const json& request) {
  const auto& m = request["metadata"];
  return m.value("namespace", "") + "/" + m.value("name", "");
}

bool isFinal(const json& request) {
  const auto* ready = api::findCondition(request, "Ready");
  if (ready != nullptr) {
    std::string reason = ready->value("reason", "");
    if (reason == "Issued" || reason == "Failed" || reason == "Denied") return true;
  }
  return api::conditionIs(request, "InvalidRequest", "True");
}

std::string attemptKey(const json& request) {
  const auto& m = request["metadata"];
  const auto annotations = m.value("annotations", json::object());
  return m.value("namespace", "") + "/" +
         annotations.value("cert-manager.io/certificate-name", m.value("name", "")) + "/" +
         annotations.value("cert-manager.io/certificate-revision", "");
}

Result<pki::RequestSpec> requestSpec(const json& spec) {
  pki::RequestSpec out;
  if (spec.contains("duration")) {
    auto d = parseGoDuration(spec["duration"].get<std::string>());
    if (!d) return makeError("InvalidRequest", "spec.duration: " + d.error().message);
    if (d->count() <= 0) {
      return makeError("InvalidRequest", "spec.duration: expected a positive duration, found " +
                                             spec["duration"].get<std::string>());
    }
    out.duration = *d;
  }
  out.isCA = spec.value("isCA", false);
  for (const auto& u : spec.value("usages", json::array()))
    out.usages.push_back(u.get<std::string>());
  return out;
}

// The API server's words for an object over etcd's size limit: 413 for a request body over
// its own limit, a 500 "etcdserver: request is too large" for an object etcd refuses.
constexpr const char* kEtcdTooLarge = "etcdserver: request is too large";

bool tooLargeToStore(const Error& e) {
  return e.message.find(kEtcdTooLarge) != std::string::npos ||
         e.message.find("(HTTP 413)") != std::string::npos;
}

std::string tooLargeReason(const Error& e) {
  return e.message.find(kEtcdTooLarge) != std::string::npos ? std::string(kEtcdTooLarge)
                                                            : "HTTP 413 Request Entity Too Large";
}

// Where a hold started, as its condition keeps it: to the nanosecond in the message (a
// condition's lastTransitionTime has whole seconds, which ended holds up to a second early),
// else (a hold written by an older issuer) lastTransitionTime.
std::optional<SystemTime> holdStart(const json& ready) {
  const std::string message = ready.value("message", "");
  if (auto at = message.rfind(kHoldStartedAt); at != std::string::npos) {
    const auto from = at + std::string_view(kHoldStartedAt).size();
    const auto end = message.find(')', from);
    if (end != std::string::npos) {
      if (auto t = parseRfc3339(std::string_view(message).substr(from, end - from))) return *t;
    }
  }
  if (auto t = parseRfc3339(ready.value("lastTransitionTime", ""))) return *t;
  return std::nullopt;
}

}  // namespace

Result<std::shared_ptr<const pki::SigningAuthority>> RequestReconciler::currentAuthority(
    const ActiveIssuer& issuer) {
  if (issuer.caSecret.name.empty()) return issuer.authority;  // not loaded from a Secret
  auto secret = rt_.client->get(res::kSecret, issuer.caSecret.ns, issuer.caSecret.name);
  if (!secret) return secret.error();
  const std::string version = (*secret)["metadata"].value("resourceVersion", "");
  if (version == issuer.caVersion) return issuer.authority;
  auto loaded = authorityFromSecret(*secret, issuer.caSecret);
  if (!loaded) return loaded.error();
  auto authority = std::make_shared<const pki::SigningAuthority>(std::move(*loaded));
  rt_.log.info("the CA Secret changed; signing with its new CA",
               {{"issuer", issuer.key},
                {"secret", issuer.caSecret.str()},
                {"caSerial", authority->certificate().serialHex()}});
  registry_.updateCa(issuer.key, issuer.generation, authority, version);
  issuerChanged_(issuer.key);  // its status names the CA it signs with
  return authority;
}

std::size_t RequestReconciler::heldCount() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

void RequestReconciler::noteSeen(const json& request) {
  if (!api::conditionIs(request, "Approved", "True") || isFinal(request)) return;
  const std::string uid = request["metadata"].value("uid", "");
  std::lock_guard lock(mu_);
  if (finished_.count(uid) != 0) return;
  // The first sight only.
  approvedSeenAt_.emplace(uid, ApprovedSeen{std::chrono::steady_clock::now(), rt_.clock.now()});
}

void RequestReconciler::forget(const std::string& uid) {
  std::lock_guard lock(mu_);
  approvedSeenAt_.erase(uid);
  finished_.erase(uid);  // UIDs are never reused
  held_.erase(uid);
  reported_.erase(uid);
  retryAt_.erase(uid);
  rt_.metrics.heldRequests.set(static_cast<double>(held_.size()));
}

void RequestReconciler::noteHeld(const std::string& uid, bool held) {
  std::lock_guard lock(mu_);
  if (held) {
    held_.insert(uid);
  } else {
    held_.erase(uid);
  }
  rt_.metrics.heldRequests.set(static_cast<double>(held_.size()));
}

std::optional<RequestReconciler::Target> RequestReconciler::findTarget(
    const json& request, std::string& waitingFor) const {
  const auto ref = request["spec"].value("issuerRef", json::object());
  const std::string group = ref.value("group", "cert-manager.io");
  const std::string kind = ref.value("kind", "Issuer");
  const std::string ns = request["metadata"].value("namespace", "");
  const bool ours = group == api::kGroup && api::isChaosIssuerKind(kind);
  std::optional<ActiveIssuer> addressed;
  std::string key;
  if (ours) {
    key = issuerKey(kind, ns, ref.value("name", ""));
    addressed = registry_.get(key);
  }
  // A request addressed to another issuer, another ChaosIssuer included: only an issuer with an
  // admission fault (rogue-issuer) may act on it, and its engine decides whether it does. Asking
  // the first chaotic issuer instead would let, say, a ChaosClusterIssuer with a sleep fault
  // hide the namespace's rogue issuer.
  for (auto& candidate : registry_.withChaosFor(ns)) {
    if (candidate.key == key) continue;
    for (const auto& f : candidate.engine->faults()) {
      if (f.fault->admitsForeignRequest()) return Target{std::move(candidate), false, addressed};
    }
  }
  if (addressed) return Target{std::move(*addressed), true, std::nullopt};
  if (ours) waitingFor = key;
  return std::nullopt;
}

Result<void> RequestReconciler::writeStatus(const json& request, json conditions, const json& extra,
                                            bool ifUnchanged) {
  json status = extra;
  status["conditions"] = std::move(conditions);
  json patch = {
      {"apiVersion", "cert-manager.io/v1"},
      {"kind", "CertificateRequest"},
      {"metadata",
       {{"name", request["metadata"]["name"]}, {"namespace", request["metadata"]["namespace"]}}},
      {"status", status}};
  if (ifUnchanged) {
    patch["metadata"]["resourceVersion"] = request["metadata"].value("resourceVersion", "");
  }
  auto applied =
      rt_.client->apply(api::kCertificateRequest, patch,
                        {.fieldManager = kFieldManager, .force = true, .subresource = "status"});
  if (!applied) return applied.error();
  return {};
}

void RequestReconciler::recordApplied(const json& request,
                                      const std::vector<chaos::AppliedFault>& faults) {
  const std::string uid = request["metadata"].value("uid", "");
  for (const auto& f : faults) {
    {
      // A held or retried request is reconciled many times with the same (seeded) decision:
      // its faults are reported once, not at every look.
      std::lock_guard lock(mu_);
      if (!reported_[uid].insert(f.type).second) continue;
    }
    rt_.metrics.faults.inc({{"fault", f.type}});
    rt_.log.info("fault injected", {{"request", describe(request)},
                                    {"uid", request["metadata"].value("uid", "")},
                                    {"fault", f.type},
                                    {"reason", f.reason},
                                    {"message", f.message}});
    (void)rt_.events.record(request, kube::EventType::kWarning, f.reason,
                            api::printable(f.message));
  }
}

Result<std::optional<std::chrono::nanoseconds>> RequestReconciler::reconcile(const json& request) {
  using Requeue = std::optional<std::chrono::nanoseconds>;
  const std::string uid = request["metadata"].value("uid", "");
  {
    std::lock_guard lock(mu_);
    if (finished_.count(uid) != 0) return Requeue{};
    // A retryable failure is tried again at its retry time, not at every update of the request
    // (our own Pending write comes back as one).
    if (auto it = retryAt_.find(uid); it != retryAt_.end()) {
      const auto now = rt_.clock.now();
      if (now < it->second) {
        return Requeue{std::chrono::duration_cast<std::chrono::nanoseconds>(it->second - now)};
      }
      retryAt_.erase(it);
    }
  }
  if (isFinal(request)) {
    noteHeld(uid, false);
    return Requeue{};
  }
  std::string waitingFor;
  auto target = findTarget(request, waitingFor);
  const auto now = rt_.clock.now();
  const bool approved = api::conditionIs(request, "Approved", "True");
  const bool denied = api::conditionIs(request, "Denied", "True");
  auto contextFor = [&](const Target& t) {
    chaos::RequestContext ctx;
    ctx.uid = uid;
    ctx.now = now;
    ctx.issuerRefMatches = t.issuerRefMatches;
    ctx.chaosAllowed = namespaceOptedIn_(request["metadata"].value("namespace", ""));
    ctx.approved = approved;
    ctx.denied = denied;
    return ctx;
  };
  if (target && target->addressed &&
      target->issuer.engine->decide(contextFor(*target)).action == chaos::Action::kIgnore) {
    // The rogue lets it pass: the request is its own issuer's, as if no rogue were around.
    target = Target{std::move(*target->addressed), true, std::nullopt};
  }
  if (!target) {
    if (waitingFor.empty()) return Requeue{};  // not ours, and no rogue issuer around
    if (!approved && !denied) return Requeue{};
    // issuer-lib's behaviour: say what we wait for; the issuer's change re-queues the request.
    // A hold in progress is left as it is: its condition carries the persisted start, and
    // right after a restart requests are looked at before their issuer is loaded again
    // (overwriting it restarted every hold from zero).
    std::string message = "Waiting for " + waitingFor + " to exist and be Ready";
    const auto* ready = api::findCondition(request, "Ready");
    const bool holding = ready != nullptr && ready->value("reason", "") == "Pending" &&
                         ready->value("message", "").rfind(kHoldMarker, 0) == 0;
    if (!holding && (ready == nullptr || ready->value("message", "") != message)) {
      auto c =
          api::buildCondition(request, {"Ready", "False", "Pending", message, std::nullopt}, now);
      if (auto r = writeStatus(request, json::array({c})); !r) return r.error();
    }
    return Requeue{};
  }

  const ActiveIssuer& issuer = target->issuer;
  chaos::RequestContext ctx = contextFor(*target);
  ctx.chaosSince = issuer.chaosSince;
  if (revocations_ != nullptr && !crlBaseUrl_.empty()) {
    ctx.crlUrl = crlBaseUrl_ + crlPathFor(issuer.key);
    ctx.revokedSinceChaos = revocations_->countFor(issuer.key, issuer.generation);
  }
  if (const auto* ready = api::findCondition(request, "Ready");
      ready != nullptr && ready->value("reason", "") == "Pending" &&
      ready->value("message", "").rfind(kHoldMarker, 0) == 0) {
    ctx.holdStartedAt = holdStart(*ready);
  }
  // Deciding and reserving the issuance are one step: workers sign in parallel, and a rate
  // limit that counted only finished issuances let every request decided before the first one
  // was stored through (three in flight under a limit of three passed five of six).
  std::unique_lock decideLock(decideMu_);
  {
    std::lock_guard lock(mu_);
    if (auto seen = approvedSeenAt_.find(uid); seen != approvedSeenAt_.end()) {
      ctx.approvedSeenAt = std::min(seen->second.wall, now);
    }
    ctx.attempt = 1 + failures_[attemptKey(request)];
    for (const auto& i : issuances_[issuer.key]) {
      if (i.generation == issuer.generation) ctx.recentIssuances.push_back(i.at);
    }
    for (const auto& [otherUid, i] : signing_[issuer.key]) {
      if (otherUid != uid && i.generation == issuer.generation) ctx.recentIssuances.push_back(i.at);
    }
  }

  const chaos::Decision decision = issuer.engine->decide(ctx);
  // Until this request is stored as issued (the reservation becomes an issuance) or gives up,
  // it counts as issued for the others being decided.
  struct Reservation {
    RequestReconciler* self = nullptr;
    std::string key, uid;
    ~Reservation() {
      if (self == nullptr) return;
      std::lock_guard lock(self->mu_);
      auto it = self->signing_.find(key);
      if (it == self->signing_.end()) return;
      it->second.erase(uid);
      if (it->second.empty()) self->signing_.erase(it);
    }
  } reservation;
  if (decision.action == chaos::Action::kSign) {
    std::lock_guard lock(mu_);
    signing_[issuer.key][uid] = Issuance{now, issuer.generation};
    reservation.self = this;
    reservation.key = issuer.key;
    reservation.uid = uid;
  }
  decideLock.unlock();
  if (ctx.holdStartedAt) {
    // The hold started earlier, maybe in a previous process: the faults that led to it
    // (admission, approval, hold) had their Events then.
    std::lock_guard lock(mu_);
    auto& reported = reported_[uid];
    for (const auto& f : issuer.engine->faults()) {
      const auto phase = f.fault->phase();
      if (phase == chaos::FaultPhase::kAdmission || phase == chaos::FaultPhase::kApproval ||
          phase == chaos::FaultPhase::kHold) {
        reported.insert(std::string(f.fault->type()));
      }
    }
  }
  recordApplied(request, decision.applied);
  auto requeueAt = [&](std::optional<SystemTime> at) -> Requeue {
    if (!at) return std::nullopt;
    return std::max(std::chrono::nanoseconds(0),
                    std::chrono::duration_cast<std::chrono::nanoseconds>(*at - now));
  };
  auto finish = [&](const std::string& outcome) {
    std::lock_guard lock(mu_);
    finished_.insert(uid);
    held_.erase(uid);
    approvedSeenAt_.erase(uid);
    reported_.erase(uid);
    retryAt_.erase(uid);
    rt_.metrics.heldRequests.set(static_cast<double>(held_.size()));
    rt_.metrics.requests.inc({{"outcome", outcome}});
  };
  auto deniedConditions = [&](const std::string& message) {
    return json::array(
        {api::buildCondition(request, {"Ready", "False", "Denied", message, std::nullopt}, now)});
  };

  switch (decision.action) {
    case chaos::Action::kIgnore:
    case chaos::Action::kWaitForApproval:
      return Requeue{};

    case chaos::Action::kReportDenied: {
      auto r = writeStatus(request, deniedConditions(decision.message),
                           {{"failureTime", formatRfc3339(now)}});
      if (!r) return r.error();
      finish("denied");
      return Requeue{};
    }
    case chaos::Action::kDeny: {
      auto conditions = deniedConditions(decision.message);
      conditions.push_back(api::buildCondition(
          request, {"Denied", "True", "certchaos.io", decision.message, std::nullopt}, now));
      // Only on the version decided on: cert-manager's approver may have approved the request
      // since our cache saw it, and Approved and Denied are exclusive. On a conflict the
      // retry sees Approved and fails the request instead.
      auto r = writeStatus(request, conditions, {{"failureTime", formatRfc3339(now)}},
                           /*ifUnchanged=*/true);
      if (!r) return r.error();
      finish("denied");
      return Requeue{};
    }
    case chaos::Action::kHold: {
      const auto start = decision.holdStartedAt.value_or(ctx.holdStartedAt.value_or(now));
      auto c = api::buildCondition(request,
                                   {"Ready", "False", "Pending",
                                    kHoldMarker + decision.message + kHoldStartedAt +
                                        formatRfc3339(start, TimePrecision::kNanoseconds) + ")",
                                    std::nullopt, start},
                                   now);
      const auto* ready = api::findCondition(request, "Ready");
      if (ready == nullptr || *ready != c) {
        if (auto r = writeStatus(request, json::array({c})); !r) return r.error();
      }
      noteHeld(uid, true);
      return requeueAt(decision.requeueAt);
    }
    case chaos::Action::kFail: {
      const auto& f = *decision.failure;
      if (f.kind == chaos::Failure::Kind::kPending) {
        auto c = api::buildCondition(request,
                                     {"Ready", "False", "Pending", f.message, std::nullopt}, now);
        if (auto r = writeStatus(request, json::array({c})); !r) return r.error();
        const auto retryAt = f.retryAt ? f.retryAt : decision.requeueAt;
        {
          // Each retry is a new attempt: without counting it, "fail the first N attempts" in
          // pending mode would fail for ever.
          std::lock_guard lock(mu_);
          ++failures_[attemptKey(request)];
          if (retryAt) retryAt_[uid] = *retryAt;
        }
        return requeueAt(retryAt);
      }
      auto c =
          api::buildCondition(request, {"Ready", "False", "Failed", f.message, std::nullopt}, now);
      json extra = json::object();
      if (f.setFailureTime) extra["failureTime"] = formatRfc3339(now);
      if (auto r = writeStatus(request, json::array({c}), extra); !r) return r.error();
      {
        std::lock_guard lock(mu_);
        ++failures_[attemptKey(request)];
      }
      finish("failed");
      return Requeue{};
    }
    case chaos::Action::kSign:
      break;
  }

  auto fail = [&](const std::string& message) -> Result<Requeue> {
    rt_.log.warn("request failed", {{"request", describe(request)}, {"message", message}});
    auto c = api::buildCondition(request, {"Ready", "False", "Failed", message, std::nullopt}, now);
    if (auto r = writeStatus(request, json::array({c}), {{"failureTime", formatRfc3339(now)}});
        !r) {
      return r.error();
    }
    (void)rt_.events.record(request, kube::EventType::kWarning, "Failed", api::printable(message));
    finish("failed");
    return Requeue{};
  };
  // The cache keeps the CSR of a request that awaits one of our issuers (lean_request.h); one
  // addressed to another issuer (rogue-issuer) is read as stored.
  Result<json> stored = request;
  if (!request.value("spec", json::object()).contains("request")) {
    const auto& meta = request["metadata"];
    stored = rt_.client->get(api::kCertificateRequest, meta.value("namespace", ""),
                             meta.value("name", ""));
    if (!stored) {
      // Deleted since: its delete event forgets it.
      if (kube::isNotFound(stored.error())) return Requeue{};
      return stored.error();
    }
    if ((*stored)["metadata"].value("uid", "") != uid) return Requeue{};  // another of that name
  }
  const json spec = (*stored).value("spec", json::object());
  auto csr = pki::CertificateSigningRequest::fromBase64Pem(spec.value("request", ""));
  if (!csr) {
    const std::string& m = csr.error().message;
    return fail(m.rfind("spec.request", 0) == 0 ? m : "spec.request: " + m);
  }
  auto reqSpec = requestSpec(spec);
  if (!reqSpec) return fail(reqSpec.error().message);

  // As cert-manager's CA issuer, which reads its Secret at every signing: a CA rotated in the
  // Secret signs the next certificate.
  auto authority = currentAuthority(issuer);
  if (!authority) {
    const auto& code = authority.error().code;
    if (code != "InvalidCA" && !kube::isNotFound(authority.error())) return authority.error();
    // The Secret now holds no usable CA: the issuer's reconcile says why (Ready=False), and
    // this request is looked at again when the issuer is Ready again.
    issuerChanged_(issuer.key);
    std::string message = "Waiting for " + issuer.key + " to be Ready: its CA Secret " +
                          issuer.caSecret.str() + " changed and " +
                          (code == "InvalidCA" ? "holds no usable CA" : "is gone");
    auto c = api::buildCondition(
        request, {"Ready", "False", "Pending", message, std::nullopt, std::nullopt}, now);
    if (auto r = writeStatus(request, json::array({c})); !r) return r.error();
    return Requeue{std::chrono::duration_cast<std::chrono::nanoseconds>(kCaChangedRecheck)};
  }
  const auto started = std::chrono::steady_clock::now();
  auto signed_ = issuer.engine->sign(decision, ctx, *csr, *reqSpec, **authority);
  rt_.metrics.signingSeconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!signed_) return fail(signed_.error().message);
  recordApplied(request, signed_->applied);

  std::string message = "Certificate issued by " + issuer.key;
  if (!target->issuerRefMatches) message += " (rogue-issuer: the request named another issuer)";
  json extra = {{"certificate", kube::base64Encode(signed_->certificatePem)}};
  if (!signed_->caPem.empty()) extra["ca"] = kube::base64Encode(signed_->caPem);
  auto c = api::buildCondition(request, {"Ready", "True", "Issued", message, std::nullopt}, now);
  // Only onto the version whose CSR was signed (a 409 Conflict otherwise, and a fresh look):
  // cert-manager deletes a request whose CSR no longer matches the next private key and creates
  // another under the same name, and a write by name put the certificate for the old CSR onto
  // the new request, which cert-manager failed ("public key that does not match the CSR") with
  // an hour of back-off. (A uid in the patch did not stop it: the status subresource ignores
  // metadata.)
  if (auto r = writeStatus(*stored, json::array({c}), extra, /*ifUnchanged=*/true); !r) {
    // A status the API server can never store (the object would pass etcd's size limit):
    // signing again would fail the same way, for ever.
    if (!tooLargeToStore(r.error())) return r.error();
    return fail(
        "the signed certificate cannot be stored in the CertificateRequest: the API "
        "server refused the status write as too large (" +
        tooLargeReason(r.error()) + "); the CSR is " +
        std::to_string(spec.value("request", "").size()) +
        " bytes (base64) and the certificate chain " +
        std::to_string(signed_->certificatePem.size()) +
        " bytes, over the size of an object the API server stores (1.5 MiB by default "
        "in etcd); request a certificate with fewer or shorter names");
  }
  // Published as revoked only once the certificate is stored: one cert-manager never received
  // would be revoked for nothing.
  if (signed_->revokeAt && revocations_ != nullptr) {
    if (auto chain = pki::Certificate::chainFromPem(signed_->certificatePem);
        chain && !chain->empty()) {
      revocations_->add(issuer.key, issuer.generation, chain->front().serialHex(),
                        *signed_->revokeAt);
      rt_.log.info("certificate to be published as revoked",
                   {{"request", describe(request)},
                    {"serial", chain->front().serialHex()},
                    {"revokeAt", formatRfc3339(*signed_->revokeAt)}});
    }
  }
  {
    std::lock_guard lock(mu_);
    if (auto seen = approvedSeenAt_.find(uid); seen != approvedSeenAt_.end()) {
      rt_.metrics.approvedToReadySeconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - seen->second.steady)
              .count());
    }
    auto& recent = issuances_[issuer.key];
    recent.push_back({now, issuer.generation});
    if (recent.size() > kIssuanceMemory) recent.pop_front();
  }
  finish(decision.applied.empty() && signed_->applied.empty() ? "issued" : "issued-with-fault");
  rt_.log.info("request signed", {{"request", describe(request)},
                                  {"uid", uid},
                                  {"issuer", issuer.key},
                                  {"faults", decision.applied.size() + signed_->applied.size()}});
  return Requeue{};
}

}  // namespace certchaos::issuer
