// run SCENARIO: the end-scenario runner; demo: up + the base scenario + scenario 3 + the report.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "app_choice.h"
#include "certchaos/api/cert_manager.h"
#include "certchaos/chaos/catalog.h"
#include "certchaos/common/duration.h"
#include "certchaos/kube/errors.h"
#include "certchaos/report/renderer.h"
#include "certchaos/scenario/runner.h"
#include "console.h"
#include "deploy_actions.h"
#include "deploy_trigger.h"
#include "input_checks.h"
#include "plane_actions.h"
#include "run_backoff.h"
#include "run_hints.h"

namespace certchaos::cli {

using nlohmann::json;

namespace {

struct RunFlags {
  std::string scenario;
  std::string certificate;  // NS/NAME or NAME
  std::string issuer;       // NS/NAME or NAME (ChaosClusterIssuer: NAME)
  std::string issuerKind;
  std::string app;
  std::string appServerName;
  std::string timeScale = "1";
  std::string timeout = "10m";
  std::vector<std::string> sets;
  std::vector<std::string> checks;  // --check NAME[=TOLERANCE]
  std::string seed;  // "" = none; checked by parseSeed (CLI11 would wrap -1 to 2^64-1)
  bool keep = false;
  bool restore = false;
  bool atRenewalTime = false;
  int maxRequests = 20;
  // --issuer-logs, --cert-manager-logs, --app-logs: where each log is read ("" = the default).
  std::string issuerLogs;
  std::string certManagerLogs;
  std::string appLogs;
};

// The log sources the user chose on the command line (each checked, so that a bad one is
// refused before the run starts).
Result<scenario::LogOverrides> logOverridesFromFlags(const RunFlags& f) {
  scenario::LogOverrides overrides;
  for (const auto& [component, value] :
       {std::pair<std::string_view, const std::string&>{scenario::kIssuerLogs, f.issuerLogs},
        {scenario::kCertManagerLogs, f.certManagerLogs},
        {scenario::kAppLogs, f.appLogs}}) {
    if (value.empty()) continue;
    auto source = scenario::parseLogSource("--" + std::string(component) + "-logs", value);
    if (!source) return makeError(kUsageError, source.error().message);
    overrides.emplace(std::string(component), std::move(*source));
  }
  return overrides;
}

scenario::ObjectRef parseRef(const std::string& text, const std::string& defaultNs) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return {defaultNs, text};
  return {text.substr(0, slash), text.substr(slash + 1)};
}

// Ctrl-C and SIGTERM stop the run (it rolls back and reports `aborted`) through a stop token.
class SignalStop {
 public:
  SignalStop() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);  // our own wake-up at the end
    pthread_sigmask(SIG_BLOCK, &set, &previous_);
    thread_ = std::thread([this, set] {
      while (true) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0 || sig == SIGUSR1) return;
        if (source_.stop_requested()) {
          std::cerr << "\nsecond interrupt: exiting without rollback\n";
          std::_Exit(130);
        }
        std::cerr << "\ninterrupted: stopping the run and rolling back (Ctrl-C again to quit "
                     "at once)\n";
        source_.request_stop();
      }
    });
  }
  ~SignalStop() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  std::stop_token token() const { return source_.get_token(); }

 private:
  sigset_t previous_;
  std::stop_source source_;
  std::thread thread_;
};

// What the flags alone say, checked before any cluster is contacted.
Result<scenario::RunOptions> runOptionsFromFlags(const RunFlags& f) {
  scenario::RunOptions o;
  const auto* info = chaos::findScenario(f.scenario);
  if (info == nullptr) {
    std::string names;
    for (const auto& s : chaos::scenarioCatalog()) {
      names += (names.empty() ? "" : ", ") + std::to_string(s.number) + " " + s.name;
    }
    return makeError(kUsageError,
                     "SCENARIO: expected a number or name from 'certchaos "
                     "scenarios', found '" +
                         f.scenario + "'; one of: " + names);
  }
  o.scenario = f.scenario;
  if (auto logs = logOverridesFromFlags(f); !logs) return logs.error();
  for (const auto& s : f.sets) {
    auto kv = parseKeyValue(s, "--set");
    if (!kv) return kv.error();
    o.parameters[kv->first] = kv->second;
  }
  for (const auto& c : f.checks) {
    auto parsed = scenario::parseCheckOverride(c);
    if (!parsed) return makeError(kUsageError, parsed.error().message);
    o.checkOverrides.push_back(std::move(*parsed));
  }
  // Checked against the scenario's own checks here, before any cluster is contacted.
  if (auto checks = scenario::applyCheckOverrides(info->checks, o.checkOverrides); !checks) {
    return makeError(kUsageError, "scenario " + f.scenario + " " + checks.error().message);
  }
  if (!f.seed.empty()) {
    auto seed = parseSeed(f.seed, "--seed");
    if (!seed) return makeError(kUsageError, seed.error().message);
    o.seed = *seed;
  }
  auto timeScale = parseTimeScale(f.timeScale, "--time-scale", /*fractional=*/true);
  if (!timeScale) return makeError(kUsageError, timeScale.error().message);
  if (info->status != chaos::ScenarioStatus::kPlanned) {
    // The knobs as the issuer will read them: a typo (--set count=2) fails here, not after the
    // run has waited for an issuer that can never be Ready.
    if (auto valid = chaos::issuerScenarioFor(*info, o.parameters); !valid) {
      return makeError(kUsageError, valid.error().message);
    }
  }
  o.timeScale = *timeScale;
  auto timeout = parseGoDuration(f.timeout);
  if (!timeout || timeout->count() <= 0) {
    return makeError(kUsageError, "--timeout: expected a positive duration such as 10m, found '" +
                                      f.timeout + "'");
  }
  o.timeout = *timeout;
  return o;
}

// Fills in what the flags leave out: the Certificate (the only one issued by a Chaos issuer),
// the issuer (the Certificate's), the app (the local app serving its Secret), the log files.
Result<scenario::RunOptions> resolveRun(const CliContext& cli, const Target& target,
                                        const RunFlags& f) {
  auto fromFlags = runOptionsFromFlags(f);
  if (!fromFlags) return fromFlags.error();
  scenario::RunOptions o = std::move(*fromFlags);
  auto& client = *target.client;

  json certificate;
  if (!f.certificate.empty()) {
    o.certificate = parseRef(f.certificate, target.ns);
    auto got = client.get(api::kCertificate, o.certificate.ns, o.certificate.name);
    if (!got) {
      return makeError(got.error().code, "--certificate " + o.certificate.ns + "/" +
                                             o.certificate.name + ": " + got.error().message);
    }
    certificate = std::move(*got);
  } else {
    auto list = client.listAll(api::kCertificate, target.ns);
    if (!list) return list.error();
    std::vector<json> candidates;
    for (auto& c : list->items) {
      if (c["spec"].value("issuerRef", json::object()).value("group", "") == "certchaos.io") {
        candidates.push_back(std::move(c));
      }
    }
    if (candidates.size() != 1) {
      std::string names;
      for (const auto& c : candidates) names += " " + c["metadata"].value("name", "");
      return makeError(kUsageError,
                       "--certificate: expected it, or exactly one Certificate issued by a "
                       "ChaosIssuer in namespace " +
                           target.ns + ", found " + std::to_string(candidates.size()) +
                           (names.empty() ? "" : " (" + names.substr(1) + ")") +
                           "; pass --certificate NS/NAME");
    }
    certificate = std::move(candidates.front());
    o.certificate = {certificate["metadata"].value("namespace", ""),
                     certificate["metadata"].value("name", "")};
  }
  const json issuerRef = certificate["spec"].value("issuerRef", json::object());
  o.issuerKind = f.issuerKind.empty() ? issuerRef.value("kind", "ChaosIssuer") : f.issuerKind;
  if (o.issuerKind != "ChaosIssuer" && o.issuerKind != "ChaosClusterIssuer") {
    return makeError(kUsageError,
                     "--issuer-kind: expected ChaosIssuer or ChaosClusterIssuer, "
                     "found '" +
                         o.issuerKind + "'");
  }
  const std::string issuerNs = o.issuerKind == "ChaosClusterIssuer" ? "" : o.certificate.ns;
  o.issuer = f.issuer.empty() ? scenario::ObjectRef{issuerNs, issuerRef.value("name", "")}
                              : parseRef(f.issuer, issuerNs);
  if (o.issuerKind == "ChaosClusterIssuer") o.issuer.ns.clear();

  o.appUrl = f.app;
  o.appServerName = f.appServerName;
  const std::string secret = certificate["spec"].value("secretName", "");
  scenario::LocalLogFiles localLogs;
  std::string appName = "demo-app";  // the app's Deployment, whose pods' logs a run reads
  if (target.local()) {
    const auto& plane = *target.plane;
    for (const auto& c : plane.components) {
      if (c.name == "certchaos-issuer") localLogs[std::string(scenario::kIssuerLogs)] = c.logPath;
      if (c.name == "cm-controller") localLogs[std::string(scenario::kCertManagerLogs)] = c.logPath;
    }
    auto serving = std::vector<ServingApp>();
    if (plane.node) {
      // Everything runs as pods: the apps are the demo-app pods serving the Secret.
      auto pods = appPodsServing(*target.client, o.certificate.ns, secret);
      if (!pods) return pods.error();
      serving = *pods;
    } else {
      serving = appsServing(plane, o.certificate.ns, secret);
    }
    auto app = chooseApp(serving, o.appUrl, "Secret " + o.certificate.ns + "/" + secret);
    if (!app) return app.error();
    if (*app) {
      // A pod's log comes through pods/log: the app's pods are those of its Deployment.
      if (!(*app)->logPath.empty()) {
        localLogs[std::string(scenario::kAppLogs)] = (*app)->logPath;
      } else if (!(*app)->appName.empty()) {
        appName = (*app)->appName;
      }
      if (o.appUrl.empty()) {
        o.appUrl = (*app)->url;
        cli.note("probing " + (*app)->name + " at " + (*app)->url);
      }
    }
  }
  auto logOverrides = logOverridesFromFlags(f);
  if (!logOverrides) return logOverrides.error();
  o.logSources = scenario::resolveLogSources(*logOverrides, localLogs, o.certificate.ns,
                                             !o.appUrl.empty(), appName);
  if (o.appUrl.empty()) {
    cli.err() << "note: no --app URL and no local app serving Secret " << o.certificate.ns << "/"
              << secret << ": the run observes cert-manager only, without probes\n";
  }
  o.maxRequests = f.maxRequests;
  o.keep = f.keep;
  o.restore = f.restore;
  o.atRenewalTime = f.atRenewalTime;
  o.runsDir = cli.global.runsDir;
  o.cluster = target.clusterName();
  // Whole lines through the console, so that a client warning never splits one.
  static ConsoleLineStream progressLines(cli.err());
  o.progress = &progressLines;
  o.terminal = isTerminal(2);
  return o;
}

// Prints the text report and writes the other renderings next to report.json.
void printResult(const CliContext& cli, const scenario::RunResult& result) {
  auto text = report::makeRenderer("text", {.colour = isTerminal(1)});
  if (text) cli.out() << (*text)->render(result.report);
  cli.out() << "\nreport: " << result.dir << "/report.json\n";
  for (const char* format : {"md", "html", "junit"}) {
    auto renderer = report::makeRenderer(format);
    if (!renderer) continue;
    const std::string path = result.dir + "/report." + std::string((*renderer)->fileExtension());
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      std::ofstream(path, std::ios::binary) << (*renderer)->render(result.report);
    }
    cli.out() << "        " << path << "\n";
  }
  cli.out() << "show it again: " << certchaosCommand(cli.global) << " report show "
            << result.report.run.id << "\n";
}

// Runs the scenario with cert-manager's back-off arranged for it (scaled on the local plane and
// restored once the run, its rollback included, is over).
Result<scenario::RunResult> runWithBackoff(const CliContext& cli, const Target& target,
                                           scenario::RunOptions options) {
  auto backoff = RunBackoff::arrange(cli, target, options.timeScale);
  if (!backoff) return backoff.error();
  options.certManagerBackoff = (*backoff)->inForce();
  SignalStop signals;
  return scenario::runScenario(target.client, options, signals.token());
}

int runRun(const CliContext& cli, const RunFlags& f) {
  if (auto usable = checkRunsDir(cli.global.runsDir); !usable) return cli.fail(usable.error());
  if (auto flags = runOptionsFromFlags(f); !flags) return failWith(cli, flags.error(), "run");
  auto target = cli.connect();
  if (!target) return cli.fail(target.error());
  auto options = resolveRun(cli, *target, f);
  if (!options) return failWith(cli, options.error(), "run");
  // The client's own log lines of the run are kept with its report (logs/certchaos-client.log).
  const std::string clientLog = (std::filesystem::temp_directory_path() /
                                 ("certchaos-client-" + std::to_string(::getpid()) + ".log"))
                                    .string();
  if (cli.clientLog != nullptr) {
    cli.clientLog->logTo(clientLog);
    options->logSources["certchaos-client"] = scenario::FileLogSource{clientLog};
  }
  struct ClientLogCleanup {
    const CliContext& cli;
    std::string path;
    ~ClientLogCleanup() {
      if (cli.clientLog != nullptr) cli.clientLog->logTo("");
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } cleanup{cli, clientLog};
  auto result = runWithBackoff(cli, *target, *options);
  if (!result) return cli.fail(result.error());
  printResult(cli, *result);
  return scenario::exitCodeFor(result->report.verdict.result);
}

void addRunFlags(CLI::App* cmd, RunFlags& f) {
  cmd->add_option("--certificate", f.certificate,
                  "the Certificate under test, NS/NAME or NAME (default: the only one issued by "
                  "a ChaosIssuer in -n's namespace)");
  cmd->add_option("--issuer", f.issuer,
                  "the issuer to put the scenario on (default: the "
                  "Certificate's)");
  cmd->add_option("--issuer-kind", f.issuerKind, "ChaosIssuer or ChaosClusterIssuer");
  cmd->add_option("--app", f.app,
                  "the application's https:// URL to probe (default: the local "
                  "demo app serving the Certificate's Secret)");
  cmd->add_option("--app-server-name", f.appServerName,
                  "the name to verify (default: the Certificate's first DNS name)");
  cmd->add_option("--time-scale", f.timeScale, "divide every nominal duration by N (>= 1)")
      ->capture_default_str();
  cmd->add_option("--timeout", f.timeout, "wall-clock limit of the run")->capture_default_str();
  repeatable(cmd->add_option("--set", f.sets, "a knob of the scenario, KEY=VALUE (repeatable)"));
  repeatable(cmd->add_option(
      "--check", f.checks,
      "change a check's tolerance for this run, NAME=TOLERANCE (max-requests=5), or add a check "
      "of another kind, NAME[=TOLERANCE]; kinds and tolerances: 'certchaos scenarios -o json' "
      "(repeatable)"));
  cmd->add_option("--seed", f.seed, "seed of every probabilistic choice (0 to 2^63-1)");
  cmd->add_flag("--keep", f.keep,
                "leave the scenario on the issuer at the end, and the Certificate as the fault "
                "left it (no renewal back to a valid certificate)");
  cmd->add_flag("--restore", f.restore,
                "when the Secret holds an expired, not yet valid or foreign certificate, repair it "
                "first (issuer healthy, renew, wait) instead of refusing to start");
  cmd->add_flag("--at-renewal-time", f.atRenewalTime,
                "force the renewal when the Certificate's renewal time comes, not at once");
  const std::string logForms =
      ": NS/SELECTOR[@CONTAINER] to read its pods' logs through pods/log, file:PATH, or none "
      "(default: the local plane's log file, else ";
  cmd->add_option("--issuer-logs", f.issuerLogs,
                  "where the issuer's log is" + logForms +
                      "certchaos-system/app.kubernetes.io/name=certchaos-issuer)");
  cmd->add_option("--cert-manager-logs", f.certManagerLogs,
                  "where cert-manager's log is" + logForms +
                      "cert-manager/app.kubernetes.io/name=cert-manager,"
                      "app.kubernetes.io/component=controller)");
  cmd->add_option("--app-logs", f.appLogs,
                  "where the probed app's log is" + logForms +
                      "the demo app's pods in the Certificate's namespace, "
                      "app.kubernetes.io/name=demo-app,app.kubernetes.io/part-of=certchaos)");
  cmd->add_option("--max-requests", f.maxRequests,
                  "circuit breaker: stop after this many CertificateRequests")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
}

struct DemoFlags {
  std::string timeScale = "60";
  std::string timeout = "10m";
};

int runDemo(CliContext& cli, const DemoFlags& f) {
  auto timeScale = parseTimeScale(f.timeScale, "--time-scale", /*fractional=*/false);
  if (!timeScale) return cli.usage(timeScale.error().message, "demo");
  auto runTimeout = parseGoDuration(f.timeout);
  if (!runTimeout || runTimeout->count() <= 0) {
    return cli.usage(
        "--timeout: expected a positive duration such as 10m, found '" + f.timeout + "'", "demo");
  }
  if (auto usable = checkRunsDir(cli.global.runsDir); !usable) return cli.fail(usable.error());
  const std::string demoNs = cli.global.ns.empty() ? "certchaos-demo" : cli.global.ns;
  localcluster::UpOptions up;
  up.controlplaneDir = localcluster::defaultControlplaneDir();
  if (int code = runUp(cli, up, /*withIssuer=*/true); code != kExitOk) return code;
  // The demo is the local plane's, whatever $KUBECONFIG says.
  cli.global.kubeconfig = localcluster::LocalCluster(cli.global.stateDir).kubeconfigPath();
  cli.global.ns = demoNs;
  auto target = cli.connect();
  if (!target) return cli.fail(target.error());
  auto& client = *target->client;

  cli.out() << "\n== base: a healthy ChaosIssuer, a Certificate, the demo app (namespace " << demoNs
            << ", time scale " << *timeScale << ")\n";
  auto ns = client.apply(
      kube::resources::kNamespace,
      {{"metadata", {{"name", demoNs}, {"labels", {{"certchaos.io/chaos", "enabled"}}}}}},
      applyAsCertchaos());
  if (!ns) return cli.fail(ns.error());

  IssuerDeployment issuer;
  issuer.flags.name = "demo-issuer";
  issuer.flags.ns = demoNs;
  issuer.flags.scenario = "healthy";
  issuer.flags.timeScale = static_cast<std::int64_t>(*timeScale);
  if (auto r = deployIssuer(cli, *target, issuer); !r) return cli.fail(r.error());

  CertificateDeployment cert;
  cert.name = "demo";
  cert.ns = demoNs;
  cert.issuer = "demo-issuer";
  cert.dnsNames = {"demo.certchaos.local"};
  cert.duration = "1h";
  cert.renewBeforePercentage = 50;
  cert.secretName = "demo-tls";
  if (auto r = deployCertificate(cli, *target, cert); !r) return cli.fail(r.error());

  AppDeployment app;
  app.ns = demoNs;
  app.secret = "demo-tls";
  auto url = deployApp(cli, *target, app);
  if (!url) return cli.fail(url.error());

  // The original trigger (DESIGN.md §2): deploying the issuer with scenario 3 arms the end
  // scenario as a ChaosRun; the runner controller starts it once a certificate signed by the
  // issuer is in the Secret and the issuer is Ready with the scenario, at the renewal time.
  cli.out() << "\n== scenario 3 (sleep): the issuer holds the renewal for 1h nominal, longer than "
               "the certificate has left\n$ certchaos deploy issuer demo-issuer -n "
            << demoNs << " --scenario 3 --set delay=1h --time-scale " << *timeScale
            << " --at-renewal-time --wait\n";
  // The plane's state changed (the app is a component now): read it again.
  auto refreshed = cli.connect();
  if (!refreshed) return cli.fail(refreshed.error());
  IssuerDeployment chaotic = issuer;
  chaotic.flags.scenario = "3";
  chaotic.flags.sets = {"delay=1h"};
  TriggerFlags trigger;
  trigger.certificate = "demo";
  trigger.app = *url;
  trigger.timeout = f.timeout;
  // The story of DESIGN.md §2: the renewal starts with renewBefore (30 min nominal) left, and the
  // 1 h sleep outlasts it.
  trigger.atRenewalTime = true;
  auto run = deployIssuerWithRun(cli, *refreshed, chaotic, trigger);
  if (!run) return cli.fail(run.error());
  if (run->empty()) {
    return cli.fail({"NoRun", "the ChaosRun of scenario 3 was not created (see the note above)"});
  }
  auto ended =
      waitForRunEnd(cli, *refreshed->client, demoNs, *run, *runTimeout + std::chrono::minutes(10));
  if (!ended) return cli.fail(ended.error());

  cli.out() << "\n$ certchaos report show 3\n";
  ReportShowOptions show;
  show.selector = "3";
  if (int code = showReport(cli, show); code != kExitOk) return code;
  cli.out() << "\nThe plane keeps running: '" << certchaosCommand(cli.global)
            << " down' stops it. The run stays in the cluster: 'kubectl get chaosruns -n " << demoNs
            << "'.\n";
  // The demo shows a verdict; producing the report is its success.
  return exitCodeOfRun(*ended) == scenario::exitCodeFor(report::VerdictResult::kAborted)
             ? kExitError
             : kExitOk;
}

}  // namespace

std::string certchaosCommand(const GlobalOptions& global) {
  std::string out = "certchaos";
  auto quoted = [](const std::string& path) {
    return path.find_first_of(" \t'\"$") == std::string::npos ? path : "'" + path + "'";
  };
  if (global.stateDir != localcluster::defaultStateDir()) {
    out += " --state-dir " + quoted(global.stateDir);
  }
  if (global.runsDir != defaultRunsDir()) out += " --runs-dir " + quoted(global.runsDir);
  return out;
}

void addRunCommands(CLI::App& app, CliContext& cli) {
  auto rf = std::make_shared<RunFlags>();
  auto* run = app.add_subcommand(
      "run",
      "run a scenario end to end: deploy it, force renewal, observe and probe, report, "
      "roll back; the exit code follows the verdict");
  run->add_option("SCENARIO", rf->scenario, "a number or name from 'certchaos scenarios'")
      ->required();
  addRunFlags(run, *rf);
  setExamples(run,
              "  certchaos run 3 --set delay=1h --time-scale 60 -n certchaos-demo\n"
              "  certchaos run sleep --certificate demo/web --app https://127.0.0.1:8443 "
              "--timeout 15m\n"
              "  certchaos run fail-transient --set attempts=2 --seed 7 --keep\n"
              "  certchaos run 3 --check probes-valid=1 --check max-requests=4\n"
              "  certchaos run 3 --issuer-logs tools/app.kubernetes.io/name=my-issuer@issuer "
              "--app-logs none\n"
              "Exit codes: see the README ('CLI'); 1 also when the run could not start.\n");
  run->callback([&cli, rf] { cli.action = [&cli, rf] { return runRun(cli, *rf); }; });

  auto df = std::make_shared<DemoFlags>();
  auto* demo = app.add_subcommand(
      "demo",
      "the seed scenario on the local plane: up, a healthy issuer, a Certificate "
      "(1h, renewal at 50%), the demo app; then the issuer deployed with scenario 3 (a 1h "
      "sleep) arms a ChaosRun, which the runner controller runs at the renewal time; prints "
      "its report");
  demo->add_option("--time-scale", df->timeScale, "time compression (a whole number >= 1)")
      ->capture_default_str();
  demo->add_option("--timeout", df->timeout, "wall-clock limit of the ChaosRun")
      ->capture_default_str();
  setExamples(demo,
              "  certchaos demo                         # namespace certchaos-demo\n"
              "  certchaos --state-dir /tmp/demo demo -n mydemo --time-scale 120\n");
  demo->callback([&cli, df] { cli.action = [&cli, df] { return runDemo(cli, *df); }; });
}

}  // namespace certchaos::cli
