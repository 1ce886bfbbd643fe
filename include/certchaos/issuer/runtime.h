// What the issuer's reconcilers share: the API client, the event recorder, the clock, the
// metrics and the logger. Owned by the controller; the reconcilers hold references.
#pragma once

#include <memory>

#include "certchaos/common/clock.h"
#include "certchaos/kube/client.h"
#include "certchaos/kube/event_recorder.h"
#include "certchaos/obs/log.h"
#include "certchaos/obs/metrics.h"

namespace certchaos::issuer {

inline constexpr const char* kFieldManager = "certchaos-issuer";

struct IssuerMetrics {
  explicit IssuerMetrics(obs::Registry& r)
      : requests(r.counter("certchaos_issuer_requests_total",
                           "CertificateRequests handled, by outcome.")),
        faults(
            r.counter("certchaos_issuer_faults_injected_total", "Faults injected, by fault type.")),
        signingSeconds(r.histogram("certchaos_issuer_signing_seconds",
                                   "Time to build and sign a certificate.",
                                   {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})),
        // From the first sight of Approved=True (the watch event, before the queue) to the
        // Ready=True status written: the issuer's own part of an issuance, holds included.
        approvedToReadySeconds(
            r.histogram("certchaos_issuer_approved_to_ready_seconds",
                        "Time from seeing a request approved to writing its Ready=True status.",
                        {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                         10, 30, 60, 300})),
        queueDepth(r.gauge("certchaos_issuer_queue_depth",
                           "Keys ready or waiting in the work queues, by queue.")),
        heldRequests(r.gauge("certchaos_issuer_held_requests",
                             "Requests held by a fault (sleep, hang) right now.")),
        issuersReady(r.gauge("certchaos_issuer_issuers_ready", "Issuers Ready=True.")),
        cachedObjects(r.gauge("certchaos_issuer_cached_objects",
                              "Objects in the informer caches, by resource.")) {}
  obs::Counter& requests;
  obs::Counter& faults;
  obs::Histogram& signingSeconds;
  obs::Histogram& approvedToReadySeconds;
  obs::Gauge& queueDepth;
  obs::Gauge& heldRequests;
  obs::Gauge& issuersReady;
  obs::Gauge& cachedObjects;
};

struct Runtime {
  std::shared_ptr<kube::Client> client;
  kube::EventRecorder& events;
  Clock& clock;
  IssuerMetrics& metrics;
  const obs::Logger& log;
};

}  // namespace certchaos::issuer
