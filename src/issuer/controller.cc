#include "certchaos/issuer/controller.h"

#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/chaos/request_context.h"
#include "certchaos/issuer/issuer_reconciler.h"
#include "certchaos/issuer/lean_request.h"
#include "certchaos/issuer/request_reconciler.h"
#include "certchaos/issuer/revocation_list.h"
#include "certchaos/kube/informer.h"
#include "certchaos/kube/leader_election.h"
#include "certchaos/kube/work_queue.h"

namespace certchaos::issuer {
namespace {

using nlohmann::json;
namespace res = kube::resources;

constexpr const char* kIssuerRefIndex = "issuerRef";
constexpr auto kRetryCap = std::chrono::minutes(5);

// A reconcile loop: workers take keys from the queue and call `reconcile`; errors back off,
// requested delays re-queue with addAfter (no thread waits for them).
class Loop {
 public:
  using Reconcile =
      std::function<Result<std::optional<std::chrono::nanoseconds>>(const std::string& key)>;
  Loop(std::string name, Reconcile reconcile, const obs::Logger& log)
      : name_(std::move(name)),
        queue_(realClock(), {std::chrono::milliseconds(100), kRetryCap}),
        reconcile_(std::move(reconcile)),
        log_(log) {}

  kube::WorkQueue& queue() { return queue_; }

  void start(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  void stop() {
    queue_.shutDown();
    threads_.clear();  // jthreads join
  }

 private:
  void work() {
    while (auto key = queue_.get()) {
      auto result = reconcile_(*key);
      if (!result) {
        log_.warn("reconcile failed; retrying with backoff",
                  {{"loop", name_}, {"key", *key}, {"error", result.error().message}});
        queue_.addRateLimited(*key);
      } else {
        queue_.forget(*key);
        if (*result) queue_.addAfter(*key, **result);
      }
      queue_.done(*key);
    }
  }

  std::string name_;
  kube::WorkQueue queue_;
  Reconcile reconcile_;
  const obs::Logger& log_;
  std::vector<std::jthread> threads_;
};

std::string issuerQueueKey(const json& issuer) {
  const auto& m = issuer["metadata"];
  return issuerKey(issuer.value("kind", ""), m.value("namespace", ""), m.value("name", ""));
}

// "ChaosIssuer/ns/name" → informer cache key "ns/name"; "ChaosClusterIssuer/name" → "name".
std::pair<std::string, std::string> splitIssuerKey(const std::string& key) {
  auto slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::string identityDefault() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace

int runController(std::shared_ptr<kube::Client> client, const ControllerOptions& options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  obs::Logger log("certchaos-issuer");
  obs::Registry registry;
  IssuerMetrics metrics(registry);
  kube::EventRecorder events(client, {"certchaos-issuer", ""});
  Runtime rt{client, events, realClock(), metrics, log};
  IssuerRegistry issuers;

  kube::Informer namespaces(client, res::kNamespace);
  kube::Informer chaosIssuers(client, api::kChaosIssuer);
  kube::Informer chaosClusterIssuers(client, api::kChaosClusterIssuer);
  // Every request of the cluster, kept lean (no CSR, certificate or CA: lean_request.h) and
  // packed: about 1 KiB a request where the parsed document took 9.
  kube::Informer requests(client, api::kCertificateRequest, "", requestCacheOptions(),
                          kRequestCacheStorage);
  requests.addIndex(kIssuerRefIndex, kube::issuerRefIndex);

  auto optedIn = [&namespaces](const std::string& ns) {
    auto object = namespaces.cache().get(ns);
    if (!object) return false;
    auto labels = (*object)["metadata"].value("labels", json::object());
    return labels.value(api::kChaosNamespaceLabel, "") == api::kChaosNamespaceLabelValue;
  };
  IssuerReconciler issuerReconciler(rt, issuers, options.clusterResourceNamespace);
  // Set once the issuer loop exists: a request that sees its issuer's CA Secret change asks
  // for the issuer to be reconciled again.
  std::atomic<Loop*> issuerLoopForRequests{nullptr};
  RequestReconciler requestReconciler(rt, issuers, optedIn, [&](const std::string& key) {
    if (Loop* loop = issuerLoopForRequests.load()) loop->queue().add(key);
  });

  Loop requestLoop(
      "certificaterequests",
      [&](const std::string& key) -> Result<std::optional<std::chrono::nanoseconds>> {
        auto object = requests.cache().get(key);
        if (!object) return std::optional<std::chrono::nanoseconds>{};
        return requestReconciler.reconcile(*object);
      },
      log);
  // When an issuer changes, its requests (and, for rogue issuers, every pending one) are looked
  // at again.
  auto requeueRequestsOf = [&](const std::string& key) {
    auto [kind, rest] = splitIssuerKey(key);
    std::string ns, name = rest;
    if (kind == api::kIssuerKind) {
      auto slash = rest.find('/');
      ns = rest.substr(0, slash);
      name = rest.substr(slash + 1);
    }
    for (const auto& r : requests.cache().byIndex(
             kIssuerRefIndex, std::string(api::kGroup) + "/" + kind + "/" + name)) {
      if (ns.empty() || (*r)["metadata"].value("namespace", "") == ns) {
        requestLoop.queue().add(kube::objectKey(*r));
      }
    }
    auto issuer = issuers.get(key);
    if (issuer && !issuer->engine->healthy()) {
      for (const auto& r : requests.cache().list()) requestLoop.queue().add(kube::objectKey(*r));
    }
  };
  Loop issuerLoop(
      "issuers",
      [&](const std::string& key) -> Result<std::optional<std::chrono::nanoseconds>> {
        auto [kind, cacheKey] = splitIssuerKey(key);
        auto object =
            (kind == api::kIssuerKind ? chaosIssuers : chaosClusterIssuers).cache().get(cacheKey);
        if (!object) {
          issuerReconciler.forget(key);
          return std::optional<std::chrono::nanoseconds>{};
        }
        auto before = issuers.get(key);
        auto result = issuerReconciler.reconcile(*object);
        auto after = issuers.get(key);
        bool changed = !before || !after || before->generation != after->generation ||
                       before->engine != after->engine || before->authority != after->authority;
        if (changed) requeueRequestsOf(key);
        return result;
      },
      log);
  issuerLoopForRequests = &issuerLoop;

  for (auto* informer : {&chaosIssuers, &chaosClusterIssuers}) {
    auto enqueue = [&issuerLoop](const kube::ObjectPtr& o) {
      issuerLoop.queue().add(issuerQueueKey(*o));
    };
    informer->addHandlers(
        {enqueue,
         [&issuerLoop](const kube::ObjectPtr& oldObject, const kube::ObjectPtr& o) {
           // Our own status writes come back as updates: only a new
           // generation needs a reconcile.
           if ((*oldObject)["metadata"].value("generation", 0) !=
               (*o)["metadata"].value("generation", 0)) {
             issuerLoop.queue().add(issuerQueueKey(*o));
           }
         },
         enqueue});
  }
  auto enqueueRequest = [&requestLoop, &requestReconciler](const kube::ObjectPtr& o) {
    requestReconciler.noteSeen(*o);
    requestLoop.queue().add(kube::objectKey(*o));
  };
  requests.addHandlers(
      {enqueueRequest,
       [enqueueRequest](const kube::ObjectPtr&, const kube::ObjectPtr& o) { enqueueRequest(o); },
       [&requestReconciler](const kube::ObjectPtr& o) {
         requestReconciler.forget((*o)["metadata"].value("uid", ""));
       }});

  std::atomic<bool> ready{false};
  httplib::Server http;
  http.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    metrics.queueDepth.set(
        static_cast<double>(requestLoop.queue().len() + requestLoop.queue().waiting()),
        {{"queue", "certificaterequests"}});
    metrics.queueDepth.set(
        static_cast<double>(issuerLoop.queue().len() + issuerLoop.queue().waiting()),
        {{"queue", "issuers"}});
    for (const auto& [resource, informer] : {std::pair{"certificaterequests", &requests},
                                             {"chaosissuers", &chaosIssuers},
                                             {"chaosclusterissuers", &chaosClusterIssuers},
                                             {"namespaces", &namespaces}}) {
      metrics.cachedObjects.set(static_cast<double>(informer->cache().size()),
                                {{"resource", resource}});
    }
    res.set_content(registry.render(), "text/plain; version=0.0.4");
  });
  // Scenario 25: each issuer's CRL, signed by its CA, listing what it published as revoked.
  RevocationList revocations;
  http.Get(R"(/crl/.+)", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string key = issuerKeyForCrlPath(req.path);
    auto issuer = key.empty() ? std::nullopt : issuers.get(key);
    if (!issuer) {
      res.status = 404;
      res.set_content("no issuer loaded under " + req.path +
                          "; expected /crl/ChaosIssuer/<namespace>/<name>.crl or "
                          "/crl/ChaosClusterIssuer/<name>.crl",
                      "text/plain");
      return;
    }
    const auto now = rt.clock.now();
    auto crl = pki::Crl::build(*issuer->authority, revocations.publishedAt(key, now), now,
                               now + kCrlValidity);
    if (!crl) {
      res.status = 500;
      res.set_content(crl.error().message, "text/plain");
      return;
    }
    res.set_content(crl->toDer(), "application/pkix-crl");
  });
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  http.Get("/readyz", [&](const httplib::Request&, httplib::Response& res) {
    if (ready) {
      res.set_content("ok", "text/plain");
    } else {
      res.status = 503;
      res.set_content("informer caches not synced yet", "text/plain");
    }
  });
  auto colon = options.listenAddress.rfind(':');
  const std::string host = options.listenAddress.substr(0, colon);
  int port = std::stoi(options.listenAddress.substr(colon + 1));
  int bound = port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    log.error("cannot listen for metrics and health", {{"address", options.listenAddress}});
    return 1;
  }
  std::jthread httpThread([&http] { http.listen_after_bind(); });
  const std::string address = host + ":" + std::to_string(bound);
  if (!options.addressFile.empty()) {
    std::ofstream(options.addressFile + ".tmp") << json{{"address", address}}.dump() << "\n";
    std::rename((options.addressFile + ".tmp").c_str(), options.addressFile.c_str());
  }
  log.info("serving metrics and health", {{"address", "http://" + address}});
  requestReconciler.publishRevocations(&revocations, "http://" + address);

  auto lead = [&](std::stop_token stop) {
    namespaces.start();
    chaosIssuers.start();
    chaosClusterIssuers.start();
    requests.start();
    for (auto* i : {&namespaces, &chaosIssuers, &chaosClusterIssuers, &requests}) {
      while (!i->waitForSync(std::chrono::seconds(1))) {
        if (stop.stop_requested()) return;
      }
    }
    issuerLoop.start(2);
    requestLoop.start(options.workers);
    ready = true;
    log.info("issuer ready", {{"workers", options.workers}});
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait(lock, stop, [] { return false; });
  };

  std::stop_source stopSource;
  std::jthread runner;
  std::unique_ptr<kube::LeaderElector> elector;
  if (options.leaderElect) {
    kube::LeaderElectionConfig config;
    config.leaseNamespace = options.leaseNamespace;
    config.leaseName = "certchaos-issuer";
    config.identity = options.identity.empty() ? identityDefault() : options.identity;
    config.onStartedLeading = lead;
    config.onStoppedLeading = [&log] { log.warn("lost the leader lease; stopping"); };
    elector = std::make_unique<kube::LeaderElector>(client, config);
    runner = std::jthread([&](std::stop_token) {
      elector->run(stopSource.get_token());
      kill(getpid(), SIGTERM);  // not leading any more: exit, a new process will campaign
    });
  } else {
    runner = std::jthread([&](std::stop_token) { lead(stopSource.get_token()); });
  }

  int sig = 0;
  sigwait(&signals, &sig);
  log.info("shutting down", {{"signal", sig}});
  stopSource.request_stop();
  runner = {};
  requestLoop.stop();
  issuerLoop.stop();
  for (auto* i : {&requests, &chaosClusterIssuers, &chaosIssuers, &namespaces}) i->stop();
  http.stop();
  return 0;
}

}  // namespace certchaos::issuer
