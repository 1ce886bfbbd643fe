// What the issuance benchmarks share (issuance_bench, fleet_bench): watches of a namespace's
// Certificates and requests, a batch of ECDSA P-256 Certificates created and waited for, the two
// issuers compared (cert-manager's CA issuer "ca" in bench-ca, ChaosIssuer "chaos" in
// bench-chaos), and the figures with their targets.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bench_plane.h"
#include "certchaos/api/cert_manager.h"
#include "certchaos/kube/informer.h"

namespace certchaos::bench {

using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;

// How long a wait goes on without a single watch event before it gives up, and how errors say
// so. A fleet's time grows with FLEET (FLEET=5000 took 7-10 minutes a phase on 2 cores), so a
// bound on the whole wait would have to grow with it; no progress at all for this long means
// the plane is stuck.
inline constexpr auto kStallTimeout = std::chrono::minutes(2);
inline constexpr const char* kStalled = "no watch event came for 2 minutes";
inline const kube::ResourceRef kChaosIssuer{"certchaos.io", "v1alpha1", "chaosissuers",
                                            "ChaosIssuer", true};
inline const json kHealthyRef = {
    {"group", "certchaos.io"}, {"kind", "ChaosIssuer"}, {"name", "chaos"}};
inline const json kCaRef = {{"group", "cert-manager.io"}, {"kind", "Issuer"}, {"name", "ca"}};

double ms(SteadyClock::duration d);
bool conditionIs(const json& object, const char* type, const char* status);
bool isReady(const json& object);
bool isHeld(const json& request);
std::string loadNow();  // the 1/5/15-minute load, "1.00 0.80 0.50"

// "fleet" for "fleet-12": the batch a Certificate belongs to.
inline std::string prefixOf(const std::string& name) {
  const auto dash = name.rfind('-');
  return dash == std::string::npos ? name : name.substr(0, dash);
}

// The watches of one namespace: when each Certificate became Ready, and for each
// CertificateRequest when it was first seen approved, held, and Ready.
class NamespaceWatch {
 public:
  NamespaceWatch(const std::shared_ptr<kube::Client>& client, const std::string& ns)
      : certificates_(client, api::kCertificate, ns),
        requests_(client, api::kCertificateRequest, ns) {
    auto onCertificate = [this](const kube::ObjectPtr& o) {
      if (!isReady(*o)) return;
      const auto name = (*o)["metadata"]["name"].get<std::string>();
      const int revision = (*o).value("status", json::object()).value("revision", 0);
      std::lock_guard lock(mu_);
      lastEvent_ = SteadyClock::now();
      if (certificateReady_.emplace(name, lastEvent_).second) ++readyByPrefix_[prefixOf(name)];
      int& seen = readyRevision_[name];
      if (revision > seen) {
        if (seen > 0) --revisionCount_[seen];
        ++revisionCount_[revision];
        seen = revision;
      }
      cv_.notify_all();
    };
    auto onRequest = [this](const kube::ObjectPtr& o) {
      const auto now = SteadyClock::now();
      const auto name = (*o)["metadata"]["name"].get<std::string>();
      std::lock_guard lock(mu_);
      lastEvent_ = now;
      auto& r = requests_by_name_[name];
      if (!r.approved && conditionIs(*o, "Approved", "True")) r.approved = now;
      if (!r.held && isHeld(*o)) r.held = now;
      if (!r.created) {
        r.created = now;
        ++inFlight_;
      }
      if (!r.ready && isReady(*o)) {
        r.ready = now;
        --inFlight_;
      }
      peakInFlight_ = std::max(peakInFlight_, inFlight_);
      cv_.notify_all();
    };
    certificates_.addHandlers(
        {onCertificate, [=](const kube::ObjectPtr&, const kube::ObjectPtr& o) { onCertificate(o); },
         nullptr});
    requests_.addHandlers({onRequest,
                           [=](const kube::ObjectPtr&, const kube::ObjectPtr& o) { onRequest(o); },
                           nullptr});
    certificates_.start();
    requests_.start();
  }

  Result<void> synced(const std::string& ns) {
    for (auto* informer : {&certificates_, &requests_}) {
      if (!informer->waitForSync(std::chrono::seconds(60))) {
        return makeError("NoSync", "the watches in " + ns + " did not sync within 60 s");
      }
    }
    return {};
  }

  struct Request {
    std::optional<SteadyClock::time_point> created, approved, held, ready;
  };

  // Waits until `done` holds for what was seen; false when no watch event came for
  // kStallTimeout. `done` runs at every event: keep it O(1) (the counts below are).
  bool waitUntil(const std::function<bool()>& done) {
    std::unique_lock lock(mu_);
    const auto start = SteadyClock::now();
    while (!done()) {
      const auto stalledAt = std::max(lastEvent_, start) + kStallTimeout;
      if (SteadyClock::now() >= stalledAt) return false;
      cv_.wait_until(lock, stalledAt);
    }
    return true;
  }
  // Certificates <prefix>-<i> seen Ready (under mu_, inside waitUntil's predicate).
  std::size_t readyCertificates(const std::string& prefix) const {
    auto it = readyByPrefix_.find(prefix);
    return it == readyByPrefix_.end() ? 0 : it->second;
  }
  std::size_t heldRequests(const std::string& prefix) const {
    return static_cast<std::size_t>(
        std::count_if(requests_by_name_.begin(), requests_by_name_.end(), [&](const auto& entry) {
          return entry.first.rfind(prefix + "-", 0) == 0 && entry.second.held.has_value();
        }));
  }
  // Certificates Ready at `revision` or later (under mu_, as readyCertificates).
  std::size_t readyAtRevision(int revision) const {
    std::size_t n = 0;
    for (auto it = revisionCount_.lower_bound(revision); it != revisionCount_.end(); ++it) {
      n += it->second;
    }
    return n;
  }
  // Requests seen and not yet Ready: now, and the most at once since the watch started (or
  // since resetPeak).
  int inFlight() const {
    std::lock_guard lock(mu_);
    return inFlight_;
  }
  int peakInFlight() const {
    std::lock_guard lock(mu_);
    return peakInFlight_;
  }
  void resetPeak() {
    std::lock_guard lock(mu_);
    peakInFlight_ = inFlight_;
  }
  // Under mu_ (call inside waitUntil's predicate, or after it returned true).
  const std::map<std::string, SteadyClock::time_point>& certificateReady() const {
    return certificateReady_;
  }
  std::map<std::string, Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_by_name_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, SteadyClock::time_point> certificateReady_;
  std::map<std::string, Request> requests_by_name_;
  std::map<std::string, int> readyRevision_;  // the highest status.revision seen Ready
  // The counts the predicates read, kept as events come: a scan of 20 000 names at every event
  // would compete with the plane for the CPU it measures.
  std::map<std::string, std::size_t> readyByPrefix_;  // prefix of <prefix>-<i> → Ready
  std::map<int, std::size_t> revisionCount_;  // highest revision seen Ready → Certificates
  SteadyClock::time_point lastEvent_{};
  int inFlight_ = 0, peakInFlight_ = 0;
  kube::Informer certificates_;
  kube::Informer requests_;
};

// An ECDSA P-256 Certificate `name` (Secret name-tls) for `issuerRef`.
json certificate(const std::string& ns, const std::string& name, const json& issuerRef);

struct Batch {
  double totalMs = 0;                     // first create to last Certificate Ready
  std::vector<double> approvedToReadyMs;  // per request, as the watch saw it
  std::vector<double> createToReadyMs;    // per Certificate
};

// Creates `count` Certificates prefix-<i> in `ns` back to back and waits until all are Ready.
Result<Batch> issue(const std::shared_ptr<kube::Client>& client, const std::string& ns,
                    const json& issuerRef, const std::string& prefix, int count);

// A ChaosIssuer with `spec` (selfSigned added), waited for until Ready.
Result<void> createIssuer(const std::shared_ptr<kube::Client>& client, const std::string& ns,
                          const std::string& name, json spec);

// The issuers, each Ready, and one Certificate through each so that neither side pays for a
// first use (connections, caches) in its measured batch.
Result<void> prepareIssuers(BenchPlane& plane, const std::shared_ptr<kube::Client>& client);

// A plane whose cm-controller and certchaos-issuer run with the client rate limit qps/burst
// (clientRateLimitArgs), an admin client at 1000 QPS, and the issuers prepared.
struct IssuancePlane {
  std::unique_ptr<BenchPlane> plane;
  std::shared_ptr<kube::Client> client;
};
Result<IssuancePlane> startIssuancePlane(int qps, int burst);

struct Figure {
  std::string name;
  std::string value;    // as printed
  double measured = 0;  // compared with the target
  std::string target;
  bool met = false;
  std::string load;  // the 1/5/15-minute load when it was measured
};

const char* verdict(bool met);  // "MET" / "MISSED"
std::string fmt(const char* format, double a, double b = 0, double c = 0);
// The figures as a table (figure, value, target, MET/MISSED), and as JSON for results.json.
void printFigures(const std::vector<Figure>& figures);
json figuresJson(const std::vector<Figure>& figures);

// kube-apiserver's apiserver_request_total, summed over codes, by verb and resource
// ("POST certificaterequests", "PATCH certificaterequests/status").
std::map<std::string, double> apiRequests(const BenchPlane& plane);

// Waits until the plane is quiet: two samples a second apart with no write to the API server but
// the components' lease renewals. Returns the seconds waited (at most two minutes).
double settle(const BenchPlane& plane);

}  // namespace certchaos::bench
