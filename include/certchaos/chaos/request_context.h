// RequestContext: what the fault engine needs to know about one CertificateRequest, gathered by
// the request reconciler (the engine itself reads no Kubernetes object and no clock).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace certchaos::chaos {

using SystemTime = std::chrono::system_clock::time_point;

struct RequestContext {
  // metadata.uid: keys every seeded draw, so a request gets the same decision at each reconcile
  // and after a restart (names are reused by cert-manager; UIDs are not).
  std::string uid;
  SystemTime now;
  // spec.issuerRef names this issuer (group certchaos.io and our kind and name).
  bool issuerRefMatches = true;
  // The namespace opted in (api::kChaosNamespaceLabel) and the issuer's ttl has not run out; when
  // false the engine answers exactly as a healthy issuer.
  bool chaosAllowed = false;
  bool approved = false;  // Approved=True
  bool denied = false;    // Denied=True
  // When the request started to be held, as persisted on the request (e.g. the Pending
  // condition's lastTransitionTime); absent on the first reconcile.
  std::optional<SystemTime> holdStartedAt;
  // When this process first saw the request approved (its informer's event), if it did: where a
  // first hold starts, so that a hold of D ends D after the approval however long the request
  // waited in the work queue (absent after a restart: the first reconcile's time then).
  std::optional<SystemTime> approvedSeenAt;
  // When the issuer's spec took its current form (status.activeSince, whole seconds): where
  // windows measured from the scenario's start (outage-window) begin. Absent outside the issuer.
  std::optional<SystemTime> chaosSince;
  // 1-based: which attempt this is at issuing the Certificate's current revision (the number of
  // CertificateRequests made for it so far, the failed ones included).
  int attempt = 1;
  // This issuer's successful issuances (any request) since its spec took its current form (the
  // scenario started), for rate limiting; order does not matter.
  std::vector<SystemTime> recentIssuances;
  // Where this issuer publishes its CRL (http://HOST:PORT/crl/...), "" when it serves none; and
  // how many certificates it has published as revoked since its spec took its current form
  // (revoked: only the first ones are revoked, the replacements are not).
  std::string crlUrl{};
  int revokedSinceChaos = 0;
};

}  // namespace certchaos::chaos
