// The certchaos CLI against a real local control plane: the catalog, deploy issuer (local
// validation, waiting for Ready at the new generation), deploy certificate, renew (a new
// CertificateRequest revision), abort (stops runs, reverts and verifies), report list/show on a
// runs directory, completion, the kubectl plugin name, --help examples and usage exit codes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/issuer/issuer_reconciler.h"
#include "certchaos/kube/client.h"
#include "certchaos/kube/errors.h"
#include "certchaos/report/report_json.h"
#include "certchaos/scenario/runner_pid.h"
#include "plane.h"
#include "shared_plane.h"

extern char** environ;

namespace certchaos::testing {
namespace {

using nlohmann::json;
namespace res = kube::resources;
using api::kChaosIssuer;

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
  // certchaos with its stdout (only) written to `file`: what a user would pipe to kubectl.
  static localcluster::CommandOutput toFile(const std::vector<std::string>& args,
                                            const std::string& file) {
    std::string command = binDir() + "/certchaos --state-dir=" + plane().stateDir();
    for (const auto& a : args) command += " '" + a + "'";
    return run({"/bin/sh", "-c", command + " > " + file});
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
  json cert = get(api::kCertificate, ns, "web");
  EXPECT_EQ(cert["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(cert["spec"]["secretName"], "web-tls");
  EXPECT_EQ(cert["spec"]["issuerRef"]["group"], "certchaos.io");
  const auto revision = cert["status"].value("revision", 0);
  ASSERT_GE(revision, 1) << cert.dump(2);

  auto before = client_->list(api::kCertificateRequest, ns);
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
  auto end = client_->watch(api::kCertificateRequest, ns, options, [&](const kube::WatchEvent& e) {
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
  std::vector<std::string> argvText = {"certchaos", "300"};
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
  auto pidText = scenario::runnerPidText(pid);
  ASSERT_TRUE(pidText);
  writeFile(runs.path() + "/run-1/runner.pid", *pidText);
  // A runner.pid whose pid was recycled (another start time) is never signalled.
  std::filesystem::create_directories(runs.path() + "/run-2");
  writeFile(runs.path() + "/run-2/runner.pid", std::to_string(pid) + "\nstart=1\n");

  auto out = cli({"--runs-dir", runs.path(), "abort", "--timeout", "60s"});
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
  ASSERT_EQ(out.exitCode, 0) << out.output;
  EXPECT_NE(out.output.find("stopping run run-1"), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find("run-2"), std::string::npos) << out.output;
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

TEST_F(CliTest, DeployIssuerRefusesFilesOfTheWrongShapeWithoutCrashing) {
  const std::string ns = plane().freshNamespace("cli-shape");
  TempDir tmp;
  const std::string header = "apiVersion: certchaos.io/v1alpha1\nkind: ChaosIssuer\n";
  struct Case {
    std::string yaml;
    std::string mentions;
  };
  for (const auto& c : std::vector<Case>{
           {"a string\n", "found a string"},
           {"42\n", "found a number"},
           {"- a\n- b\n", "found a list"},
           {header + "metadata: a string\n", "metadata"},
           {header + "metadata: {name: [a, b]}\n", "metadata.name"},
           {"apiVersion: certchaos.io/v1alpha1\nkind: [ChaosIssuer]\nmetadata: {name: a}\n",
            "kind"},
           {header + "metadata: {name: shaped}\nspec: a string\n", "spec"},
           {"", "found none"},
           {header + "metadata: {name: a}\n---\n" + header + "metadata: {name: b}\n", "found 2"},
           {"apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: a}\n",
            "apiVersion"},
       }) {
    writeFile(tmp.path() + "/issuer.yaml", c.yaml);
    auto out = cli({"-n", ns, "deploy", "issuer", "shaped", "-f", tmp.path() + "/issuer.yaml"});
    EXPECT_EQ(out.exitCode, 1) << c.yaml << "\n" << out.output;
    EXPECT_NE(out.output.find("expected"), std::string::npos) << out.output;
    EXPECT_NE(out.output.find(c.mentions), std::string::npos) << c.yaml << "\n" << out.output;
    EXPECT_NE(out.output.find("issuer.yaml"), std::string::npos) << out.output;
  }
  // `spec: "a string"` used to deploy a default issuer: nothing may have been applied.
  auto absent = client_->get(kChaosIssuer, ns, "shaped");
  ASSERT_FALSE(absent);
  EXPECT_TRUE(kube::isNotFound(absent.error())) << absent.error().message;
}

TEST_F(CliTest, FlagValuesAreCheckedBeforeAnythingIsSent) {
  const std::string ns = plane().freshNamespace("cli-flags");
  TempDir tmp;
  writeFile(tmp.path() + "/a-file", "x");
  struct Case {
    std::vector<std::string> args;
    int exitCode;
    std::vector<std::string> mentions;
  };
  for (const auto& c : std::vector<Case>{
           {{"-n", ns, "deploy", "issuer", "x", "--scenario", "3", "--seed", "-1"},
            2,
            {"--seed: expected a whole number from 0 to 9223372036854775807", "found '-1'"}},
           {{"-n", ns, "run", "3", "--seed", "-1"}, 2, {"found '-1'"}},
           {{"-n", ns, "deploy", "certificate", "c", "--issuer", "ca", "--ip", "999.1.1.1"},
            2,
            {"--ip: expected an IPv4 or IPv6 address", "found '999.1.1.1'"}},
           {{"-n", ns, "deploy", "certificate", "c", "--issuer", "ca", "--dns", ""},
            2,
            {"--dns: expected a DNS name", "found ''"}},
           {{"--runs-dir", tmp.path() + "/a-file", "report", "list"},
            1,
            {"expected a directory of runs, found a file"}},
           {{"--runs-dir", tmp.path() + "/a-file", "abort"}, 1, {"found a file"}},
           {{"-n", ns, "deploy", "issuer", "x", "--time-scale", "abc"},
            2,
            {"--time-scale: expected a whole number >= 1", "found 'abc'"}},
           {{"-n", ns, "run", "3", "--time-scale", "abc"},
            2,
            {"--time-scale: expected a number >= 1", "found 'abc'"}},
           {{"-n", "BAD NS", "deploy", "issuer", "x", "--scenario", "3"},
            2,
            {"-n/--namespace: expected a namespace name", "found 'BAD NS'"}},
           {{"no-such-command"}, 2, {"found 'no-such-command'", "deploy", "abort"}},
           {{"deploy", "foo"}, 2, {"'certchaos deploy'", "found 'foo'", "issuer"}},
           {{"-n", ns, "deploy", "issuer", "x", "--fault", "sleep:delay"},
            2,
            {"TYPE:KEY=VALUE", "--fault sleep:delay=10m"}},
           {{"-n", ns, "run", "fail-transient", "--set", "count=2"}, 2, {"count", "attempts"}},
           {{"-n", ns, "run", "3", "--check", "probes-vaild=1"},
            2,
            {"--check probes-vaild=1: expected a check named one of", "probes-valid"}},
           {{"-n", ns, "run", "3", "--check", "max-requests=many"},
            2,
            {"expected an integer >= 0 (its limit), found 'many'"}},
           {{"-n", ns, "run", "1", "--check", "own-issuer-only=yes"},
            2,
            {"takes no tolerance, found 'yes'"}},
           {{"-n", ns, "run", "27", "--set", "fault=explode"},
            2,
            {"--set fault: expected one of hang, fail, found \"explode\""}},
           {{"-n", ns, "run", "rate-limit", "--set", "limit=0"},
            2,
            {"limit: expected a positive integer, found \"0\""}},
           {{"-n", ns, "run", "3", "--issuer-logs", "/var/log/issuer.log"},
            2,
            {"--issuer-logs: expected NS/SELECTOR[@CONTAINER]", "found '/var/log/issuer.log'",
             "for a file write file:/var/log/issuer.log"}},
           {{"-n", ns, "run", "3", "--app-logs", "demo/app=x@Web"},
            2,
            {"--app-logs: expected", "the container 'Web' is not a container name"}},
           {{"-n", ns, "deploy", "issuer", "x", "--dry-run=maybe"}, 2, {"found 'maybe'"}},
           {{"-n", ns, "deploy", "issuer", "x", "-o", "xml"}, 2, {"expected yaml or json"}},
       }) {
    auto out = cli(c.args);
    std::string command;
    for (const auto& a : c.args) command += " " + a;
    EXPECT_EQ(out.exitCode, c.exitCode) << command << "\n" << out.output;
    for (const auto& m : c.mentions) {
      EXPECT_NE(out.output.find(m), std::string::npos) << command << ": no '" << m << "' in\n"
                                                       << out.output;
    }
    EXPECT_EQ(out.output.find("kubectl create namespace BAD"), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find("A subcommand is required"), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find("Could not convert"), std::string::npos) << out.output;
  }
  auto absent = client_->get(kChaosIssuer, ns, "x");
  ASSERT_FALSE(absent);
  EXPECT_TRUE(kube::isNotFound(absent.error()));
  // up with --issuer-arg where no local issuer takes it, on a state directory of its own: refused
  // before anything starts.
  for (const auto& [flag, mention] : std::vector<std::pair<std::string, std::string>>{
           {"--node", "--issuer-arg: expected it without --node, found both"},
           {"--no-issuer", "--issuer-arg: expected an issuer to pass it to, found --no-issuer"}}) {
    auto out = run({binDir() + "/certchaos", "--state-dir=" + tmp.path() + "/plane", "up", flag,
                    "--issuer-arg=--kube-api-qps=5"});
    EXPECT_EQ(out.exitCode, 2) << flag << "\n" << out.output;
    EXPECT_NE(out.output.find(mention), std::string::npos) << out.output;
    EXPECT_FALSE(std::filesystem::exists(tmp.path() + "/plane")) << "up refused before starting";
  }  // The issuer's client rate limit: checked before it connects anywhere.
  for (const auto& flag : {"--kube-api-qps=0", "--kube-api-burst=0", "--kube-api-qps=many"}) {
    auto out = run({binDir() + "/certchaos-issuer", flag});
    EXPECT_NE(out.exitCode, 0) << flag << "\n" << out.output;
    const std::string name = std::string(flag).substr(0, std::string(flag).find('='));
    EXPECT_NE(out.output.find(name), std::string::npos) << flag << "\n" << out.output;
  }
}

// A server that accepts TCP but never answers: the error names the timeout that expired.
TEST_F(CliTest, AServerThatNeverAnswersIsReportedWithTheRealTimeout) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(listener, 16), 0);  // never accepted: the kernel completes the handshake
  socklen_t length = sizeof(address);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  TempDir tmp;
  writeFile(tmp.path() + "/kubeconfig",
            "apiVersion: v1\nkind: Config\ncurrent-context: silent\n"
            "clusters:\n- name: silent\n  cluster:\n    server: https://127.0.0.1:" +
                std::to_string(ntohs(address.sin_port)) +
                "\n    insecure-skip-tls-verify: true\n"
                "users:\n- name: u\n  user:\n    token: t\n"
                "contexts:\n- name: silent\n  context: {cluster: silent, user: u}\n");
  const auto started = std::chrono::steady_clock::now();
  auto out = cli({"--kubeconfig", tmp.path() + "/kubeconfig", "-n", "default", "renew", "--all"});
  const auto took = std::chrono::steady_clock::now() - started;
  ::close(listener);
  EXPECT_EQ(out.exitCode, 1) << out.output;
  EXPECT_NE(out.output.find("TLS connection within 10s"), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find("30000ms"), std::string::npos) << out.output;
  EXPECT_LT(took, std::chrono::seconds(60));
}

TEST_F(CliTest, DryRunsChangeNothingAndTheirYamlAppliesToTheSameIssuer) {
  const std::string ns = plane().freshNamespace("cli-dry");
  TempDir tmp;

  // Server: the API server validates and defaults it; nothing is stored.
  auto server = toFile({"-n", ns, "deploy", "issuer", "git", "--scenario", "sleep", "--set",
                        "delay=1h", "--seed", "7", "--dry-run=server", "-o", "yaml"},
                       tmp.path() + "/server.yaml");
  ASSERT_EQ(server.exitCode, 0) << server.output;
  auto absent = client_->get(kChaosIssuer, ns, "git");
  ASSERT_FALSE(absent) << "a server dry run created the issuer";
  EXPECT_TRUE(kube::isNotFound(absent.error()));
  const std::string yaml = readFile(tmp.path() + "/server.yaml");
  EXPECT_NE(yaml.find("kind: ChaosIssuer"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("managedFields"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("status"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("uid"), std::string::npos) << yaml;

  // Client: the object that would be sent, as JSON.
  auto client = toFile({"-n", ns, "deploy", "issuer", "git", "--scenario", "sleep", "--set",
                        "delay=1h", "--seed", "7", "--dry-run=client", "-o", "json"},
                       tmp.path() + "/client.json");
  ASSERT_EQ(client.exitCode, 0) << client.output;
  json printed = json::parse(readFile(tmp.path() + "/client.json"));
  EXPECT_EQ(printed["spec"]["scenario"], "sleep");
  EXPECT_EQ(printed["spec"]["parameters"]["delay"], "1h");
  EXPECT_EQ(printed["spec"]["seed"], 7);
  EXPECT_EQ(printed["metadata"]["namespace"], ns);
  EXPECT_FALSE(client_->get(kChaosIssuer, ns, "git"));

  // kubectl applies the server's YAML; the issuer holds exactly what was printed.
  auto applied = kubectl(plane().stateDir(), {"apply", "-f", tmp.path() + "/server.yaml"});
  ASSERT_EQ(applied.exitCode, 0) << applied.output;
  json live = get(kChaosIssuer, ns, "git");
  EXPECT_EQ(live["spec"], printed["spec"]) << live["spec"].dump();
  const auto generation = live["metadata"]["generation"];

  // certchaos deploy issuer -f of the same YAML: the same issuer (same spec, same generation).
  auto again = cli({"deploy", "issuer", "-f", tmp.path() + "/server.yaml", "--timeout", "60s"});
  ASSERT_EQ(again.exitCode, 0) << again.output;
  live = get(kChaosIssuer, ns, "git");
  EXPECT_EQ(live["spec"], printed["spec"]) << live["spec"].dump();
  EXPECT_EQ(live["metadata"]["generation"], generation);

  // A server dry run of a change shows the change and leaves the issuer as it is.
  auto change = toFile({"-n", ns, "deploy", "issuer", "git", "--scenario", "healthy",
                        "--dry-run=server", "-o", "json"},
                       tmp.path() + "/change.json");
  ASSERT_EQ(change.exitCode, 0) << change.output;
  json changed = json::parse(readFile(tmp.path() + "/change.json"));
  EXPECT_FALSE(changed["spec"].contains("scenario")) << changed.dump();
  EXPECT_FALSE(changed["spec"].contains("parameters")) << changed.dump();
  live = get(kChaosIssuer, ns, "git");
  EXPECT_EQ(live["spec"]["scenario"], "sleep");
  EXPECT_EQ(live["metadata"]["generation"], generation);

  // Certificates too: nothing created by either dry run.
  auto cert = toFile({"-n", ns, "deploy", "certificate", "web", "--issuer", "git", "--dns",
                      "web.test", "--dry-run=server", "-o", "json"},
                     tmp.path() + "/cert.json");
  ASSERT_EQ(cert.exitCode, 0) << cert.output;
  json certificate = json::parse(readFile(tmp.path() + "/cert.json"));
  EXPECT_EQ(certificate["spec"]["dnsNames"], json::array({"web.test"}));
  auto certClient = cli({"-n", ns, "deploy", "certificate", "web", "--issuer", "git", "--dns",
                         "web.test", "--dry-run=client"});
  ASSERT_EQ(certClient.exitCode, 0) << certClient.output;
  EXPECT_NE(certClient.output.find("created (dry run, client)"), std::string::npos)
      << certClient.output;
  EXPECT_FALSE(client_->get(api::kCertificate, ns, "web"));
}

// deploy app: a client dry run prints the manifest and starts nothing (no local process, no
// object); a server dry run prints what the API server would store and stores nothing.
TEST_F(CliTest, DeployAppDryRunsStartAndStoreNothing) {
  const std::string ns = plane().freshNamespace("cli-dry-app");
  const kube::ResourceRef deployments{"apps", "v1", "deployments", "Deployment", true};
  const kube::ResourceRef services{"", "v1", "services", "Service", true};
  TempDir tmp;
  const auto componentsBefore = cli({"status"});
  ASSERT_EQ(componentsBefore.exitCode, 0) << componentsBefore.output;

  auto client = toFile({"-n", ns, "deploy", "app", "--name", "shop", "--secret", "shop-tls",
                        "--dry-run=client", "-o", "json"},
                       tmp.path() + "/client.json");
  ASSERT_EQ(client.exitCode, 0) << client.output;
  const std::string printed = readFile(tmp.path() + "/client.json");
  // The documents one after the other, as `kubectl apply -f -` reads them.
  std::vector<std::string> kinds;
  std::istringstream in(printed);
  while ((in >> std::ws).peek() != EOF) {
    json doc;
    in >> doc;
    kinds.push_back(doc.value("kind", ""));
    if (doc.value("kind", "") == "Deployment") {
      EXPECT_EQ(doc["metadata"]["namespace"], ns) << doc.dump();
      EXPECT_NE(doc.dump().find("shop-tls"), std::string::npos) << doc.dump();
    }
  }
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "Deployment"), kinds.end()) << printed;
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "Service"), kinds.end()) << printed;

  auto server = cli(
      {"-n", ns, "deploy", "app", "--name", "shop", "--secret", "shop-tls", "--dry-run=server"});
  ASSERT_EQ(server.exitCode, 0) << server.output;
  EXPECT_NE(server.output.find("Deployment " + ns + "/shop applied (dry run, server)"),
            std::string::npos)
      << server.output;

  // Nothing stored, nothing started: no Deployment or Service, and `status` lists the same
  // components as before (a local deploy app adds a process of the plane).
  EXPECT_FALSE(client_->get(deployments, ns, "shop"));
  EXPECT_FALSE(client_->get(services, ns, "shop"));
  const auto componentsAfter = cli({"status"});
  ASSERT_EQ(componentsAfter.exitCode, 0) << componentsAfter.output;
  EXPECT_EQ(componentsAfter.output.find("shop"), std::string::npos) << componentsAfter.output;
}

// A run that fails its start check (its issuer does not exist) leaves no runner.pid behind, and no
// run directory either: nothing was run.
TEST_F(CliTest, ARunThatCannotStartLeavesNoRunnerPid) {
  const std::string ns = plane().freshNamespace("cli-nostart");
  auto cert = client_->apply(
      api::kCertificate,
      {{"apiVersion", "cert-manager.io/v1"},
       {"kind", "Certificate"},
       {"metadata", {{"name", "never"}, {"namespace", ns}}},
       {"spec",
        {{"secretName", "never-tls"},
         {"dnsNames", {"never.test"}},
         {"issuerRef",
          {{"name", "no-such-issuer"}, {"kind", "ChaosIssuer"}, {"group", "certchaos.io"}}}}}},
      [] {
        kube::ApplyOptions o;
        o.fieldManager = "cli-test";
        return o;
      }());
  ASSERT_TRUE(cert) << cert.error().message;
  TempDir runs;
  auto out = cli({"--runs-dir", runs.path(), "-n", ns, "run", "3", "--certificate", ns + "/never",
                  "--timeout", "30s"});
  EXPECT_EQ(out.exitCode, 1) << out.output;
  EXPECT_NE(out.output.find("no-such-issuer"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("certchaos deploy issuer"), std::string::npos) << out.output;
  std::size_t runDirs = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(runs.path())) {
    runDirs += entry.is_directory() ? 1 : 0;
    EXPECT_NE(entry.path().filename(), "runner.pid") << entry.path();
  }
  EXPECT_EQ(runDirs, 0u) << "a run that never started leaves no directory";
}

// The URL `deploy app` printed ("NAME serves Secret NS/S at URL").
std::string appUrlIn(const std::string& output) {
  const auto at = output.find(" at https://");
  if (at == std::string::npos) return "";
  return output.substr(at + 4, output.find_first_of(" \n", at + 4) - (at + 4));
}

// Issue 13: `run 26` without --app probed whichever local app came first among two serving the
// Secret. Then, on that base with --app given, scenario 13 with per-run checks: the report names
// the expired intermediate at depth 1 (not the leaf) and records the checks the run changed.
TEST_F(CliTest, RunRefusesAnAmbiguousAppAndRecordsItsCheckOverrides) {
  const std::string ns = plane().freshNamespace("cli-checks");
  // Chaos applies only in namespaces that opted in (deploy issuer --opt-in labels it only when it
  // deploys a scenario; this base is healthy).
  auto labelled =
      client_->patch(res::kNamespace, "", ns, kube::PatchType::kMerge,
                     {{"metadata", {{"labels", {{"certchaos.io/chaos", "enabled"}}}}}}, {});
  ASSERT_TRUE(labelled) << labelled.error().message;
  auto issuer = cli({"-n", ns, "deploy", "issuer", "chaos", "--time-scale", "60"});
  ASSERT_EQ(issuer.exitCode, 0) << issuer.output;
  auto cert =
      cli({"-n", ns, "deploy", "certificate", "app", "--issuer", "chaos", "--dns", "app.cli.test",
           "--duration", "1h", "--renew-before-percentage", "50", "--timeout", "90s"});
  ASSERT_EQ(cert.exitCode, 0) << cert.output;
  auto reloading = cli({"-n", ns, "deploy", "app", "--secret", "app-tls", "--name", ns + "-a"});
  ASSERT_EQ(reloading.exitCode, 0) << reloading.output;
  auto stale =
      cli({"-n", ns, "deploy", "app", "--secret", "app-tls", "--name", ns + "-b", "--no-reload"});
  ASSERT_EQ(stale.exitCode, 0) << stale.output;
  const std::string urlA = appUrlIn(reloading.output), urlB = appUrlIn(stale.output);
  ASSERT_FALSE(urlA.empty()) << reloading.output;
  ASSERT_FALSE(urlB.empty()) << stale.output;

  TempDir runs;
  auto ambiguous = cli({"--runs-dir", runs.path(), "-n", ns, "run", "26", "--time-scale", "60"});
  EXPECT_EQ(ambiguous.exitCode, 2) << ambiguous.output;
  for (const std::string& m :
       {"exactly one local app serving Secret " + ns + "/app-tls, found 2",
        ns + "-a at " + urlA + " (reloads the Secret)", ns + "-b at " + urlB + " (--no-reload)",
        std::string("pass --app")}) {
    EXPECT_NE(ambiguous.output.find(m), std::string::npos) << m << "\n" << ambiguous.output;
  }
  EXPECT_TRUE(std::filesystem::is_empty(runs.path())) << "refused before anything ran";

  // cert-manager's log asked of pods that do not exist: the report says so, the run goes on.
  auto run = cli({"--runs-dir", runs.path(), "-n", ns, "run", "13", "--app", urlA, "--time-scale",
                  "60", "--timeout", "3m", "--check", "clients-reject=has expired", "--check",
                  "max-requests=2", "--cert-manager-logs", ns + "/app.kubernetes.io/name=absent"});
  EXPECT_EQ(run.exitCode, 0) << run.output;
  std::string dir;
  for (const auto& entry : std::filesystem::directory_iterator(runs.path())) dir = entry.path();
  ASSERT_FALSE(dir.empty()) << run.output;
  auto parsed = report::parseReport(readFile(dir + "/report.json"));
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& checks = parsed->verdict.checks;
  ASSERT_EQ(checks.size(), 2u) << run.output;
  EXPECT_EQ(checks[0].name, "clients-reject");
  EXPECT_EQ(checks[0].origin, report::CheckOrigin::kOverridden);
  EXPECT_EQ(checks[0].tolerance.at("reason"), "has expired");
  EXPECT_EQ(checks[0].scenarioTolerance.at("reason"), "expired");
  EXPECT_EQ(checks[0].outcome, report::CheckOutcome::kHeld) << checks[0].evidence;
  // The expired certificate is the intermediate, one above the leaf, with its own serial.
  EXPECT_NE(checks[0].evidence.find("certificate has expired at depth 1 (a CA certificate "
                                    "CN=certchaos expired intermediate, serial "),
            std::string::npos)
      << checks[0].evidence;
  EXPECT_EQ(checks[0].evidence.find("at depth 0"), std::string::npos) << checks[0].evidence;
  EXPECT_EQ(checks[1].name, "max-requests");
  EXPECT_EQ(checks[1].origin, report::CheckOrigin::kAdded);
  EXPECT_EQ(checks[1].tolerance.at("limit"), "2");
  EXPECT_EQ(checks[1].outcome, report::CheckOutcome::kHeld) << checks[1].evidence;
  const std::string text = readFile(dir + "/report.txt");
  EXPECT_NE(text.find("(set by --check for this run; the scenario declares reason = expired)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("limit = 2 (added by --check for this run)"), std::string::npos) << text;
  EXPECT_TRUE(std::filesystem::exists(dir + "/logs/certchaos-client.log"))
      << "the run keeps its client log";
  // The local processes' logs come from their files; the report says so for each.
  std::map<std::string, report::CollectedLog> logs;
  for (const auto& l : parsed->artifacts.logSources) logs[l.component] = l;
  for (const char* component : {"issuer", "app"}) {
    ASSERT_TRUE(logs.contains(component)) << component << "\n" << text;
    EXPECT_EQ(logs[component].origin, "file") << component;
    EXPECT_EQ(logs[component].error, "") << component;
    EXPECT_TRUE(std::filesystem::exists(logs[component].path)) << logs[component].path;
    EXPECT_NE(text.find(std::string(component) + ": file " + logs[component].from + " → " +
                        logs[component].path),
              std::string::npos)
        << text;
  }
  EXPECT_EQ(logs["issuer"].from, plane().stateDir() + "/logs/certchaos-issuer.log");
  ASSERT_TRUE(logs.contains("cert-manager")) << text;
  EXPECT_EQ(logs["cert-manager"].origin, "pods/log");
  EXPECT_EQ(logs["cert-manager"].path, "");
  const std::string unread = "cert-manager: pods/log " + ns +
                             " -l app.kubernetes.io/name=absent could not be read: no pod in "
                             "namespace " +
                             ns + " matches the selector app.kubernetes.io/name=absent";
  EXPECT_NE(text.find(unread), std::string::npos) << text;
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
