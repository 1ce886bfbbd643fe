// RequestReconciler: the cert-manager external-issuer contract for one CertificateRequest, with
// the fault engine deciding every step: ignore other issuers' requests, wait for approval,
// report Denied, hold (restart-safe: the hold's start is persisted in the Ready condition),
// fail, or sign and write the chain with Ready=True/Issued in one server-side apply.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "certchaos/api/conditions.h"
#include "certchaos/issuer/issuer_registry.h"
#include "certchaos/issuer/revocation_list.h"
#include "certchaos/issuer/runtime.h"

namespace certchaos::issuer {

// Marks a Pending Ready condition written for a hold. Its message ends with kHoldStartedAt, the
// start to the nanosecond and ")" (lastTransitionTime is the start too, to the second).
inline constexpr const char* kHoldMarker = "[chaos hold] ";
inline constexpr const char* kHoldStartedAt = " (hold started ";

class RequestReconciler {
 public:
  // `namespaceOptedIn(ns)` tells whether the namespace carries the chaos opt-in label.
  // `issuerChanged(key)` asks for the issuer to be reconciled again (its CA Secret changed).
  RequestReconciler(
      Runtime& runtime, IssuerRegistry& registry,
      std::function<bool(const std::string&)> namespaceOptedIn,
      std::function<void(const std::string&)> issuerChanged = [](const std::string&) {})
      : rt_(runtime),
        registry_(registry),
        namespaceOptedIn_(std::move(namespaceOptedIn)),
        issuerChanged_(std::move(issuerChanged)) {}

  // Certificates are published as revoked in `revocations`, whose CRLs are served under
  // `crlBaseUrl` ("http://127.0.0.1:PORT"): set before the loops start; without it the revoked
  // fault fails its requests (no CRL to publish in).
  void publishRevocations(RevocationList* revocations, std::string crlBaseUrl) {
    revocations_ = revocations;
    crlBaseUrl_ = std::move(crlBaseUrl);
  }

  // Returns when to look again, if the request waits on time (a hold, a retry).
  Result<std::optional<std::chrono::nanoseconds>> reconcile(const nlohmann::json& request);

  // How many requests are held right now (for the metric).
  std::size_t heldCount() const;

  // A watch event for the request (before it is queued): the first one that shows it approved
  // starts the approved-to-Ready time of certchaos_issuer_approved_to_ready_seconds.
  void noteSeen(const nlohmann::json& request);

  // The request is gone: drop what is remembered about it (a held request stops counting).
  void forget(const std::string& uid);

 private:
  struct Target {
    ActiveIssuer issuer;
    bool issuerRefMatches = true;
    // A rogue target: the issuer of ours the request names, if loaded, which takes the request
    // when the rogue lets it pass (namespace not opted in, its draw did not fire).
    std::optional<ActiveIssuer> addressed;
  };
  std::optional<Target> findTarget(const nlohmann::json& request, std::string& waitingFor) const;
  // `ifUnchanged`: only if the request is still at the version read (409 Conflict otherwise).
  Result<void> writeStatus(const nlohmann::json& request, nlohmann::json conditions,
                           const nlohmann::json& extra = nlohmann::json::object(),
                           bool ifUnchanged = false);
  void recordApplied(const nlohmann::json& request, const std::vector<chaos::AppliedFault>& faults);
  void noteHeld(const std::string& uid, bool held);
  // The CA the issuer's Secret holds now: the loaded one while the Secret is at the version it
  // was read from, else the Secret's new CA (then kept in the registry).
  Result<std::shared_ptr<const pki::SigningAuthority>> currentAuthority(const ActiveIssuer& issuer);

  Runtime& rt_;
  IssuerRegistry& registry_;
  std::function<bool(const std::string&)> namespaceOptedIn_;
  std::function<void(const std::string&)> issuerChanged_;
  RevocationList* revocations_ = nullptr;
  std::string crlBaseUrl_;

  mutable std::mutex mu_;
  std::set<std::string> finished_;  // UIDs written as Issued/Failed/Denied: never again
  std::set<std::string> held_;
  std::map<std::string, int> failures_;  // per "ns/certificate/revision"
  // Per issuer key: when it signed, at which generation of its spec. A rate limit counts only
  // the issuances of the spec in force, so that a scenario starts from zero.
  struct Issuance {
    SystemTime at;
    std::int64_t generation = 0;
  };
  std::map<std::string, std::deque<Issuance>> issuances_;
  // Per issuer key: the requests decided to be signed and not yet stored (by UID); a rate
  // limit counts them as issued. `decideMu_` makes deciding and reserving one step.
  std::map<std::string, std::map<std::string, Issuance>> signing_;
  std::mutex decideMu_;
  std::map<std::string, std::set<std::string>> reported_;  // per UID: fault types with an Event
  std::map<std::string, SystemTime> retryAt_;              // per UID: a Pending failure's retry
  // Per UID not yet finished: when a watch event first showed it approved, by the steady clock
  // (the metric measures an interval, which a wall-clock step must not bend) and by the
  // runtime's clock (where a first hold starts: the time it waited in the queue is held too).
  struct ApprovedSeen {
    std::chrono::steady_clock::time_point steady;
    SystemTime wall;
  };
  std::map<std::string, ApprovedSeen> approvedSeenAt_;
};

}  // namespace certchaos::issuer
