// renewal-storm's figures from the requests it saw: in flight over time, the issuance rate, the
// requests each Certificate needed and the gaps between a failure and the next request (where
// cert-manager's back-off shows, or does not).
#include <algorithm>

#include "check_kind.h"

namespace certchaos::scenario {

StormFigures stormFigures(const StormObservation& storm) {
  StormFigures f;
  f.certificates = storm.certificates;
  std::vector<std::pair<SystemTime, int>> changes;  // +1 created, -1 answered
  bool everyConcluded = static_cast<int>(storm.requests.size()) >= storm.certificates;
  for (const auto& [certificate, requests] : storm.requests) {
    const int n = static_cast<int>(requests.size());
    ++f.requestsPerCertificate[n];
    if (n > f.mostRequests) {
      f.mostRequests = n;
      f.mostRequestsCertificate = certificate;
    }
    // The previous request's failure, if it failed (a plain pair: g++ 12 misjudges an optional
    // here as maybe uninitialized).
    bool previousFailed = false;
    SystemTime failedAt{};
    for (const auto& r : requests) {
      ++f.requests;
      changes.emplace_back(r.createdAt, 1);
      if (!f.firstRequestAt || r.createdAt < *f.firstRequestAt) f.firstRequestAt = r.createdAt;
      if (previousFailed) {
        ++f.retries;
        const auto gap = r.createdAt - failedAt;
        if (!f.shortestRetryGap || gap < *f.shortestRetryGap) {
          f.shortestRetryGap = gap;
          f.shortestRetryCertificate = certificate;
        }
      }
      previousFailed = false;
      if (!r.decidedAt) continue;
      changes.emplace_back(*r.decidedAt, -1);
      if (r.issued) {
        ++f.issued;
        if (!f.lastIssuedAt || *r.decidedAt > *f.lastIssuedAt) f.lastIssuedAt = r.decidedAt;
      } else {
        ++f.failed;
        previousFailed = true;
        failedAt = *r.decidedAt;
      }
    }
    const bool concluded = !requests.empty() && requests.back().decidedAt.has_value();
    if (concluded) {
      ++f.concluded;
      if (!f.allConcludedAt || *requests.back().decidedAt > *f.allConcludedAt) {
        f.allConcludedAt = requests.back().decidedAt;
      }
    }
    everyConcluded = everyConcluded && concluded;
  }
  if (!everyConcluded) f.allConcludedAt.reset();
  // Answers before creations at the same instant: a request answered as the next one is created
  // was not in flight beside it.
  std::sort(changes.begin(), changes.end());
  int now = 0;
  for (const auto& [at, delta] : changes) {
    now += delta;
    if (!f.inFlight.empty() && f.inFlight.back().first == at) {
      f.inFlight.back().second = now;
    } else {
      f.inFlight.emplace_back(at, now);
    }
    if (now > f.peakInFlight) {
      f.peakInFlight = now;
      f.peakAt = at;
    }
  }
  if (f.firstRequestAt && f.lastIssuedAt && *f.lastIssuedAt > *f.firstRequestAt) {
    f.issuedPerSecond =
        f.issued / std::chrono::duration<double>(*f.lastIssuedAt - *f.firstRequestAt).count();
  }
  return f;
}

}  // namespace certchaos::scenario
