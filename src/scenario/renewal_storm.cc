#include "renewal_storm.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/conditions.h"
#include "certchaos/chaos/catalog.h"
#include "certchaos/common/duration.h"
#include "certchaos/kube/errors.h"
#include "certchaos/kube/informer.h"
#include "certchaos/scenario/renew.h"

namespace certchaos::scenario {
namespace {

namespace res = kube::resources;
using nlohmann::json;

constexpr const char* kFieldManager = "certchaos-runner";

std::string conditionStatus(const json& o, const std::string& type) {
  const auto* c = api::findCondition(o, type);
  return c == nullptr ? "" : c->value("status", "");
}

// The copy as the run applies it: the original's spec with a Secret of its own.
json copyOf(const json& certificate, const std::string& name) {
  json spec = certificate.value("spec", json::object());
  spec["secretName"] = name + "-tls";
  const std::string ns = certificate["metadata"].value("namespace", "");
  const std::string original = certificate["metadata"].value("name", "");
  return {{"metadata",
           {{"name", name}, {"namespace", ns}, {"labels", {{chaos::kStormLabel, original}}}}},
          {"spec", spec}};
}

}  // namespace

std::vector<std::string> stormCopyNames(const std::string& name, int copies) {
  std::vector<std::string> out;
  for (int i = 1; i <= copies; ++i) out.push_back(name + "-storm-" + std::to_string(i));
  return out;
}

void recordStorm(Timeline& timeline, const StormObservation& storm,
                 const std::string& certificateObject) {
  const auto f = stormFigures(storm);
  if (!storm.forcedAt) return;
  constexpr int kMaxSamples = 300;
  int samples = 0;
  int issued = 0, failed = 0;
  // Answered requests by time, to tell how many were issued and failed up to each sample.
  std::vector<std::pair<SystemTime, bool>> answers;
  for (const auto& [name, requests] : storm.requests) {
    for (const auto& r : requests) {
      if (r.decidedAt) answers.emplace_back(*r.decidedAt, r.issued);
    }
  }
  std::sort(answers.begin(), answers.end());
  std::size_t answered = 0;
  for (std::size_t i = 0; i < f.inFlight.size() && samples < kMaxSamples; ++i) {
    const auto second = std::chrono::floor<std::chrono::seconds>(f.inFlight[i].first);
    int peak = f.inFlight[i].second;
    while (i + 1 < f.inFlight.size() &&
           std::chrono::floor<std::chrono::seconds>(f.inFlight[i + 1].first) == second) {
      ++i;
      peak = std::max(peak, f.inFlight[i].second);
    }
    const auto at = f.inFlight[i].first;
    while (answered < answers.size() && answers[answered].first <= at) {
      (answers[answered].second ? issued : failed) += 1;
      ++answered;
    }
    const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(at - *storm.forcedAt);
    timeline.add(report::Source::kRunner, "StormInFlight",
                 std::to_string(f.inFlight[i].second) + " request(s) in flight at +" +
                     formatGoDuration(since) + " (at most " + std::to_string(peak) +
                     " within that second); " + std::to_string(issued) + " issued, " +
                     std::to_string(failed) + " failed so far",
                 certificateObject, at);
    ++samples;
  }
  std::string perCertificate;
  for (const auto& [n, certificates] : f.requestsPerCertificate) {
    perCertificate += (perCertificate.empty() ? "" : ", ") + std::to_string(certificates) + " × " +
                      std::to_string(n);
  }
  std::array<char, 32> rate{};
  std::snprintf(rate.data(), rate.size(), "%.2f", f.issuedPerSecond);
  std::string message =
      std::to_string(f.certificates) + " Certificates renewed together: peak " +
      std::to_string(f.peakInFlight) + " request(s) in flight, " + std::to_string(f.requests) +
      " request(s), " + std::to_string(f.issued) + " issued (" + rate.data() + "/s), " +
      std::to_string(f.failed) +
      " failed; requests per Certificate (Certificates × requests): " + perCertificate + "; " +
      std::to_string(f.retries) + " retr" + (f.retries == 1 ? "y" : "ies") + " after a failure";
  if (f.shortestRetryGap) {
    message += ", the soonest " +
               formatGoDuration(
                   std::chrono::duration_cast<std::chrono::milliseconds>(*f.shortestRetryGap)) +
               " after its failure (" + f.shortestRetryCertificate + ")";
  }
  message += "; " + std::to_string(f.concluded) + " of " + std::to_string(f.certificates) +
             " answered when the run ended";
  timeline.add(report::Source::kRunner, "StormSummary", message, certificateObject,
               f.allConcludedAt.value_or(std::chrono::system_clock::now()));
}

Result<StormCopies> StormCopies::create(const std::shared_ptr<kube::Client>& client,
                                        const json& certificate, int copies,
                                        std::chrono::nanoseconds readyTimeout,
                                        const std::stop_token& abort) {
  StormCopies out;
  out.client_ = client;
  out.ns_ = certificate["metadata"].value("namespace", "");
  const std::string original = certificate["metadata"].value("name", "");
  out.names_ = stormCopyNames(original, copies);

  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> ready;
  const std::set<std::string> wanted(out.names_.begin(), out.names_.end());
  kube::ReflectorOptions options;
  options.labelSelector = std::string(chaos::kStormLabel) + "=" + original;
  kube::Informer informer(client, api::kCertificate, out.ns_, options);
  auto onCertificate = [&](const kube::ObjectPtr& o) {
    const std::string name = (*o)["metadata"].value("name", "");
    const bool isReady =
        conditionStatus(*o, "Ready") == "True" && conditionStatus(*o, "Issuing") != "True";
    std::lock_guard lock(mu);
    if (wanted.count(name) == 0) return;
    if (isReady) {
      ready.insert(name);
    } else {
      ready.erase(name);
    }
    cv.notify_all();
  };
  informer.addHandlers({onCertificate,
                        [&](const kube::ObjectPtr&, const kube::ObjectPtr& o) { onCertificate(o); },
                        nullptr});
  informer.start();
  informer.waitForSync(std::chrono::seconds(30));
  for (const auto& name : out.names_) {
    auto applied = client->apply(api::kCertificate, copyOf(certificate, name),
                                 {.fieldManager = kFieldManager, .force = true});
    if (!applied) {
      (void)out.remove();
      std::string message = "renewal-storm: creating Certificate ";
      message += out.ns_ + "/" + name;
      message += " (a copy of " + original + "): ";
      message += applied.error().message;
      return makeError(applied.error().code, message);
    }
  }
  std::unique_lock lock(mu);
  const auto deadline = std::chrono::steady_clock::now() + readyTimeout;
  while (ready.size() < wanted.size() && !abort.stop_requested() &&
         std::chrono::steady_clock::now() < deadline) {
    cv.wait_for(lock, std::chrono::milliseconds(200));
  }
  if (ready.size() < wanted.size()) {
    std::string missing;
    for (const auto& name : out.names_) {
      if (ready.count(name) == 0) missing += (missing.empty() ? "" : ", ") + name;
    }
    lock.unlock();
    informer.stop();
    (void)out.remove();
    return makeError(
        "NotReady",
        "renewal-storm: expected the " + std::to_string(copies) + " copies of " + out.ns_ + "/" +
            original + " to be Ready within " +
            formatGoDuration(std::chrono::duration_cast<std::chrono::seconds>(readyTimeout)) +
            (abort.stop_requested() ? " (the run was aborted)" : "") + "; not Ready: " + missing +
            " (deleted again); is the issuer healthy? Try a smaller --set count");
  }
  lock.unlock();
  informer.stop();
  return out;
}

Result<void> StormCopies::forceRenewals(Clock& clock) const {
  for (const auto& name : names_) {
    if (auto forced = forceRenewal(*client_, ns_, name, clock); !forced) return forced.error();
  }
  return {};
}

Result<std::string> StormCopies::remove() const {
  const std::set<std::string> names(names_.begin(), names_.end());
  int certificates = 0, secrets = 0, requests = 0;
  for (const auto& name : names_) {
    auto removed = client_->remove(api::kCertificate, ns_, name);
    if (!removed && !kube::isNotFound(removed.error())) return removed.error();
    certificates += removed ? 1 : 0;
    auto secret = client_->remove(res::kSecret, ns_, name + "-tls");
    if (!secret && !kube::isNotFound(secret.error())) return secret.error();
    secrets += secret ? 1 : 0;
  }
  // Without a garbage collector on the local plane the requests the copies made stay: they go
  // too, so that the next run's namespace holds only what it had.
  auto list = client_->listAll(api::kCertificateRequest, ns_);
  if (!list) return list.error();
  for (const auto& cr : list->items) {
    const auto annotations = cr["metadata"].value("annotations", json::object());
    if (names.count(annotations.value("cert-manager.io/certificate-name", "")) == 0) continue;
    auto removed = client_->remove(api::kCertificateRequest, ns_, cr["metadata"].value("name", ""));
    if (!removed && !kube::isNotFound(removed.error())) return removed.error();
    requests += removed ? 1 : 0;
  }
  return std::to_string(certificates) + " Certificate(s), " + std::to_string(secrets) +
         " Secret(s) and " + std::to_string(requests) + " CertificateRequest(s)";
}

}  // namespace certchaos::scenario
