#include "certchaos/chaosrun/run_controller.h"

#include <httplib.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/chaosrun/chaos_run.h"
#include "certchaos/chaosrun/report_config_map.h"
#include "certchaos/chaosrun/start_conditions.h"
#include "certchaos/common/time.h"
#include "certchaos/kube/errors.h"
#include "certchaos/kube/informer.h"
#include "certchaos/kube/leader_election.h"
#include "certchaos/kube/work_queue.h"
#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/obs/log.h"
#include "certchaos/report/report.h"

namespace certchaos::chaosrun {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Delay = std::optional<std::chrono::nanoseconds>;

constexpr const char* kFieldManager = "certchaos-runner";
// The annotation a skip-approval run puts on the Certificate (runner.cc); released on rollback.
constexpr const char* kHoldApprovalAnnotation = "certchaos.io/hold-approval";
constexpr auto kIssuerReadyTimeout = std::chrono::seconds(60);

std::string str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string identityDefault() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  // The start time tells a restarted controller from the one before it, even with the same pid.
  return std::string(host) + "-" + std::to_string(getpid()) + "-" +
         std::to_string(static_cast<long long>(now.tv_sec) * 1000 + now.tv_nsec / 1000000);
}

const kube::ResourceRef& issuerResource(const scenario::RunOptions& o) {
  return o.issuerKind == "ChaosClusterIssuer" ? api::kChaosClusterIssuer : api::kChaosIssuer;
}

std::string issuerKey(const scenario::RunOptions& o) {
  return o.issuerKind + "/" + o.issuer.ns + "/" + o.issuer.name;
}

std::string issuerName(const scenario::RunOptions& o) {
  return o.issuerKind + " " + (o.issuer.ns.empty() ? "" : o.issuer.ns + "/") + o.issuer.name;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One run on its own thread; `done` once its status is written.
struct ActiveRun {
  std::string issuer;  // issuerKey of the run
  std::stop_source stop;
  std::atomic<bool> done{false};
  std::jthread thread;
};

class RunController {
 public:
  RunController(std::shared_ptr<kube::Client> client, RunControllerOptions options)
      : client_(std::move(client)),
        options_(std::move(options)),
        identity_(options_.identity.empty() ? identityDefault() : options_.identity),
        log_("certchaos-runner"),
        informer_(client_, api::kChaosRun),
        queue_(realClock(), {std::chrono::milliseconds(200), std::chrono::minutes(2)}) {
    auto enqueue = [this](const kube::ObjectPtr& o) { queue_.add(runKey(*o)); };
    informer_.addHandlers(
        {enqueue, [enqueue](const kube::ObjectPtr&, const kube::ObjectPtr& o) { enqueue(o); },
         enqueue});
  }

  const std::string& identity() const { return identity_; }
  bool ready() const { return ready_.load(); }

  // While leading: the informer, then one worker (so that choosing which run starts on an
  // issuer is never raced), until `stop`.
  void lead(std::stop_token stop) {
    informer_.start();
    while (!informer_.waitForSync(std::chrono::seconds(1))) {
      if (stop.stop_requested()) return;
    }
    ready_ = true;
    log_.info("runner controller ready", {{"identity", identity_}});
    std::jthread worker([this] {
      while (auto key = queue_.get()) {
        auto result = reconcile(*key);
        if (!result) {
          log_.warn("reconcile failed; retrying with backoff",
                    {{"run", *key}, {"error", result.error().message}});
          queue_.addRateLimited(*key);
        } else {
          queue_.forget(*key);
          if (*result) queue_.addAfter(*key, **result);
        }
        queue_.done(*key);
      }
    });
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait(lock, stop, [] { return false; });
    shutDown();
  }

  // Stops the runs in progress (each rolls back and writes its status), then the worker.
  void shutDown() {
    std::map<std::string, std::unique_ptr<ActiveRun>> runs;
    {
      std::lock_guard lock(mu_);
      for (auto& [key, run] : active_) run->stop.request_stop();
      runs.swap(active_);
    }
    runs.clear();  // joins each run's thread after its rollback
    queue_.shutDown();
    informer_.stop();
  }

 private:
  Result<Delay> reconcile(const std::string& key) {
    auto object = informer_.cache().get(key);
    reap(key);
    if (!object) return Delay{};
    const json& run = *object;
    const std::string phase = phaseOf(run);
    const bool deleting = run["metadata"].contains("deletionTimestamp");
    const bool mine = isActive(key);
    if (deleting) {
      if (mine) {
        // Its thread rolls back, writes the status and asks for this key again.
        std::lock_guard lock(mu_);
        active_.at(key)->stop.request_stop();
        return Delay{};
      }
      if (phase == kRunning) {
        auto fresh = client_->get(api::kChaosRun, run["metadata"].value("namespace", ""),
                                  run["metadata"].value("name", ""));
        if (fresh && phaseOf(*fresh) == kRunning) {
          if (auto r = rollBackOrphan(*fresh, "Deleted"); !r) return r.error();
        }
      }
      return removeFinalizer(run);
    }
    if (finished(phase)) return Delay{};
    if (abortRequested(run)) return abort(run, mine);
    if (phase == kRunning) {
      if (mine) return Delay{};
      // The cache may lag our own run's last status write: read the run as it is now.
      auto fresh = client_->get(api::kChaosRun, run["metadata"].value("namespace", ""),
                                run["metadata"].value("name", ""));
      if (!fresh) return kube::isNotFound(fresh.error()) ? Result<Delay>(Delay{}) : fresh.error();
      if (phaseOf(*fresh) != kRunning) return Delay{};
      // Running, but not on a thread of this controller: the controller that ran it is gone.
      if (auto r = rollBackOrphan(*fresh, "ControllerRestarted"); !r) return r.error();
      return Delay{};
    }
    if (auto r = addFinalizer(run); !r) return r.error();
    auto options = runOptionsFor(run);
    if (!options) {
      if (auto r = writeStatus(run, {{"phase", kAborted},
                                     {"reason", "FailedToStart"},
                                     {"message", options.error().message},
                                     {"completedAt", formatRfc3339(client_->clock().now())}});
          !r) {
        return r.error();
      }
      return Delay{};
    }
    const bool awaitScenario = run["spec"].value("awaitIssuerScenario", false);
    auto conditions =
        evaluateStartConditions(*client_, *options, awaitScenario, client_->clock().now());
    conditions.push_back(issuerFree(*options, key));
    // A new run is Waiting first, with its conditions as first seen, even when they hold: the
    // status then tells when the run was armed and when it started.
    if (!allHold(conditions) || phase.empty()) {
      std::string waitingFor;
      for (const auto& c : conditions) {
        if (!c.holds) waitingFor += (waitingFor.empty() ? "" : "; ") + c.message;
      }
      json status = {
          {"phase", kWaiting},
          {"reason", waitingFor.empty() ? "ConditionsMet" : "ConditionsNotMet"},
          {"message", waitingFor.empty() ? "the start conditions hold: starting" : waitingFor},
          {"conditions", conditionsJson(run, conditions)}};
      if (changed(run, status)) {
        if (auto r = writeStatus(run, status); !r) return r.error();
      }
      if (waitingFor.empty()) return Delay{std::chrono::milliseconds(100)};
      return Delay{options_.recheckInterval};
    }
    return start(run, std::move(*options), conditions);
  }

  // `certchaos abort` asked for it: a run of this controller stops (its thread rolls back and
  // writes Aborted); one Running elsewhere is rolled back here; one not started ends at once.
  Result<Delay> abort(const json& run, bool mine) {
    if (mine) {
      std::lock_guard lock(mu_);
      active_.at(runKey(run))->stop.request_stop();
      return Delay{};
    }
    auto fresh = client_->get(api::kChaosRun, run["metadata"].value("namespace", ""),
                              run["metadata"].value("name", ""));
    if (!fresh) return kube::isNotFound(fresh.error()) ? Result<Delay>(Delay{}) : fresh.error();
    const std::string phase = phaseOf(*fresh);
    if (phase == kRunning) {
      if (auto r = rollBackOrphan(*fresh, "AbortRequested"); !r) return r.error();
    } else if (!finished(phase)) {
      if (auto r = writeStatus(*fresh, {{"phase", kAborted},
                                        {"reason", "AbortRequested"},
                                        {"verdict", "aborted"},
                                        {"message", "aborted before it started (certchaos abort)"},
                                        {"completedAt", formatRfc3339(client_->clock().now())}});
          !r) {
        return r.error();
      }
    }
    return Delay{};
  }

  // Running in status first (so that a restart finds it), then the thread.
  Result<Delay> start(const json& run, scenario::RunOptions options,
                      const std::vector<StartCondition>& conditions) {
    const std::string key = runKey(run);
    json status = {{"phase", kRunning},
                   {"reason", "Started"},
                   {"message", "the start conditions hold: running scenario " + options.scenario +
                                   " on " + issuerName(options)},
                   {"runner", identity_},
                   {"startedAt", formatRfc3339(client_->clock().now())},
                   {"conditions", conditionsJson(run, conditions)}};
    if (auto r = writeStatus(run, status); !r) return r.error();
    log_.info("starting run", {{"run", key}, {"scenario", options.scenario}});
    options.runsDir = options_.runsDir;
    options.cluster = options_.stateDir.empty() ? "in-cluster" : "local";
    options.certManagerBackoff = scenario::productionBackoff(
        "the runner controller leaves cert-manager's back-off as the cluster has it");
    addLogSources(run, options);
    options.progress = &std::cerr;
    auto active = std::make_unique<ActiveRun>();
    active->issuer = issuerKey(options);
    ActiveRun* handle = active.get();
    {
      std::lock_guard lock(mu_);
      active_[key] = std::move(active);
    }
    handle->thread = std::jthread([this, run, options, handle, key] {
      execute(run, options, handle->stop.get_token());
      handle->done = true;
      queue_.add(key);
    });
    return Delay{};
  }

  void execute(const json& run, const scenario::RunOptions& options, std::stop_token stop) {
    const std::string key = runKey(run);
    auto result = scenario::runScenario(client_, options, stop);
    const std::string now = formatRfc3339(client_->clock().now());
    auto latest = client_->get(api::kChaosRun, run["metadata"].value("namespace", ""),
                               run["metadata"].value("name", ""));
    const json& current = latest ? *latest : run;
    const bool deleting = current["metadata"].contains("deletionTimestamp");
    const std::string stopped = deleting                  ? "Deleted"
                                : abortRequested(current) ? "AbortRequested"
                                                          : "Stopped";
    json status;
    if (!result) {
      status = {{"phase", kAborted},
                {"reason", stop.stop_requested() ? stopped : "FailedToStart"},
                {"message", result.error().message},
                {"verdict", "aborted"},
                {"completedAt", now}};
    } else {
      const auto& r = result->report;
      const bool aborted = r.verdict.result == report::VerdictResult::kAborted;
      status = {{"phase", aborted ? kAborted : kCompleted},
                {"reason", aborted ? stopped : "Finished"},
                {"message", r.verdict.summary},
                {"runId", r.run.id},
                {"verdict", std::string(report::toString(r.verdict.result))},
                {"failingStep", r.verdict.failingStep},
                {"summary", r.verdict.summary},
                {"completedAt", now}};
      if (deleting) {
        // The run is going away, and its report with it (the ConfigMap would be its orphan);
        // the controller's runs directory keeps it.
        status["report"] = {
            {"trimmed", "not stored in the cluster: the run was deleted; kept in " + result->dir}};
      } else {
        storeReport(current, *result, status);
      }
    }
    if (latest) {
      if (auto w = writeStatus(current, status); !w) {
        log_.error("cannot write the run's status", {{"run", key}, {"error", w.error().message}});
      }
    }
    log_.info("run ended",
              {{"run", key}, {"phase", status["phase"]}, {"reason", status["reason"]}});
  }

  // report.json and the collected logs in a ConfigMap the run owns; status.report says where.
  void storeReport(const json& current, const scenario::RunResult& result, json& status) {
    std::map<std::string, std::string> logs;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(result.dir + "/logs", ec)) {
      if (e.is_regular_file()) logs[e.path().stem().string()] = readFile(e.path());
    }
    auto configMap =
        buildReportConfigMap(current, readFile(result.dir + "/report.json"), logs, result.dir);
    auto applied = client_->apply(kube::resources::kConfigMap, configMap.object,
                                  {.fieldManager = kFieldManager, .force = true});
    if (applied) {
      status["report"] = {{"configMap", configMap.object["metadata"]["name"]}};
      if (!configMap.trimmed.empty()) status["report"]["trimmed"] = configMap.trimmed;
    } else {
      // Not lost: the report stays in the controller's runs directory, and status says where.
      status["report"] = {{"trimmed", "the report could not be stored in the cluster (" +
                                          applied.error().message + "); it is kept in " +
                                          result.dir}};
    }
  }

  // Where the run reads its logs: spec.logs, else the local plane's log files of the issuer,
  // cert-manager and the application probed, else their pods (scenario::resolveLogSources).
  void addLogSources(const json& run, scenario::RunOptions& options) const {
    scenario::LocalLogFiles files;
    if (!options_.stateDir.empty()) {
      if (auto state = localcluster::LocalCluster(options_.stateDir).loadState()) {
        for (const auto& c : state->components) {
          if (c.name == "certchaos-issuer") files[std::string(scenario::kIssuerLogs)] = c.logPath;
          if (c.name == "cm-controller") {
            files[std::string(scenario::kCertManagerLogs)] = c.logPath;
          }
          if (!options.appUrl.empty() && c.url == options.appUrl) {
            files[std::string(scenario::kAppLogs)] = c.logPath;
          }
        }
      }
    }
    // runOptionsFor refused a run with a bad spec.logs before it got here.
    auto overrides = chaosrun::logOverridesFor(run);
    options.logSources =
        scenario::resolveLogSources(overrides ? *overrides : scenario::LogOverrides{}, files,
                                    options.certificate.ns, !options.appUrl.empty());
  }

  StartCondition issuerFree(const scenario::RunOptions& options, const std::string& key) {
    std::lock_guard lock(mu_);
    for (const auto& [other, run] : active_) {
      if (other != key && run->issuer == issuerKey(options) && !run->done) {
        return {kIssuerFree, false, "IssuerBusy",
                "waiting for ChaosRun " + other + ", which runs on " + issuerName(options) +
                    " (one run per issuer at a time)"};
      }
    }
    return {kIssuerFree, true, "Free", "no other run on " + issuerName(options)};
  }

  // A run found Running that this controller does not run: its rollback (the issuer made
  // healthy and seen Ready at its new generation), then Aborted with the reason.
  Result<void> rollBackOrphan(const json& run, const std::string& reason) {
    const std::string key = runKey(run);
    const json status = run.value("status", json::object());
    const std::string what = reason == "Deleted" ? "the run was deleted while no controller ran it"
                             : reason == "AbortRequested"
                                 ? "aborted (certchaos abort) while no controller ran it"
                                 : "the runner controller that ran it (" + str(status, "runner") +
                                       ") stopped during the run";
    auto options = runOptionsFor(run);
    std::string rolledBack = "nothing to roll back (" +
                             (options ? std::string("spec.keep") : options.error().message) + ")";
    if (options && !options->keep) {
      auto done = rollBack(*options);
      if (!done) return done.error();
      rolledBack = *done;
    }
    log_.warn("rolled back an interrupted run", {{"run", key}, {"reason", reason}});
    return writeStatus(run, {{"phase", kAborted},
                             {"reason", reason},
                             {"verdict", "aborted"},
                             {"message", what + "; " + rolledBack + "; no report was written"},
                             {"completedAt", formatRfc3339(client_->clock().now())}});
  }

  // The issuer back to healthy, verified; the Certificate's approval hold released. For
  // rogue-issuer the chaos was on the rogue the run created beside the issuer: it is deleted.
  Result<std::string> rollBack(const scenario::RunOptions& o) {
    const kube::PatchOptions patch{.fieldManager = kFieldManager};
    auto released = client_->patch(
        api::kCertificate, o.certificate.ns, o.certificate.name, kube::PatchType::kMerge,
        {{"metadata", {{"annotations", {{kHoldApprovalAnnotation, nullptr}}}}}}, patch);
    if (!released && !kube::isNotFound(released.error())) return released.error();
    std::string done;
    if (o.scenario == "1" || o.scenario == "rogue-issuer") {
      const std::string rogue = o.issuer.name + "-rogue";
      auto removed = client_->remove(issuerResource(o), o.issuer.ns, rogue);
      if (!removed && !kube::isNotFound(removed.error())) return removed.error();
      done = "rogue issuer " + rogue + " deleted; ";
    }
    auto patched =
        client_->patch(issuerResource(o), o.issuer.ns, o.issuer.name, kube::PatchType::kMerge,
                       {{"spec", scenario::healthyChaosPatch()["spec"]}}, patch);
    if (!patched) {
      if (kube::isNotFound(patched.error())) return done + issuerName(o) + " no longer exists";
      return patched.error();
    }
    const auto generation = (*patched)["metadata"].value("generation", std::int64_t{0});
    const auto deadline = std::chrono::steady_clock::now() + kIssuerReadyTimeout;
    for (;;) {
      auto now = client_->get(issuerResource(o), o.issuer.ns, o.issuer.name);
      if (!now) return now.error();
      const json* ready = api::findCondition(*now, "Ready");
      if (ready != nullptr && str(*ready, "status") == "True" &&
          ready->value("observedGeneration", std::int64_t{-1}) >= generation) {
        return done + issuerName(o) + " rolled back to healthy and Ready at generation " +
               std::to_string(generation) + " (verified)";
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return makeError("RollbackUnverified",
                         "expected " + issuerName(o) + " to be Ready at generation " +
                             std::to_string(generation) + " after its rollback to healthy within " +
                             std::to_string(kIssuerReadyTimeout.count()) +
                             " s, found it not (is certchaos-issuer running?)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  Result<void> addFinalizer(const json& run) {
    json finalizers = run["metadata"].value("finalizers", json::array());
    for (const auto& f : finalizers) {
      if (f == kFinalizer) return {};
    }
    finalizers.push_back(kFinalizer);
    return patchFinalizers(run, finalizers);
  }

  Result<Delay> removeFinalizer(const json& run) {
    json kept = json::array();
    bool had = false;
    for (const auto& f : run["metadata"].value("finalizers", json::array())) {
      if (f == kFinalizer) {
        had = true;
      } else {
        kept.push_back(f);
      }
    }
    if (!had) return Delay{};
    if (auto r = patchFinalizers(run, kept); !r) return r.error();
    return Delay{};
  }

  // A JSON patch that tests the resourceVersion: another writer's finalizers are never lost.
  Result<void> patchFinalizers(const json& run, const json& finalizers) {
    const auto& m = run["metadata"];
    json ops = json::array(
        {{{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", m["resourceVersion"]}},
         {{"op", "add"}, {"path", "/metadata/finalizers"}, {"value", finalizers}}});
    auto r = client_->patch(api::kChaosRun, m.value("namespace", ""), m.value("name", ""),
                            kube::PatchType::kJsonPatch, ops, {.fieldManager = kFieldManager});
    if (!r && !kube::isNotFound(r.error())) return r.error();
    return {};
  }

  Result<void> writeStatus(const json& run, json status) {
    const auto& m = run["metadata"];
    status["observedGeneration"] = m.value("generation", std::int64_t{0});
    auto r = client_->patch(api::kChaosRun, m.value("namespace", ""), m.value("name", ""),
                            kube::PatchType::kMerge, {{"status", status}},
                            {.subresource = "status", .fieldManager = kFieldManager});
    if (!r && !kube::isNotFound(r.error())) return r.error();
    return {};
  }

  // Whether `status` says anything the run's status does not (so that an unchanged wait writes
  // nothing, and our own writes do not wake us in a loop).
  static bool changed(const json& run, const json& status) {
    const json current = run.value("status", json::object());
    for (const auto& [k, v] : status.items()) {
      if (!current.contains(k) || current[k] != v) return true;
    }
    return false;
  }

  json conditionsJson(const json& run, const std::vector<StartCondition>& conditions) const {
    json out = json::array();
    for (const auto& c : conditions) {
      api::ConditionSpec spec{c.type, c.holds ? "True" : "False", c.reason, c.message};
      json built = api::buildCondition(run, spec, client_->clock().now());
      built.erase("observedGeneration");
      out.push_back(built);
    }
    return out;
  }

  bool isActive(const std::string& key) {
    std::lock_guard lock(mu_);
    return active_.count(key) != 0;
  }

  // A run whose thread finished is forgotten (its thread joined).
  void reap(const std::string& key) {
    std::unique_ptr<ActiveRun> finishedRun;
    {
      std::lock_guard lock(mu_);
      auto it = active_.find(key);
      if (it == active_.end() || !it->second->done) return;
      finishedRun = std::move(it->second);
      active_.erase(it);
    }
  }

  std::shared_ptr<kube::Client> client_;
  RunControllerOptions options_;
  std::string identity_;
  obs::Logger log_;
  kube::Informer informer_;
  kube::WorkQueue queue_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<ActiveRun>> active_;
  std::atomic<bool> ready_{false};
};

}  // namespace

int runRunController(std::shared_ptr<kube::Client> client, const RunControllerOptions& options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  obs::Logger log("certchaos-runner");

  std::error_code ec;
  fs::create_directories(options.runsDir, ec);
  if (ec || options.runsDir.empty()) {
    log.error("cannot create the runs directory; pass --runs-dir with a writable directory",
              {{"runsDir", options.runsDir}, {"error", ec.message()}});
    return 1;
  }
  RunController controller(client, options);

  httplib::Server http;
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  http.Get("/readyz", [&](const httplib::Request&, httplib::Response& res) {
    if (controller.ready()) {
      res.set_content("ok", "text/plain");
    } else {
      res.status = 503;
      res.set_content("not leading, or the ChaosRun cache has not synced yet", "text/plain");
    }
  });
  auto colon = options.listenAddress.rfind(':');
  const std::string host = options.listenAddress.substr(0, colon);
  const int port =
      colon == std::string::npos ? 0 : std::atoi(options.listenAddress.c_str() + colon + 1);
  const int bound =
      port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    log.error("cannot listen for health; pass --listen-address HOST:PORT that is free",
              {{"address", options.listenAddress}});
    return 1;
  }
  std::jthread httpThread([&http] { http.listen_after_bind(); });
  const std::string address = host + ":" + std::to_string(bound);
  if (!options.addressFile.empty()) {
    std::ofstream(options.addressFile + ".tmp") << json{{"address", address}}.dump() << "\n";
    std::rename((options.addressFile + ".tmp").c_str(), options.addressFile.c_str());
  }
  log.info("serving health",
           {{"address", "http://" + address}, {"identity", controller.identity()}});

  std::stop_source stopSource;
  std::jthread runner;
  std::unique_ptr<kube::LeaderElector> elector;
  if (options.leaderElect) {
    kube::LeaderElectionConfig config;
    config.leaseNamespace = options.leaseNamespace;
    config.leaseName = "certchaos-runner";
    config.identity = controller.identity();
    config.onStartedLeading = [&controller](std::stop_token stop) { controller.lead(stop); };
    config.onStoppedLeading = [&log] { log.warn("lost the leader lease; stopping"); };
    elector = std::make_unique<kube::LeaderElector>(client, config);
    runner = std::jthread([&](std::stop_token) {
      elector->run(stopSource.get_token());
      kill(getpid(), SIGTERM);  // not leading any more: exit, a new process will campaign
    });
  } else {
    runner = std::jthread([&](std::stop_token) { controller.lead(stopSource.get_token()); });
  }

  int sig = 0;
  sigwait(&signals, &sig);
  log.info("shutting down: stopping the runs in progress (each rolls back)", {{"signal", sig}});
  stopSource.request_stop();
  runner = {};
  http.stop();
  return 0;
}

}  // namespace certchaos::chaosrun
