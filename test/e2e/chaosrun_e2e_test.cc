// The original trigger end to end on the real local plane (issue 10): `certchaos deploy issuer
// --scenario 3` on a base with a signed Certificate and the demo app arms a ChaosRun, which the
// runner controller (a process of the plane) starts once its conditions hold; the sleep outlasts
// the certificate, the application fails, recovers; the report is kept in the cluster and
// `certchaos report show 3` prints it with an empty local runs directory. Then the controller is
// SIGKILLed mid-run: restarted by `certchaos up`, it rolls the issuer back and ends the run
// Aborted.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/chaosrun/chaos_run.h"
#include "certchaos/kube/errors.h"
#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/report/report_json.h"
#include "plane.h"
#include "scenario_base.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
namespace cr = chaosrun;

constexpr int kScale = 120;  // 1 h nominal = 30 s: the base certificate lives 30 s

// A thread that watches `resource` in `ns` until it is stopped, watching again whenever the server
// ends the watch, and hands every object added or modified to `onObject` (bookmarks, deletions
// and errors are no new state of an object).
std::jthread watchObjects(const kube::ResourceRef& resource, const std::string& ns,
                          kube::WatchOptions options, std::function<void(const json&)> onObject) {
  return std::jthread([resource, ns, options, onObject](std::stop_token stop) {
    auto client = SharedPlane::get().admin();
    while (!stop.stop_requested()) {
      (void)client->watch(
          resource, ns, options,
          [&onObject](const kube::WatchEvent& e) {
            if (e.type == kube::WatchEventType::kAdded ||
                e.type == kube::WatchEventType::kModified) {
              onObject(e.object);
            }
            return true;
          },
          stop);
    }
  });
}

// Every phase the first ChaosRun of a namespace (the run under test) passes through, in order,
// from a watch (a status write that lasts a moment is still an event), and the last state seen.
class RunWatch {
 public:
  explicit RunWatch(const std::string& ns) {
    thread_ = watchObjects(api::kChaosRun, ns, {.timeout = std::chrono::seconds(60)},
                           [this](const json& run) {
                             std::lock_guard lock(mu_);
                             // The run under test is the first one seen in the namespace; a
                             // second run created later (the busy-issuer case) must not stand in
                             // for it.
                             const std::string name = run["metadata"].value("name", "");
                             if (first_.empty()) first_ = name;
                             if (name != first_) return;
                             last_ = run;
                             const std::string phase = cr::phaseOf(run);
                             if (!phase.empty() && (phases_.empty() || phases_.back() != phase)) {
                               phases_.push_back(phase);
                             }
                           });
  }
  std::vector<std::string> phases() const {
    std::lock_guard lock(mu_);
    return phases_;
  }
  // The last state seen of the first ChaosRun of the namespace.
  json last() const {
    std::lock_guard lock(mu_);
    return last_;
  }
  // Waits until the run's phase is `phase` (or any finished one when `phase` is empty).
  json waitFor(const std::string& phase, std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      json now = last();
      const std::string p = cr::phaseOf(now);
      if (phase.empty() ? cr::finished(p) : p == phase) return now;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no ChaosRun reached " << (phase.empty() ? "an end" : phase) << " within "
                  << timeout.count() << " s; last seen:\n"
                  << last().dump(2);
    return last();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> phases_;
  json last_;
  std::string first_;  // the name of the run under test
  std::jthread thread_;
};

// An object's status, {} when it has none yet.
json statusOf(const json& object) { return object.value("status", json::object()); }

// The issuer healthy: no scenario in its spec, Ready at its current generation. Otherwise false,
// with what was found in `why`.
bool healthy(const json& issuer, std::string& why) {
  if (issuer.value("spec", json::object()).contains("scenario")) {
    why = "spec still has a scenario: " + issuer["spec"].dump();
    return false;
  }
  const auto generation = issuer["metadata"].value("generation", std::int64_t{0});
  for (const auto& c : statusOf(issuer).value("conditions", json::array())) {
    if (c.value("type", "") == "Ready" && c.value("status", "") == "True" &&
        c.value("observedGeneration", std::int64_t{-1}) == generation) {
      return true;
    }
  }
  why = "not Ready at generation " + std::to_string(generation) + ": " + statusOf(issuer).dump();
  return false;
}

// Every state of the ChaosIssuer `chaos` of a namespace, in the order the watch delivers them:
// a check of what the issuer was at some moment that a later change (a second run deploying
// its scenario) cannot take back.
class IssuerHistory {
 public:
  explicit IssuerHistory(const std::string& ns) {
    thread_ =
        watchObjects(api::kChaosIssuer, ns,
                     {.fieldSelector = "metadata.name=chaos", .timeout = std::chrono::seconds(60)},
                     [this](const json& issuer) {
                       std::lock_guard lock(mu_);
                       states_.push_back(issuer);
                     });
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return states_.size();
  }
  // The first state delivered (the issuer as the watch began), waiting for it; {} if none came.
  json first(std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        if (!states_.empty()) return states_.front();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return json::object();
  }
  // Waits for a healthy state delivered after the first `from`; empty when one came, else the
  // states seen since `from`.
  std::string waitForHealthySince(std::size_t from, std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string seen;
    while (true) {
      {
        std::lock_guard lock(mu_);
        seen.clear();
        for (std::size_t i = from; i < states_.size(); ++i) {
          std::string why;
          if (healthy(states_[i], why)) return "";
          seen += "\n" + why;
        }
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return seen.empty() ? "no state of the issuer was delivered" : seen;
  }

 private:
  mutable std::mutex mu_;
  std::vector<json> states_;
  std::jthread thread_;
};

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " → ") + s;
  return out;
}

bool issuing(const json& certificate) {
  for (const auto& c : statusOf(certificate).value("conditions", json::array())) {
    if (c["type"] == "Issuing" && c["status"] == "True") return true;
  }
  return false;
}

// The base's Certificate once the run has forced its renewal (the issuer now holds it).
json waitForForcedRenewal(const std::string& ns) {
  auto admin = SharedPlane::get().admin();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto cert = admin->get(api::kCertificate, ns, "app");
  while (cert && !issuing(*cert) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cert = admin->get(api::kCertificate, ns, "app");
  }
  EXPECT_TRUE(cert && issuing(*cert)) << "the run forced no renewal";
  return cert ? *cert : json();
}

class ChaosRunE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }
  const std::string& stateDir() { return SharedPlane::get().stateDir(); }

  // deploy issuer chaos --scenario 3 --set delay=DELAY on the base: the trigger.
  localcluster::CommandOutput deployScenario3(const BaseDeployment& base,
                                              const std::string& delay) {
    return certchaos(stateDir(),
                     {"-n", base.ns, "deploy", "issuer", "chaos", "--scenario", "3", "--set",
                      "delay=" + delay, "--app", base.appUrl, "--run-timeout", "3m"});
  }

  // The issuer healthy, Ready at its current generation.
  void expectIssuerHealthy(const std::string& ns) {
    auto issuer = SharedPlane::get().admin()->get(api::kChaosIssuer, ns, "chaos");
    ASSERT_TRUE(issuer) << issuer.error().message;
    std::string why;
    EXPECT_TRUE(healthy(*issuer, why)) << why;
  }
};

TEST_F(ChaosRunE2eTest, DeployingTheIssuerWithScenario3RunsItInTheClusterAndKeepsTheReport) {
  BaseDeployment base = deployBase("trigger", BaseOptions{kScale, true, true});
  ASSERT_FALSE(base.appUrl.empty());
  RunWatch watch(base.ns);
  // 2 h nominal = 60 s of sleep, against at most 30 s left on the certificate.
  auto deployed = deployScenario3(base, "2h");
  ASSERT_EQ(deployed.exitCode, 0) << deployed.output;
  EXPECT_NE(deployed.output.find("created ChaosRun " + base.ns + "/chaos-sleep-"),
            std::string::npos)
      << deployed.output;
  EXPECT_NE(deployed.output.find("the end scenario is armed"), std::string::npos)
      << deployed.output;

  // kubectl alone can wait for it.
  const std::string marker = "created ChaosRun " + base.ns + "/";
  const auto at = deployed.output.find(marker) + marker.size();
  const std::string created = deployed.output.substr(at, deployed.output.find(':', at) - at);
  auto waited = kubectl(stateDir(), {"-n", base.ns, "wait", "chaosrun/" + created,
                                     "--for=jsonpath={.status.phase}=Completed", "--timeout=150s"});
  EXPECT_EQ(waited.exitCode, 0) << waited.output;
  json ended = watch.waitFor("", std::chrono::seconds(30));
  EXPECT_EQ(ended["metadata"]["name"], created);
  EXPECT_EQ(joined(watch.phases()), "Waiting → Running → Completed");
  const json status = ended.value("status", json::object());
  EXPECT_EQ(status.value("phase", ""), cr::kCompleted) << status.dump(2);
  EXPECT_EQ(status.value("verdict", ""), "failed") << status.dump(2);
  EXPECT_EQ(status.value("failingStep", ""), "renewed-before-expiry") << status.dump(2);
  EXPECT_NE(status.value("summary", "").find("The application recovered after"), std::string::npos)
      << status.dump(2);
  // The conditions that started it, each holding.
  int held = 0;
  for (const auto& c : status.value("conditions", json::array())) {
    EXPECT_EQ(c["status"], "True") << c.dump();
    ++held;
  }
  EXPECT_EQ(held, 3) << status.dump(2);
  for (const auto& c : status["conditions"]) {
    if (c["type"] == cr::kIssuerReady) {
      EXPECT_NE(c["message"].get<std::string>().find("scenario 3"), std::string::npos) << c;
    }
  }

  // The report in a ConfigMap the run owns: report.json (a valid report of the run) and logs.
  const std::string runName = ended["metadata"]["name"];
  ASSERT_TRUE(status.contains("report")) << status.dump(2);
  const std::string configMap = status["report"].value("configMap", "");
  EXPECT_EQ(configMap, cr::reportConfigMapName(runName));
  auto cm = SharedPlane::get().admin()->get(kube::resources::kConfigMap, base.ns, configMap);
  ASSERT_TRUE(cm) << cm.error().message;
  EXPECT_EQ((*cm)["metadata"]["ownerReferences"][0]["uid"], ended["metadata"]["uid"]);
  auto parsed = report::parseReport((*cm)["data"].value(cr::kReportKey, ""));
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& r = *parsed;
  EXPECT_EQ(r.run.id, status.value("runId", ""));
  EXPECT_EQ(r.run.scenario.number, 3);
  EXPECT_EQ(r.verdict.result, report::VerdictResult::kFailed) << r.verdict.summary;
  auto kinds = kindsOf(r);
  for (std::string_view kind :
       {report::kinds::kScenarioDeployed, report::kinds::kRenewalForced,
        report::kinds::kRequestHeld, report::kinds::kCertificateExpired,
        report::kinds::kProbeFailed, report::kinds::kRecovered, report::kinds::kRolledBack}) {
    EXPECT_GE(indexOf(kinds, kind), 0) << kind << "\n" << timelineText(r);
  }
  EXPECT_TRUE(r.timeToRecovery.has_value()) << timelineText(r);
  EXPECT_FALSE(r.proofOfInjection.empty());
  // The scenario the deploy put on the issuer is the one that ran (the same seed): the run did
  // not deploy it again.
  const int deployedAt = indexOf(kinds, report::kinds::kScenarioDeployed);
  ASSERT_GE(deployedAt, 0);
  EXPECT_NE(r.timeline[deployedAt].message.find("scenario already on"), std::string::npos)
      << r.timeline[deployedAt].message;
  for (const char* log : {"issuer.log", "cert-manager.log", "app.log"}) {
    EXPECT_TRUE((*cm)["data"].contains(log))
        << log << " in " << (*cm)["data"].dump().substr(0, 300);
  }
  // Rolled back: the issuer is healthy again.
  expectIssuerHealthy(base.ns);

  // `report show 3` with an empty runs directory prints the cluster's report, and says so.
  TempDir emptyRuns;
  auto shown =
      certchaos(stateDir(), {"--runs-dir", emptyRuns.path(), "-n", base.ns, "report", "show", "3"});
  ASSERT_EQ(shown.exitCode, 0) << shown.output;
  EXPECT_NE(shown.output.find("run " + r.run.id), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("VERDICT: FAILED"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("from the cluster: ChaosRun " + base.ns + "/" + runName),
            std::string::npos)
      << shown.output;
  EXPECT_TRUE(std::filesystem::is_empty(emptyRuns.path()));
  auto listed =
      certchaos(stateDir(), {"--runs-dir", emptyRuns.path(), "-n", base.ns, "report", "list"});
  ASSERT_EQ(listed.exitCode, 0) << listed.output;
  EXPECT_NE(listed.output.find("cluster " + base.ns + "/" + runName), std::string::npos)
      << listed.output;
  auto byName = certchaos(stateDir(), {"--runs-dir", emptyRuns.path(), "-n", base.ns, "report",
                                       "show", runName, "-o", "json"});
  ASSERT_EQ(byName.exitCode, 0) << byName.output;
  EXPECT_NE(byName.output.find("\"id\": \"" + r.run.id + "\""), std::string::npos)
      << byName.output.substr(0, 2000);

  // kubectl shows the columns.
  auto table = kubectl(stateDir(), {"-n", base.ns, "get", "chaosruns"});
  ASSERT_EQ(table.exitCode, 0) << table.output;
  std::istringstream lines(table.output);
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  std::istringstream fields(header);
  std::vector<std::string> columns;
  for (std::string f; fields >> f;) columns.push_back(f);
  EXPECT_EQ(columns, (std::vector<std::string>{"NAME", "SCENARIO", "CERTIFICATE", "PHASE",
                                               "VERDICT", "AGE"}))
      << table.output;
  EXPECT_NE(row.find(runName), std::string::npos) << table.output;
  EXPECT_NE(row.find(" 3 "), std::string::npos) << table.output;
  EXPECT_NE(row.find(" app "), std::string::npos) << table.output;
  EXPECT_NE(row.find("Completed"), std::string::npos) << table.output;
  EXPECT_NE(row.find("failed"), std::string::npos) << table.output;
}

// A ChaosRun applied with kubectl alone (no CLI, no scenario on the issuer yet): the runner
// controller puts the scenario on the issuer itself, runs it to Completed, and rolls it back;
// `kubectl wait` on its phase is how a pipeline follows it. A sleep shorter than what the
// certificate has left: the renewal lands before expiry and the hypothesis holds.
TEST_F(ChaosRunE2eTest, AChaosRunAppliedWithKubectlAloneRunsToCompleted) {
  BaseDeployment base = deployBase("kubectl", BaseOptions{kScale, true, true});
  ASSERT_FALSE(base.appUrl.empty());
  RunWatch watch(base.ns);
  const std::string run =
      "apiVersion: certchaos.io/v1alpha1\nkind: ChaosRun\nmetadata:\n"
      "  name: short-sleep\n  namespace: " +
      base.ns +
      "\nspec:\n  scenario: sleep\n  parameters: {delay: 10m}\n"
      "  timeScale: " +
      std::to_string(kScale) +
      "\n  issuer: {name: chaos}\n  certificate: {name: app}\n"
      "  target: {url: \"" +
      base.appUrl + "\"}\n  timeout: 3m\n";
  auto applied = kubectl(stateDir(), {"apply", "-f", "-"}, run);
  ASSERT_EQ(applied.exitCode, 0) << applied.output;
  auto waited = kubectl(stateDir(), {"-n", base.ns, "wait", "chaosrun/short-sleep",
                                     "--for=jsonpath={.status.phase}=Completed", "--timeout=150s"});
  EXPECT_EQ(waited.exitCode, 0) << waited.output;
  json ended = watch.waitFor("", std::chrono::seconds(30));
  const json status = statusOf(ended);
  EXPECT_EQ(status.value("phase", ""), cr::kCompleted) << status.dump(2);
  EXPECT_EQ(status.value("verdict", ""), "passed") << status.dump(2);
  EXPECT_EQ(joined(watch.phases()), "Waiting → Running → Completed");
  // The runner, not a deploy, put the scenario on the issuer: its report says so.
  auto cm = SharedPlane::get().admin()->get(kube::resources::kConfigMap, base.ns,
                                            cr::reportConfigMapName("short-sleep"));
  ASSERT_TRUE(cm) << cm.error().message;
  auto parsed = report::parseReport((*cm)["data"].value(cr::kReportKey, ""));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->run.scenario.number, 3);
  EXPECT_EQ(parsed->verdict.result, report::VerdictResult::kPassed) << parsed->verdict.summary;
  const auto kinds = kindsOf(*parsed);
  const int deployedAt = indexOf(kinds, report::kinds::kScenarioDeployed);
  ASSERT_GE(deployedAt, 0) << timelineText(*parsed);
  EXPECT_EQ(parsed->timeline[deployedAt].message.find("scenario already on"), std::string::npos)
      << parsed->timeline[deployedAt].message;
  EXPECT_GE(indexOf(kinds, report::kinds::kRolledBack), 0) << timelineText(*parsed);
  expectIssuerHealthy(base.ns);
}

TEST_F(ChaosRunE2eTest, TheControllerKilledMidRunRollsTheIssuerBackAndEndsTheRunAborted) {
  BaseDeployment base = deployBase("killed", BaseOptions{kScale, true, true});
  ASSERT_FALSE(base.appUrl.empty());
  RunWatch watch(base.ns);
  auto deployed = deployScenario3(base, "2h");
  ASSERT_EQ(deployed.exitCode, 0) << deployed.output;
  json running = watch.waitFor(cr::kRunning, std::chrono::seconds(30));
  const std::string killedRunner = statusOf(running).value("runner", "");
  ASSERT_FALSE(killedRunner.empty()) << running.dump(2);
  // Killed mid-run: once the run has forced the renewal that the issuer now holds.
  auto admin = SharedPlane::get().admin();
  auto certificate = [&] { return admin->get(api::kCertificate, base.ns, "app"); };
  const json forced = waitForForcedRenewal(base.ns);
  ASSERT_TRUE(issuing(forced));
  const auto revision = statusOf(forced).value("revision", 0);

  // SIGKILL: no rollback of its own. The issuer still holds the renewal with scenario 3.
  localcluster::LocalCluster cluster(stateDir());
  std::ostringstream out;
  ASSERT_TRUE(cluster.stopComponent("certchaos-runner", /*kill=*/true, out)) << out.str();
  auto issuer = SharedPlane::get().admin()->get(api::kChaosIssuer, base.ns, "chaos");
  ASSERT_TRUE(issuer);
  EXPECT_EQ((*issuer)["spec"].value("scenario", ""), "3") << "chaos left behind by the kill";

  // `up` restarts it; the new controller finds the run Running under another runner.
  auto up = certchaos(stateDir(), {"up"});
  ASSERT_EQ(up.exitCode, 0) << up.output;
  json ended = watch.waitFor("", std::chrono::seconds(60));
  const json status = ended.value("status", json::object());
  EXPECT_EQ(status.value("phase", ""), cr::kAborted) << status.dump(2);
  EXPECT_EQ(status.value("reason", ""), "ControllerRestarted") << status.dump(2);
  EXPECT_EQ(status.value("verdict", ""), "aborted") << status.dump(2);
  const std::string message = status.value("message", "");
  EXPECT_NE(message.find(killedRunner), std::string::npos) << message;
  EXPECT_NE(message.find("rolled back to healthy and Ready at generation"), std::string::npos)
      << message;
  EXPECT_NE(message.find("(verified)"), std::string::npos) << message;
  EXPECT_EQ(joined(watch.phases()), "Waiting → Running → Aborted");
  expectIssuerHealthy(base.ns);
  // No chaos left: the renewal the killed run forced is signed by the healthy issuer at once,
  // not after the 60 s hold.
  const auto signedBy = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto cert = certificate();
  while (cert && statusOf(*cert).value("revision", 0) <= revision &&
         std::chrono::steady_clock::now() < signedBy) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cert = certificate();
  }
  ASSERT_TRUE(cert);
  EXPECT_GT(statusOf(*cert).value("revision", 0), revision) << (*cert)["status"].dump(2);
  auto status2 = certchaos(stateDir(), {"status"});
  EXPECT_NE(status2.output.find("certchaos-runner"), std::string::npos) << status2.output;
}

TEST_F(ChaosRunE2eTest, DeletingARunningRunStopsItWithTheRollbackBeforeItGoes) {
  BaseDeployment base = deployBase("deleted", BaseOptions{kScale, true, true});
  ASSERT_FALSE(base.appUrl.empty());
  RunWatch watch(base.ns);
  auto deployed = deployScenario3(base, "2h");
  ASSERT_EQ(deployed.exitCode, 0) << deployed.output;
  json running = watch.waitFor(cr::kRunning, std::chrono::seconds(30));
  ASSERT_TRUE(issuing(waitForForcedRenewal(base.ns)));
  const std::string name = running["metadata"]["name"];
  EXPECT_EQ(running["metadata"]["finalizers"], json::array({cr::kFinalizer}));

  // A second run on the same issuer waits while the first runs: never both injecting.
  const std::string second =
      "apiVersion: certchaos.io/v1alpha1\nkind: ChaosRun\nmetadata:\n  name: second\n"
      "  namespace: " +
      base.ns +
      "\nspec:\n  scenario: \"3\"\n  parameters: {delay: 2h}\n  timeScale: 120\n"
      "  issuer: {name: chaos}\n  certificate: {name: app}\n";
  auto created = kubectl(stateDir(), {"create", "-f", "-"}, second);
  ASSERT_EQ(created.exitCode, 0) << created.output;
  auto admin = SharedPlane::get().admin();
  json busy;
  // Seen at once on an idle machine; a loaded one (a parallel build) took over 10 s once.
  for (int i = 0; i < 600 && busy.is_null(); ++i) {
    auto got = admin->get(api::kChaosRun, base.ns, "second");
    for (const auto& c : got ? statusOf(*got).value("conditions", json::array()) : json::array()) {
      if (c["type"] == cr::kIssuerFree && c["status"] == "False") busy = c;
    }
    if (busy.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(busy.is_null()) << "the second run never waited for the issuer";
  EXPECT_EQ(busy["reason"], "IssuerBusy");
  EXPECT_NE(busy["message"].get<std::string>().find("ChaosRun " + base.ns + "/" + name),
            std::string::npos)
      << busy;

  // The finalizer keeps it until the run has stopped and rolled the issuer back. The issuer's
  // states are read from a watch: once the first run is gone, the waiting second run may deploy
  // its own scenario at once, so the issuer's state after the deletion is not the first run's.
  IssuerHistory issuer(base.ns);
  const json underRun = issuer.first(std::chrono::seconds(30));
  ASSERT_TRUE(underRun.value("spec", json::object()).contains("scenario"))
      << "the issuer was not under the first run's scenario: " << underRun.dump();
  const std::size_t before = issuer.size();
  auto deleted =
      kubectl(stateDir(), {"-n", base.ns, "delete", "chaosrun", name, "--wait", "--timeout=60s"});
  ASSERT_EQ(deleted.exitCode, 0) << deleted.output;
  auto gone = SharedPlane::get().admin()->get(api::kChaosRun, base.ns, name);
  ASSERT_FALSE(gone);
  EXPECT_TRUE(kube::isNotFound(gone.error()));
  EXPECT_EQ(statusOf(watch.last()).value("reason", ""), "Deleted") << watch.last().dump(2);
  EXPECT_EQ(statusOf(watch.last()).value("verdict", ""), "aborted") << watch.last().dump(2);
  const std::string notHealthy = issuer.waitForHealthySince(before, std::chrono::seconds(30));
  EXPECT_TRUE(notHealthy.empty()) << "the issuer was not seen healthy after the deletion:"
                                  << notHealthy;
  // Nothing stored for a run that is gone.
  auto configMap = SharedPlane::get().admin()->get(kube::resources::kConfigMap, base.ns,
                                                   cr::reportConfigMapName(name));
  EXPECT_FALSE(configMap);

  // `certchaos abort` stops the second run (waiting or started by now) through the controller.
  auto aborted = certchaos(stateDir(), {"abort", "--timeout", "90s"});
  EXPECT_EQ(aborted.exitCode, 0) << aborted.output;
  EXPECT_NE(aborted.output.find("stopping ChaosRun " + base.ns + "/second"), std::string::npos)
      << aborted.output;
  EXPECT_NE(aborted.output.find("ChaosRun " + base.ns + "/second stopped"), std::string::npos)
      << aborted.output;
  auto secondRun = admin->get(api::kChaosRun, base.ns, "second");
  ASSERT_TRUE(secondRun);
  EXPECT_EQ(cr::phaseOf(*secondRun), cr::kAborted) << (*secondRun)["status"].dump(2);
  EXPECT_EQ(statusOf(*secondRun).value("reason", ""), "AbortRequested")
      << (*secondRun)["status"].dump(2);
  expectIssuerHealthy(base.ns);
}

}  // namespace
}  // namespace certchaos::testing
