// The certchaos CLI against a real local control plane: the catalog, deploy issuer (local
// validation, waiting for Ready at the new generation), deploy certificate, renew (a new
// CertificateRequest revision), abort (stops runs, reverts and verifies), report list/show on a
// runs directory, completion, the kubectl plugin name, --help examples and usage exit codes.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "certchaos/issuer/issuer_reconciler.h"
#include "certchaos/kube/client.h"
#include "certchaos/kube/errors.h"
#include "certchaos/report/report_json.h"
#include "plane.h"
#include "shared_plane.h"

extern char** environ;

namespace certchaos::testing {
namespace {

using nlohmann::json;
namespace res = kube::resources;
const auto& kChaosIssuer = issuer::resources::kChaosIssuer;

class CliTest : public ::testing::Test {
 protected:
  // The kubeconfig must come from --state-dir (the local plane), not the caller's environment.
  static void SetUpTestSuite() { ::unsetenv("KUBECONFIG"); }

  void SetUp() override {
    ASSERT_TRUE(plane().ok());
    client_ = plane().admin();
    ASSERT_NE(client_, nullptr);
  }
  static SharedPlane& plane() { return SharedPlane::get(); }
  static localcluster::CommandOutput cli(const std::vector<std::string>& args) {
    return certchaos(plane().stateDir(), args);
  }
  json get(const kube::ResourceRef& r, const std::string& ns, const std::string& name) {
    auto o = client_->get(r, ns, name);
    EXPECT_TRUE(o) << o.error().message;
    return o ? *o : json::object();
  }
  static const json* condition(const json& o, const std::string& type) {
    if (!o.contains("status") || !o["status"].contains("conditions")) return nullptr;
    for (const auto& c : o["status"]["conditions"]) {
      if (c.value("type", "") == type) return &c;
    }
    return nullptr;
  }
  std::shared_ptr<kube::Client> client_;
};

// Everything printed before the JSON document (nothing, unless a note went to stderr).
json parseJsonOutput(const std::string& output) {
  auto start = output.find('{');
  EXPECT_NE(start, std::string::npos) << output;
  return json::parse(output.substr(start == std::string::npos ? 0 : start));
}

TEST_F(CliTest, ScenariosJsonListsTheSeedScenarios) {
  auto out = cli({"scenarios", "-o", "json"});
  ASSERT_EQ(out.exitCode, 0) << out.output;
  json catalog = parseJsonOutput(out.output);
  std::map<int, std::string> names;
  for (const auto& s : catalog["scenarios"]) names[s["number"].get<int>()] = s["name"];
  EXPECT_EQ(names[1], "rogue-issuer");
  EXPECT_EQ(names[2], "skip-approval");
  EXPECT_EQ(names[3], "sleep");
  EXPECT_FALSE(catalog["faultTypes"].empty());

  auto text = cli({"scenarios"});
  ASSERT_EQ(text.exitCode, 0) << text.output;
  EXPECT_NE(text.output.find("HYPOTHESIS"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("sleep"), std::string::npos) << text.output;

  // Each scenario's hypothesis as checks (issue 13): names in the table, tolerances in JSON.
  EXPECT_NE(text.output.find("CHECKS"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("renewed-before-expiry, probes-valid"), std::string::npos)
      << text.output;
  const json& sleep = catalog["scenarios"][2];
  ASSERT_EQ(sleep["checks"].size(), 2u) << sleep.dump();
  EXPECT_EQ(sleep["checks"][0]["name"], "renewed-before-expiry");
  EXPECT_EQ(sleep["checks"][0]["tolerance"]["margin"], "0s");
  auto wide = cli({"scenarios", "-o", "wide"});
  EXPECT_NE(wide.output.find("renewed-before-expiry(margin=0s)"), std::string::npos) << wide.output;
}

TEST_F(CliTest, BadUsageExitsTwoWithAPointerToHelp) {
  const std::vector<std::vector<std::string>> bad = {
      {"no-such-command"},
      {"deploy"},
      {"deploy", "certificate", "web"},  // --issuer missing
      {"scenarios", "-o", "xml"},
      {"renew"},
      {"report", "show", "-o", "pdf"},
      {"deploy", "issuer", "x", "--scenario", "3", "--set", "delay"},
      {"deploy", "issuer", "x", "--fault", "sleep:delay"},
      {"deploy", "certificate", "web", "--issuer", "ca"},  // no --dns / --ip
      {"run", "no-such-scenario"},
      {"completion", "fish"},
  };
  for (const auto& args : bad) {
    auto out = cli(args);
    EXPECT_EQ(out.exitCode, 2) << args[0] << " " << (args.size() > 1 ? args[1] : "") << "\n"
                               << out.output;
    EXPECT_NE(out.output.find("help"), std::string::npos) << out.output;
  }
  auto set = cli({"-n", "default", "deploy", "issuer", "x", "--scenario", "3", "--set", "delay"});
  EXPECT_NE(set.output.find("expected KEY=VALUE"), std::string::npos) << set.output;
  EXPECT_NE(set.output.find("found 'delay'"), std::string::npos) << set.output;
}

TEST_F(CliTest, EveryCommandHasHelpWithExamples) {
  for (std::vector<std::string> command : {std::vector<std::string>{},
                                           {"up"},
                                           {"down"},
                                           {"status"},
                                           {"kubeconfig"},
                                           {"scenarios"},
                                           {"deploy"},
                                           {"deploy", "issuer"},
                                           {"deploy", "certificate"},
                                           {"deploy", "app"},
                                           {"renew"},
                                           {"run"},
                                           {"demo"},
                                           {"report"},
                                           {"report", "list"},
                                           {"report", "show"},
                                           {"abort"},
                                           {"completion"}}) {
    command.push_back("--help");
    auto out = cli(command);
    EXPECT_EQ(out.exitCode, 0) << out.output;
    EXPECT_NE(out.output.find("Examples:"), std::string::npos) << command[0] << "\n" << out.output;
  }
}

TEST_F(CliTest, DeployIssuerRejectsABadSpecBeforeApplyingIt) {
  const std::string ns = plane().freshNamespace("cli-bad");
  struct Case {
    std::vector<std::string> flags;
    std::string mentions;
  };
  for (const auto& c : std::vector<Case>{
           {{"--scenario", "3", "--set", "probability=2"}, "probability"},
           {{"--fault", "no-such-fault:delay=1s"}, "no-such-fault"},
           {{"--scenario", "3", "--set", "delay=-5s"}, "delay"},
       }) {
    std::vector<std::string> args = {"-n", ns, "deploy", "issuer", "bad"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    auto out = cli(args);
    EXPECT_EQ(out.exitCode, 1) << out.output;
    EXPECT_NE(out.output.find(c.mentions), std::string::npos) << out.output;
    EXPECT_NE(out.output.find("expected"), std::string::npos) << out.output;
    EXPECT_NE(out.output.find("nothing was applied"), std::string::npos) << out.output;
  }
  auto absent = client_->get(kChaosIssuer, ns, "bad");
  ASSERT_FALSE(absent);
  EXPECT_TRUE(kube::isNotFound(absent.error())) << absent.error().message;
}

TEST_F(CliTest, DeployIssuerWaitsForReadyAtTheNewGeneration) {
  const std::string ns = plane().freshNamespace("cli-issuer");
  auto healthy = cli({"-n", ns, "deploy", "issuer", "ca"});
  ASSERT_EQ(healthy.exitCode, 0) << healthy.output;
  const auto first = get(kChaosIssuer, ns, "ca")["metadata"]["generation"].get<std::int64_t>();

  auto chaos = cli({"-n", ns, "deploy", "issuer", "ca", "--scenario", "3", "--set", "delay=5s",
                    "--opt-in", "--timeout", "60s"});
  ASSERT_EQ(chaos.exitCode, 0) << chaos.output;
  EXPECT_NE(chaos.output.find("is Ready at generation"), std::string::npos) << chaos.output;
  json issuer = get(kChaosIssuer, ns, "ca");
  const auto generation = issuer["metadata"]["generation"].get<std::int64_t>();
  EXPECT_GT(generation, first);
  EXPECT_EQ(issuer["spec"]["scenario"], "3");
  EXPECT_EQ(issuer["spec"]["parameters"]["delay"], "5s");
  EXPECT_TRUE(issuer["spec"].contains("selfSigned"));
  const auto* ready = condition(issuer, "Ready");
  ASSERT_NE(ready, nullptr) << issuer.dump(2);
  EXPECT_EQ((*ready)["status"], "True");
  EXPECT_EQ((*ready)["observedGeneration"], generation);
  json nsObject = get(res::kNamespace, "", ns);
  EXPECT_EQ(nsObject["metadata"]["labels"]["certchaos.io/chaos"], "enabled");

  // healthy clears the chaos, whoever set it.
  auto cleared = cli({"-n", ns, "deploy", "issuer", "ca", "--scenario", "healthy"});
  ASSERT_EQ(cleared.exitCode, 0) << cleared.output;
  issuer = get(kChaosIssuer, ns, "ca");
  EXPECT_FALSE(issuer["spec"].contains("scenario")) << issuer["spec"].dump();
  EXPECT_FALSE(issuer["spec"].contains("parameters")) << issuer["spec"].dump();
}

TEST_F(CliTest, DeployIssuerFromAFile) {
  const std::string ns = plane().freshNamespace("cli-file");
  TempDir tmp;
  writeFile(tmp.path() + "/issuer.yaml",
            "apiVersion: certchaos.io/v1alpha1\n"
            "kind: ChaosIssuer\n"
            "metadata:\n"
            "  name: from-file\n"
            "spec:\n"
            "  selfSigned: {}\n"
            "  scenario: sleep\n"
            "  parameters:\n"
            "    delay: 2s\n"
            "  seed: 42\n");
  auto out = cli({"-n", ns, "deploy", "issuer", "-f", tmp.path() + "/issuer.yaml"});
  ASSERT_EQ(out.exitCode, 0) << out.output;
  json issuer = get(kChaosIssuer, ns, "from-file");
  EXPECT_EQ(issuer["spec"]["scenario"], "sleep");
  EXPECT_EQ(issuer["spec"]["seed"], 42);
  EXPECT_EQ(issuer["spec"]["parameters"]["delay"], "2s");
}

TEST_F(CliTest, DeployCertificateAndRenewCreatesANewRequestRevision) {
  const std::string ns = plane().freshNamespace("cli-cert");
  ASSERT_EQ(cli({"-n", ns, "deploy", "issuer", "ca"}).exitCode, 0);
  auto deployed =
      cli({"-n", ns, "deploy", "certificate", "web", "--issuer", "ca", "--dns", "web.test",
           "--duration", "2h", "--renew-before", "30m", "--timeout", "90s"});
  ASSERT_EQ(deployed.exitCode, 0) << deployed.output;
  EXPECT_NE(deployed.output.find("is Ready"), std::string::npos) << deployed.output;
  json cert = get(res::kCertificate, ns, "web");
  EXPECT_EQ(cert["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(cert["spec"]["secretName"], "web-tls");
  EXPECT_EQ(cert["spec"]["issuerRef"]["group"], "certchaos.io");
  const auto revision = cert["status"].value("revision", 0);
  ASSERT_GE(revision, 1) << cert.dump(2);

  auto before = client_->list(res::kCertificateRequest, ns);
  ASSERT_TRUE(before) << before.error().message;
  auto renewed = cli({"-n", ns, "renew", "web"});
  ASSERT_EQ(renewed.exitCode, 0) << renewed.output;
  EXPECT_NE(renewed.output.find("Manually triggered issuance of Certificate " + ns + "/web"),
            std::string::npos)
      << renewed.output;

  // Watch (from the list's version) for the request of the next revision.
  const std::string wanted = std::to_string(revision + 1);
  bool seen = false;
  auto seenIn = [&](const json& cr) {
    auto annotations = cr["metadata"].value("annotations", json::object());
    return annotations.value("cert-manager.io/certificate-revision", "") == wanted &&
           annotations.value("cert-manager.io/certificate-name", "") == "web";
  };
  kube::WatchOptions options;
  options.resourceVersion = before->resourceVersion;
  options.timeout = std::chrono::seconds(60);
  auto end = client_->watch(res::kCertificateRequest, ns, options, [&](const kube::WatchEvent& e) {
    seen = seen || (e.type == kube::WatchEventType::kAdded && seenIn(e.object));
    return !seen;
  });
  ASSERT_TRUE(end) << end.error().message;
  EXPECT_TRUE(seen) << "no CertificateRequest for revision " << wanted;

  auto missing = cli({"-n", ns, "renew", "no-such-cert"});
  EXPECT_EQ(missing.exitCode, 1) << missing.output;
  EXPECT_NE(missing.output.find("expected Certificate " + ns + "/no-such-cert to exist"),
            std::string::npos)
      << missing.output;
}

TEST_F(CliTest, VerboseSaysWhichKubeconfigIsUsed) {
  auto out = cli({"-v", "-n", "default", "renew", "--all"});
  EXPECT_EQ(out.exitCode, 0) << out.output;
  EXPECT_NE(out.output.find("using kubeconfig " + plane().kubeconfig() + " from the local plane"),
            std::string::npos)
      << out.output;
}

TEST_F(CliTest, AbortStopsRunsRevertsEveryIssuerAndVerifies) {
  const std::string ns = plane().freshNamespace("cli-abort");
  ASSERT_EQ(cli({"-n", ns, "deploy", "issuer", "victim", "--scenario", "3", "--set", "delay=1h",
                 "--opt-in"})
                .exitCode,
            0);
  // A run in progress: a process whose command line names certchaos, with its runner.pid.
  TempDir runs;
  std::filesystem::create_directories(runs.path() + "/run-1");
  pid_t pid = 0;
  std::vector<std::string> argvText = {"certchaos-fake-run", "300"};
  std::vector<char*> argv = {argvText[0].data(), argvText[1].data(), nullptr};
  // SIGINT at its default action even if this test inherited it ignored.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  ASSERT_EQ(posix_spawn(&pid, "/bin/sleep", nullptr, &attr, argv.data(), environ), 0);
  posix_spawnattr_destroy(&attr);
  writeFile(runs.path() + "/run-1/runner.pid", std::to_string(pid) + "\n");

  auto out = cli({"--runs-dir", runs.path(), "abort", "--timeout", "60s"});
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
  ASSERT_EQ(out.exitCode, 0) << out.output;
  EXPECT_NE(out.output.find("stopping run run-1"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("reverted ChaosIssuer " + ns + "/victim: scenario 3"),
            std::string::npos)
      << out.output;
  EXPECT_NE(out.output.find("verified Ready"), std::string::npos) << out.output;

  json issuer = get(kChaosIssuer, ns, "victim");
  EXPECT_FALSE(issuer["spec"].contains("scenario")) << issuer["spec"].dump();
  const auto* ready = condition(issuer, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ((*ready)["status"], "True");
  EXPECT_EQ((*ready)["observedGeneration"], issuer["metadata"]["generation"]);

  auto again = cli({"--runs-dir", runs.path(), "abort"});
  EXPECT_EQ(again.exitCode, 0) << again.output;
  EXPECT_NE(again.output.find("nothing to abort"), std::string::npos) << again.output;
}

report::Report sampleReport(const std::string& id, int number, const std::string& name,
                            report::VerdictResult verdict, std::chrono::minutes startOffset) {
  report::Report r;
  const auto start = std::chrono::time_point_cast<std::chrono::seconds>(
      std::chrono::system_clock::now() - std::chrono::hours(1) + startOffset);
  r.run.id = id;
  r.run.scenario = {number, name, {{"delay", "1h"}}, 7, {}};
  r.run.timeScale = 60;
  r.run.cluster = "local";
  r.run.versions = {{"certchaos", "0.1.0"}};
  r.run.startedAt = start;
  r.run.endedAt = start + std::chrono::minutes(2);
  r.verdict = {verdict, "renewal completes before notAfter - margin",
               verdict == report::VerdictResult::kFailed ? "probe-failed" : "",
               "the application served an expired certificate"};
  r.timeline.push_back({start,
                        {},
                        report::Source::kRunner,
                        std::string(report::kinds::kRunStarted),
                        "run started",
                        ""});
  r.timeline.push_back({start + std::chrono::seconds(30),
                        {},
                        report::Source::kProbe,
                        std::string(report::kinds::kProbeFailed),
                        "x509: certificate has expired",
                        ""});
  r.certificateRequestCount = 2;
  report::finalizeTimes(r);
  return r;
}

TEST_F(CliTest, ReportListAndShowRenderTheRunsOfARunsDirectory) {
  TempDir runs;
  for (const auto& r : {sampleReport("20250101-100000-sleep", 3, "sleep",
                                     report::VerdictResult::kFailed, std::chrono::minutes(0)),
                        sampleReport("20250101-110000-hang", 4, "hang",
                                     report::VerdictResult::kPassed, std::chrono::minutes(10))}) {
    std::filesystem::create_directories(runs.path() + "/" + r.run.id);
    writeFile(runs.path() + "/" + r.run.id + "/report.json", report::toJsonText(r));
  }
  auto runsDir = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--runs-dir", runs.path()});
    return cli(args);
  };

  auto list = runsDir({"report", "list"});
  ASSERT_EQ(list.exitCode, 0) << list.output;
  EXPECT_NE(list.output.find("20250101-100000-sleep"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("failed"), std::string::npos) << list.output;
  EXPECT_LT(list.output.find("sleep"), list.output.find("hang")) << "oldest first";

  auto listJson = runsDir({"report", "list", "-o", "json"});
  ASSERT_EQ(listJson.exitCode, 0) << listJson.output;
  json listed = parseJsonOutput(listJson.output);
  ASSERT_EQ(listed["runs"].size(), 2u);
  EXPECT_EQ(listed["runs"][1]["id"], "20250101-110000-hang");
  EXPECT_EQ(listed["runs"][0]["verdict"], "failed");

  auto text = runsDir({"report", "show"});  // latest
  ASSERT_EQ(text.exitCode, 0) << text.output;
  EXPECT_NE(text.output.find("20250101-110000-hang"), std::string::npos) << text.output;

  auto byScenario = runsDir({"report", "show", "3", "-o", "json"});
  ASSERT_EQ(byScenario.exitCode, 0) << byScenario.output;
  auto parsed = report::parseReport(byScenario.output);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->run.id, "20250101-100000-sleep");

  auto byName = runsDir({"report", "show", "sleep", "-o", "text"});
  ASSERT_EQ(byName.exitCode, 0) << byName.output;
  EXPECT_NE(byName.output.find("x509: certificate has expired"), std::string::npos)
      << byName.output;

  const std::string junit = runs.path() + "/junit.xml";
  auto toFile =
      runsDir({"report", "show", "20250101-100000-sleep", "-o", "junit", "--output", junit});
  ASSERT_EQ(toFile.exitCode, 0) << toFile.output;
  const std::string xml = readFile(junit);
  EXPECT_NE(xml.find("<testsuite"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure"), std::string::npos) << xml;

  auto html = runsDir({"report", "show", "hang", "-o", "html"});
  ASSERT_EQ(html.exitCode, 0);
  EXPECT_NE(html.output.find("<svg"), std::string::npos);

  auto unknown = runsDir({"report", "show", "no-such-run"});
  EXPECT_EQ(unknown.exitCode, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("20250101-100000-sleep"), std::string::npos) << unknown.output;
}

TEST_F(CliTest, CompletionScriptsAndTheKubectlPluginName) {
  TempDir tmp;
  auto bash = cli({"completion", "bash"});
  ASSERT_EQ(bash.exitCode, 0) << bash.output;
  EXPECT_NE(bash.output.find("complete -F _certchaos certchaos"), std::string::npos);
  EXPECT_NE(bash.output.find("\"deploy issuer\")"), std::string::npos);
  EXPECT_NE(bash.output.find("--scenario"), std::string::npos);
  writeFile(tmp.path() + "/c.bash", bash.output);
  auto syntax = run({"/bin/bash", "-n", tmp.path() + "/c.bash"});
  EXPECT_EQ(syntax.exitCode, 0) << syntax.output;
  // Completing "certchaos deploy i" offers "issuer".
  auto completes = run({"/bin/bash", "-c",
                        "source " + tmp.path() +
                            "/c.bash; COMP_WORDS=(certchaos deploy i); "
                            "COMP_CWORD=2; _certchaos; echo \"${COMPREPLY[@]}\""});
  EXPECT_EQ(completes.output, "issuer\n");
  auto zsh = cli({"completion", "zsh"});
  ASSERT_EQ(zsh.exitCode, 0);
  EXPECT_NE(zsh.output.find("bashcompinit"), std::string::npos);

  const std::string plugin = binDir() + "/kubectl-certchaos";
  ASSERT_TRUE(std::filesystem::exists(plugin));
  auto help = run({plugin, "--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.output.find("kubectl certchaos"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace certchaos::testing
