// Time compression covers cert-manager's failure back-off (issue 13, item 5), end to end through
// the certchaos CLI on the real local plane: scenario 6 (the issuer fails every request) against
// a certificate that outlives the scaled back-off passes (the failure is visible, the application
// keeps its valid certificate, cert-manager retries after the scaled back-off); against one that
// does not, it fails. On a cluster certchaos does not control, the back-off is not scaled and the
// report says so.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/common/duration.h"
#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/report/json_schema.h"
#include "certchaos/report/report_json.h"
#include "plane.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
using report::CheckOutcome;
namespace res = kube::resources;
namespace fs = std::filesystem;

struct Base {
  std::string ns;
  std::string appUrl;
};

// A chaos-enabled namespace, a healthy ChaosIssuer at `timeScale`, a Certificate of nominal
// lifetime `duration` renewed at 50 %, and the demo app serving it.
Base deployBase(const std::string& prefix, int timeScale, const std::string& duration) {
  auto& plane = SharedPlane::get();
  auto admin = plane.admin();
  Base b;
  b.ns = plane.freshNamespace(prefix);
  auto nsObject = admin->get(res::kNamespace, "", b.ns);
  EXPECT_TRUE(nsObject);
  json labelled = *nsObject;
  labelled["metadata"]["labels"]["certchaos.io/chaos"] = "enabled";
  EXPECT_TRUE(admin->update(res::kNamespace, labelled));
  auto issuer = admin->create(
      api::kChaosIssuer, {{"metadata", {{"name", "chaos"}, {"namespace", b.ns}}},
                          {"spec", {{"selfSigned", json::object()}, {"timeScale", timeScale}}}});
  EXPECT_TRUE(issuer) << issuer.error().message;
  auto cert = admin->create(
      api::kCertificate,
      {{"metadata", {{"name", "app"}, {"namespace", b.ns}}},
       {"spec",
        {{"secretName", "app-tls"},
         {"duration", duration},
         {"renewBeforePercentage", 50},
         {"dnsNames", {"demo-app." + b.ns + ".svc"}},
         {"ipAddresses", {"127.0.0.1"}},
         {"privateKey", {{"algorithm", "ECDSA"}, {"size", 256}}},
         {"issuerRef", {{"name", "chaos"}, {"kind", "ChaosIssuer"}, {"group", "certchaos.io"}}}}}});
  EXPECT_TRUE(cert) << cert.error().message;
  auto wait = kubectl(plane.stateDir(), {"-n", b.ns, "wait", "--for=condition=Ready",
                                         "--timeout=60s", "certificate/app"});
  EXPECT_EQ(wait.exitCode, 0) << wait.output;
  localcluster::LocalCluster cluster(plane.stateDir());
  std::ostringstream log;
  const std::string addressFile = plane.stateDir() + "/" + b.ns + ".addr";
  auto app = cluster.addComponent(
      "demo-app-" + b.ns,
      {binDir() + "/certchaos-demo-app", "--kubeconfig=" + plane.kubeconfig(), "-n", b.ns,
       "--secret=app-tls", "--listen=127.0.0.1:0", "--address-file=" + addressFile},
      addressFile, "https", log);
  EXPECT_TRUE(app) << (app ? "" : app.error().message);
  if (app) b.appUrl = app->url;
  return b;
}

// `certchaos run 6` as a user types it, at the Certificate's renewal time; `extra` adds global
// flags (another --state-dir). Returns the exit code and the run's report.
struct CliRun {
  localcluster::CommandOutput output;
  std::optional<report::Report> report;
  std::string dir;
};

CliRun runScenario6(const Base& b, int timeScale, const std::string& runsDir,
                    const std::string& stateDir) {
  auto& plane = SharedPlane::get();
  CliRun out;
  out.output = certchaos(
      stateDir, {"--kubeconfig=" + plane.kubeconfig(), "--runs-dir=" + runsDir, "-n", b.ns, "run",
                 "6", "--certificate", b.ns + "/app", "--app", b.appUrl, "--time-scale",
                 std::to_string(timeScale), "--timeout", "150s", "--at-renewal-time"});
  for (const auto& entry : fs::directory_iterator(runsDir)) {
    if (!fs::exists(entry.path() / "report.json")) continue;
    out.dir = entry.path().string();
    const std::string text = readFile(out.dir + "/report.json");
    EXPECT_TRUE(report::validateReportJson(json::parse(text)));
    auto parsed = report::parseReport(text);
    EXPECT_TRUE(parsed) << parsed.error().message;
    if (parsed) out.report = *parsed;
  }
  return out;
}

const report::CheckResult* check(const report::Report& r, const std::string& name) {
  for (const auto& c : r.verdict.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string timelineText(const report::Report& r) {
  std::string all;
  for (const auto& e : r.timeline) {
    all += formatRfc3339(e.wallTime, TimePrecision::kMicroseconds) + " " + e.kind + ": " +
           e.message + " [" + e.object + "]\n";
  }
  return all;
}

// What `certchaos status` says about cert-manager's back-off, and the plane still healthy.
std::string backoffStatus() {
  auto status = certchaos(SharedPlane::get().stateDir(), {"status"});
  EXPECT_EQ(status.exitCode, 0) << status.output;
  auto at = status.output.find("cert-manager back-off:");
  EXPECT_NE(at, std::string::npos) << status.output;
  if (at == std::string::npos) return "";
  return status.output.substr(at, status.output.find('\n', at) - at);
}

constexpr const char* kProductionBackoff = "cert-manager back-off: 1h0m0s minimum, 32h0m0s maximum";

class BackoffScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }
  TempDir runs_;
};

// ×240: the back-off is 15 s then 30 s... (1h, 2h nominal). The Certificate lives 4h nominal
// (60 s), renewal at 2h left: the first retry comes with 1h nominal to spare.
TEST_F(BackoffScenarioTest, CertificateOutlivingTheScaledBackoffPassesAndShowsTheRetry) {
  constexpr int kScale = 240;
  ASSERT_EQ(backoffStatus(), kProductionBackoff);
  Base b = deployBase("backoff-pass", kScale, "4h");
  ASSERT_FALSE(b.appUrl.empty());
  auto run = runScenario6(b, kScale, runs_.path(), SharedPlane::get().stateDir());
  ASSERT_TRUE(run.report) << run.output.output;
  const auto& r = *run.report;
  const std::string all = timelineText(r);
  EXPECT_EQ(run.output.exitCode, 0) << run.output.output;
  EXPECT_EQ(r.verdict.result, report::VerdictResult::kPassed) << r.verdict.summary << "\n" << all;
  ASSERT_EQ(r.verdict.checks.size(), 3u);
  for (const char* name : {"probes-valid", "signal-before-expiry", "retried-before-expiry"}) {
    const auto* c = check(r, name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_EQ(c->outcome, CheckOutcome::kHeld) << name << ": " << c->evidence << "\n" << all;
  }
  EXPECT_FALSE(r.proofOfInjection.empty());

  // What was scaled, in the report: 1h → 15 s, 32h → 8 min on the local plane.
  ASSERT_TRUE(r.run.certManagerBackoff);
  EXPECT_TRUE(r.run.certManagerBackoff->scaled);
  EXPECT_EQ(r.run.certManagerBackoff->minimum, std::chrono::seconds(15));
  EXPECT_EQ(r.run.certManagerBackoff->maximum, std::chrono::minutes(8));
  EXPECT_NE(readFile(run.dir + "/report.txt")
                .find("scaled ×240: minimum 15s (1h0m0s nominal), maximum 8m0s (32h0m0s nominal)"),
            std::string::npos);
  ASSERT_TRUE(r.prediction);
  EXPECT_EQ(r.prediction->assumptions.at("firstRetryBackoff"), "1h0m0s");

  // cert-manager retried after the scaled back-off: the second request came 15 s (give or take
  // the second-precision of lastFailureTime) after the first failed, not 1 h.
  std::optional<SystemTime> failedAt, retriedAt;
  for (const auto& e : r.timeline) {
    if (e.kind == "RequestFailed" && !failedAt) failedAt = e.wallTime;
    if (e.kind == report::kinds::kRequestCreated && failedAt && e.wallTime > *failedAt &&
        !retriedAt) {
      retriedAt = e.wallTime;
    }
  }
  ASSERT_TRUE(failedAt && retriedAt) << all;
  EXPECT_GE(*retriedAt - *failedAt, std::chrono::seconds(13)) << all;
  EXPECT_LE(*retriedAt - *failedAt, std::chrono::seconds(25)) << all;
  EXPECT_NE(check(r, "retried-before-expiry")->evidence.find("cert-manager retried with"),
            std::string::npos);

  // Restored after the run: cm-controller runs with cert-manager's own figures again.
  EXPECT_EQ(backoffStatus(), kProductionBackoff);
}

// ×120: the back-off is 30 s (1h nominal); the Certificate lives 1h nominal (30 s) and has 30 min
// left at renewal: it expires before cert-manager asks again.
TEST_F(BackoffScenarioTest, CertificateShorterThanTheScaledBackoffExpiresBeforeTheRetryAndFails) {
  constexpr int kScale = 120;
  Base b = deployBase("backoff-fail", kScale, "1h");
  ASSERT_FALSE(b.appUrl.empty());
  auto run = runScenario6(b, kScale, runs_.path(), SharedPlane::get().stateDir());
  ASSERT_TRUE(run.report) << run.output.output;
  const auto& r = *run.report;
  const std::string all = timelineText(r);
  EXPECT_EQ(run.output.exitCode, 10) << run.output.output;
  EXPECT_EQ(r.verdict.result, report::VerdictResult::kFailed) << r.verdict.summary << "\n" << all;
  ASSERT_EQ(r.verdict.checks.size(), 3u);
  const auto* probes = check(r, "probes-valid");
  const auto* signal = check(r, "signal-before-expiry");
  const auto* retried = check(r, "retried-before-expiry");
  ASSERT_TRUE(probes && signal && retried);
  EXPECT_EQ(probes->outcome, CheckOutcome::kViolated) << probes->evidence << "\n" << all;
  EXPECT_NE(probes->evidence.find("expired"), std::string::npos) << probes->evidence;
  EXPECT_EQ(signal->outcome, CheckOutcome::kHeld) << signal->evidence << "\n" << all;
  EXPECT_EQ(retried->outcome, CheckOutcome::kViolated) << retried->evidence << "\n" << all;
  EXPECT_NE(retried->evidence.find("did not retry"), std::string::npos) << retried->evidence;
  ASSERT_TRUE(r.run.certManagerBackoff);
  EXPECT_TRUE(r.run.certManagerBackoff->scaled);
  EXPECT_EQ(r.run.certManagerBackoff->minimum, std::chrono::seconds(30));
  EXPECT_EQ(r.run.certManagerBackoff->maximum, std::chrono::minutes(16));
  EXPECT_EQ(backoffStatus(), kProductionBackoff);
}

// The same Certificate as the passing run, through a kubeconfig of a cluster the CLI does not
// know as its local plane: cm-controller is left alone, the 1 h back-off outlasts the
// certificate, and the report says the back-off was NOT scaled.
TEST_F(BackoffScenarioTest, OnAClusterItCannotControlTheBackoffIsNotScaledAndTheReportSaysSo) {
  constexpr int kScale = 240;
  Base b = deployBase("backoff-other", kScale, "4h");
  ASSERT_FALSE(b.appUrl.empty());
  TempDir elsewhere;  // no plane here: the kubeconfig names "another" cluster
  auto run = runScenario6(b, kScale, runs_.path(), elsewhere.path() + "/state");
  ASSERT_TRUE(run.report) << run.output.output;
  const auto& r = *run.report;
  const std::string all = timelineText(r);
  EXPECT_EQ(run.output.exitCode, 10) << run.output.output;
  EXPECT_EQ(r.verdict.result, report::VerdictResult::kFailed) << r.verdict.summary << "\n" << all;
  const auto* retried = check(r, "retried-before-expiry");
  ASSERT_NE(retried, nullptr);
  EXPECT_EQ(retried->outcome, CheckOutcome::kViolated) << retried->evidence << "\n" << all;
  ASSERT_TRUE(r.run.certManagerBackoff);
  EXPECT_FALSE(r.run.certManagerBackoff->scaled);
  EXPECT_EQ(r.run.certManagerBackoff->minimum, std::chrono::hours(1));
  EXPECT_EQ(r.run.certManagerBackoff->maximum, std::chrono::hours(32));
  EXPECT_NE(r.run.certManagerBackoff->note.find("not certchaos's local plane"), std::string::npos)
      << r.run.certManagerBackoff->note;
  EXPECT_NE(readFile(run.dir + "/report.md").find("NOT scaled: minimum 1h0m0s, maximum 32h0m0s"),
            std::string::npos);
  ASSERT_TRUE(r.prediction);
  EXPECT_NE(r.prediction->assumptions.at("retryBackoffOfThisRun").find("NOT scaled"),
            std::string::npos);
  EXPECT_EQ(backoffStatus(), kProductionBackoff) << "cm-controller was not touched";
}

// A run that dies holding the scaled back-off (SIGKILL, a crash) must not leave the plane scaled
// silently: `status` says so, the next hold or `up` restores cert-manager's figures. A second run
// asking for other figures while the first lives gets no change under the first.
TEST_F(BackoffScenarioTest, ABackoffHeldByADeadRunIsShownAndRestoredByUp) {
  auto& plane = SharedPlane::get();
  localcluster::LocalCluster cluster(plane.stateDir());
  std::ostringstream log;
  // Stand-ins for two runs: processes of ours that live until killed.
  TempDir logs;
  auto first = localcluster::startDetached({"/bin/sleep", "600"}, logs.path() + "/first.log");
  auto second = localcluster::startDetached({"/bin/sleep", "600"}, logs.path() + "/second.log");
  ASSERT_TRUE(first && second);
  auto granted = cluster.holdBackoff(localcluster::scaledBackoff(60), *first, log);
  ASSERT_TRUE(granted) << granted.error().message << log.str();
  EXPECT_TRUE(granted->granted);
  EXPECT_EQ(backoffStatus(),
            "cert-manager back-off: 1m0s minimum, 32m0s maximum (scaled for the "
            "run of pid " +
                std::to_string(first->pid) + "; 1h0m0s/32h0m0s again after it)");
  auto refused = cluster.holdBackoff(localcluster::scaledBackoff(120), *second, log);
  ASSERT_TRUE(refused) << refused.error().message;
  EXPECT_FALSE(refused->granted);
  EXPECT_EQ(refused->inForce, localcluster::scaledBackoff(60));
  EXPECT_EQ(refused->others, std::vector<pid_t>{first->pid});

  localcluster::stopProcess(*first, std::chrono::milliseconds(0));  // the run crashed
  localcluster::stopProcess(*second, std::chrono::milliseconds(0));
  EXPECT_EQ(backoffStatus(),
            "cert-manager back-off: 1m0s minimum, 32m0s maximum (scaled for a run "
            "that no longer runs: 'certchaos up' restores 1h0m0s/32h0m0s)");
  auto up = certchaos(plane.stateDir(), {"up"});
  EXPECT_EQ(up.exitCode, 0) << up.output;
  EXPECT_NE(up.output.find("restoring 1h0m0s/32h0m0s"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("restarted cm-controller"), std::string::npos) << up.output;
  EXPECT_EQ(backoffStatus(), kProductionBackoff);
  auto state = cluster.loadState();
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->backoffHold.has_value());
}

}  // namespace
}  // namespace certchaos::testing
