#include "scenario_base.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/kube/base64.h"
#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/report/json_schema.h"
#include "certchaos/report/report_json.h"
#include "certchaos/scenario/tls_probe.h"
#include "plane.h"
#include "shared_plane.h"

namespace certchaos::testing {

using nlohmann::json;
namespace res = kube::resources;

BaseDeployment deployBase(const std::string& prefix, const BaseOptions& options) {
  const int timeScale = options.timeScale;
  auto& plane = SharedPlane::get();
  auto admin = plane.admin();
  BaseDeployment s;
  s.ns = plane.freshNamespace(prefix);
  auto nsObject = admin->get(res::kNamespace, "", s.ns);
  EXPECT_TRUE(nsObject);
  if (options.optIn) {
    json labelled = *nsObject;
    labelled["metadata"]["labels"]["certchaos.io/chaos"] = "enabled";
    EXPECT_TRUE(admin->update(res::kNamespace, labelled));
  }
  auto issuer = admin->create(
      api::kChaosIssuer, {{"metadata", {{"name", "chaos"}, {"namespace", s.ns}}},
                          {"spec", {{"selfSigned", json::object()}, {"timeScale", timeScale}}}});
  EXPECT_TRUE(issuer) << issuer.error().message;
  auto cert = admin->create(
      api::kCertificate,
      {{"metadata", {{"name", "app"}, {"namespace", s.ns}}},
       {"spec",
        {{"secretName", "app-tls"},
         {"duration", options.duration},
         {"renewBeforePercentage", 50},
         {"revisionHistoryLimit", 10},
         {"dnsNames", {"demo-app." + s.ns + ".svc"}},
         {"ipAddresses", {"127.0.0.1"}},
         {"privateKey", {{"algorithm", "ECDSA"}, {"size", 256}}},
         {"issuerRef", {{"name", "chaos"}, {"kind", "ChaosIssuer"}, {"group", "certchaos.io"}}}}}});
  EXPECT_TRUE(cert) << cert.error().message;
  auto wait = kubectl(plane.stateDir(), {"-n", s.ns, "wait", "--for=condition=Ready",
                                         "--timeout=60s", "certificate/app"});
  EXPECT_EQ(wait.exitCode, 0) << wait.output;

  localcluster::LocalCluster cluster(plane.stateDir());
  std::ostringstream log;
  std::vector<std::string> argv = {binDir() + "/certchaos-demo-app",
                                   "--kubeconfig=" + plane.kubeconfig(),
                                   "-n",
                                   s.ns,
                                   "--secret=app-tls",
                                   "--listen=127.0.0.1:0",
                                   "--address-file=" + plane.stateDir() + "/" + s.ns + ".addr"};
  if (!options.reload) argv.push_back("--no-reload");
  auto app = cluster.addComponent("demo-app-" + s.ns, argv, plane.stateDir() + "/" + s.ns + ".addr",
                                  "https", log);
  EXPECT_TRUE(app) << (app ? "" : app.error().message);
  if (app) s.appUrl = app->url;
  // Listening is not serving: the app loads the Secret after it listens, and a run refuses to
  // inject on a base that is not served yet.
  if (app) {
    EXPECT_EQ(waitBaseServed(s), "");
  }
  return s;
}

scenario::RunOptions runOptions(const BaseDeployment& s, const std::string& scenario, int timeScale,
                                const std::string& runsDir) {
  auto& plane = SharedPlane::get();
  scenario::RunOptions o;
  o.scenario = scenario;
  o.certificate = {s.ns, "app"};
  o.issuer = {s.ns, "chaos"};
  o.appUrl = s.appUrl;
  o.timeScale = timeScale;
  o.timeout = std::chrono::minutes(4);
  o.probeInterval = std::chrono::milliseconds(250);
  o.atRenewalTime = true;
  o.runsDir = runsDir;
  o.logSources = {
      {"issuer", scenario::FileLogSource{plane.stateDir() + "/logs/certchaos-issuer.log"}},
      {"cert-manager", scenario::FileLogSource{plane.stateDir() + "/logs/cm-controller.log"}},
      {"application",
       scenario::FileLogSource{plane.stateDir() + "/logs/demo-app-" + s.ns + ".log"}}};
  return o;
}

std::string waitBaseServed(const BaseDeployment& s) {
  auto secret = SharedPlane::get().admin()->get(res::kSecret, s.ns, "app-tls");
  if (!secret) return "the Secret app-tls cannot be read: " + secret.error().message;
  auto target = scenario::parseProbeUrl(s.appUrl);
  if (!target) return target.error().message;
  auto ca = kube::base64Decode((*secret)["data"].value("ca.crt", ""));
  target->serverName = "demo-app." + s.ns + ".svc";
  target->trustedCaPem = ca ? *ca : "";
  scenario::ProbeResult served;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!(served = scenario::probeTls(*target, std::chrono::seconds(2))).ok &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the app has no watch to offer
  }
  return served.ok ? "" : "the application never served the base: " + served.error;
}

std::vector<std::string> kindsOf(const report::Report& r) {
  std::vector<std::string> out;
  for (const auto& e : r.timeline) out.push_back(e.kind);
  return out;
}

int indexOf(const std::vector<std::string>& kinds, std::string_view kind, int from) {
  for (int i = from; i < static_cast<int>(kinds.size()); ++i) {
    if (kinds[i] == kind) return i;
  }
  return -1;
}

std::string timelineText(const report::Report& r) {
  std::string out;
  for (const auto& e : r.timeline) out += e.kind + ": " + e.message + "\n";
  return out;
}

CliRun runCli(const BaseDeployment& b, const std::string& scenario, int timeScale,
              const std::string& timeout, const std::vector<std::string>& sets,
              const std::string& runsDir) {
  auto& plane = SharedPlane::get();
  std::vector<std::string> args = {"--kubeconfig=" + plane.kubeconfig(),
                                   "--runs-dir=" + runsDir,
                                   "-n",
                                   b.ns,
                                   "run",
                                   scenario,
                                   "--certificate",
                                   b.ns + "/app",
                                   "--app",
                                   b.appUrl,
                                   "--time-scale",
                                   std::to_string(timeScale),
                                   "--timeout",
                                   timeout};
  for (const auto& s : sets) {
    args.push_back("--set");
    args.push_back(s);
  }
  CliRun out;
  out.output = certchaos(plane.stateDir(), args);
  if (!std::filesystem::exists(runsDir)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(runsDir)) {
    if (!std::filesystem::exists(entry.path() / "report.json")) continue;
    out.dir = entry.path().string();
    const std::string text = readFile(out.dir + "/report.json");
    EXPECT_TRUE(report::validateReportJson(nlohmann::json::parse(text)));
    auto parsed = report::parseReport(text);
    EXPECT_TRUE(parsed) << parsed.error().message;
    if (parsed) out.report = *parsed;
  }
  return out;
}

const report::CheckResult* checkNamed(const report::Report& r, const std::string& name) {
  for (const auto& c : r.verdict.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const report::TimelineEntry* firstEntry(const report::Report& r, std::string_view kind) {
  for (const auto& e : r.timeline) {
    if (e.kind == kind) return &e;
  }
  return nullptr;
}

}  // namespace certchaos::testing
