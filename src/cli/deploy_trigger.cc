#include "deploy_trigger.h"

#include <random>

#include "app_choice.h"
#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/chaos/catalog.h"
#include "certchaos/chaosrun/chaos_run.h"
#include "certchaos/common/duration.h"
#include "certchaos/kube/errors.h"
#include "certchaos/report/report.h"
#include "certchaos/scenario/runner.h"
#include "wait.h"

namespace certchaos::cli {

using nlohmann::json;

namespace {

std::uint64_t drawSeed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32 | device()) & 0x7fffffffffffffffULL;
}

// The Certificate under test: --certificate, else the only one in the namespace issued by the
// issuer. nullopt (with the reason in `why`) when there is none yet.
Result<std::optional<json>> certificateUnderTest(kube::Client& client, const std::string& ns,
                                                 const std::string& issuer, const std::string& flag,
                                                 std::string& why) {
  if (!flag.empty()) {
    auto got = client.get(api::kCertificate, ns, flag);
    if (!got) {
      return makeError(got.error().code,
                       "--certificate " + ns + "/" + flag + ": " + got.error().message);
    }
    return std::optional<json>(std::move(*got));
  }
  auto list = client.listAll(api::kCertificate, ns);
  if (!list) return list.error();
  std::vector<json> mine;
  for (auto& c : list->items) {
    const json ref = c["spec"].value("issuerRef", json::object());
    if (ref.value("group", "") == "certchaos.io" && ref.value("kind", "") == "ChaosIssuer" &&
        ref.value("name", "") == issuer) {
      mine.push_back(std::move(c));
    }
  }
  if (mine.size() > 1) {
    std::string names;
    for (const auto& c : mine) names += " " + c["metadata"].value("name", "");
    return makeError(kUsageError, "--certificate: the issuer " + issuer + " issues " +
                                      std::to_string(mine.size()) + " Certificates in namespace " +
                                      ns + " (" + names.substr(1) +
                                      "); name the one under test with --certificate NAME");
  }
  if (mine.empty()) {
    why = "no Certificate in namespace " + ns + " is issued by ChaosIssuer " + issuer;
    return std::optional<json>();
  }
  return std::optional<json>(std::move(mine.front()));
}

}  // namespace

Result<std::optional<json>> chaosRunFor(const CliContext& cli, const Target& target,
                                        IssuerDeployment& d, const TriggerFlags& flags) {
  auto& f = d.flags;
  if (flags.noRun || !f.scenario || isHealthyScenario(*f.scenario) || f.cluster ||
      d.output.dryRun != DryRun::kNone) {
    return std::optional<json>();
  }
  const auto* info = chaos::findScenario(*f.scenario);
  if (info == nullptr || info->status == chaos::ScenarioStatus::kPlanned) {
    return std::optional<json>();  // deployIssuer says what is wrong with it
  }
  auto timeout = parseGoDuration(flags.timeout);
  if (!timeout || timeout->count() <= 0) {
    return makeError(
        kUsageError,
        "--run-timeout: expected a positive duration such as 10m, found '" + flags.timeout + "'");
  }
  auto& client = *target.client;
  std::string why;
  auto cert = certificateUnderTest(client, f.ns, f.name, flags.certificate, why);
  if (!cert) return cert.error();
  if (!*cert) {
    cli.err() << "note: " << why
              << ", so no ChaosRun was created; deploy one (certchaos deploy certificate ... "
                 "--issuer "
              << f.name << ") and deploy the issuer again, or apply a ChaosRun\n";
    return std::optional<json>();
  }
  const json& certificate = **cert;
  std::int64_t timeScale = 1;
  if (f.timeScale) {
    timeScale = *f.timeScale;
  } else if (auto live = client.get(api::kChaosIssuer, f.ns, f.name)) {
    timeScale = (*live)["spec"].value("timeScale", std::int64_t{1});
  }
  if (!f.seed) f.seed = drawSeed();
  json parameters = json::object();
  for (const auto& s : f.sets) {
    auto kv = parseKeyValue(s, "--set");
    if (!kv) return makeError(kUsageError, kv.error().message);
    parameters[kv->first] = kv->second;
  }
  json spec = {{"scenario", *f.scenario},
               {"seed", *f.seed},
               {"timeScale", timeScale},
               {"issuer", {{"name", f.name}, {"kind", "ChaosIssuer"}}},
               {"certificate", {{"name", certificate["metadata"].value("name", "")}}},
               {"awaitIssuerScenario", true},
               {"start", flags.atRenewalTime ? "RenewalTime" : "Immediately"},
               {"timeout", flags.timeout}};
  if (!parameters.empty()) spec["parameters"] = parameters;
  std::string url = flags.app;
  if (url.empty() && target.local()) {
    const std::string secret = certificate["spec"].value("secretName", "");
    auto app =
        chooseApp(appsServing(*target.plane, f.ns, secret), "", "Secret " + f.ns + "/" + secret);
    if (!app) return app.error();
    if (*app) url = (*app)->url;
  }
  if (!url.empty()) spec["target"] = {{"url", url}};
  json run = {{"apiVersion", api::kChaosRun.apiVersion()},
              {"kind", api::kChaosRun.kind},
              {"metadata",
               {{"generateName", f.name.substr(0, 40) + "-" + info->name + "-"},
                {"namespace", f.ns},
                {"labels", {{"certchaos.io/issuer", f.name.size() <= 63 ? f.name : "long-name"}}}}},
              {"spec", spec}};
  return std::optional<json>(std::move(run));
}

Result<std::string> deployIssuerWithRun(const CliContext& cli, const Target& target,
                                        IssuerDeployment d, const TriggerFlags& flags) {
  auto run = chaosRunFor(cli, target, d, flags);
  if (!run) return run.error();
  json created;
  if (*run) {
    auto made = target.client->create(api::kChaosRun, **run);
    if (!made) {
      return makeError(made.error().code,
                       "creating the ChaosRun for scenario " + *d.flags.scenario + ": " +
                           made.error().message +
                           (kube::isNotFound(made.error())
                                ? "; the ChaosRun CRD is missing: apply deploy/crds (or 'certchaos "
                                  "up' on the local plane), or pass --no-run"
                                : ""));
    }
    created = std::move(*made);
    cli.err() << "created ChaosRun " << d.flags.ns << "/" << created["metadata"].value("name", "")
              << ": it waits until the issuer is Ready with scenario " << *d.flags.scenario
              << " and a certificate it signed is in the Secret, then runs\n";
  }
  auto deployed = deployIssuer(cli, target, d);
  const std::string name = created.is_null() ? "" : created["metadata"].value("name", "");
  if (!deployed) {
    if (!name.empty()) {
      // The trigger did not happen: a run left waiting for it would start on a later deploy.
      (void)target.client->remove(api::kChaosRun, d.flags.ns, name);
    }
    return deployed.error();
  }
  if (!name.empty()) {
    const std::string ns = d.flags.ns;
    cli.err() << "the end scenario is armed: follow it with 'kubectl get chaosrun " << name
              << " -n " << ns << " -w', then 'certchaos report show " << name << "'\n";
  }
  return name;
}

Result<json> waitForRunEnd(const CliContext& cli, kube::Client& client, const std::string& ns,
                           const std::string& name, std::chrono::nanoseconds timeout) {
  WaitSpec wait;
  wait.resource = api::kChaosRun;
  wait.ns = ns;
  wait.name = name;
  wait.what = "ChaosRun " + ns + "/" + name + " to end";
  wait.timeout = timeout;
  wait.evaluate = [](const json* run) {
    if (run == nullptr) return WaitState{WaitState::kFailed, "the ChaosRun was deleted"};
    const json status = run->value("status", json::object());
    const std::string phase = status.is_object() ? status.value("phase", "") : "";
    if (phase == chaosrun::kCompleted || phase == chaosrun::kAborted) {
      return WaitState{WaitState::kDone, phase};
    }
    if (phase.empty()) return WaitState{WaitState::kWaiting, "not picked up by the runner yet"};
    std::string state = phase;
    if (phase == chaosrun::kWaiting) {
      // What it waits for: the first start condition that does not hold.
      for (const auto& c : status.value("conditions", json::array())) {
        if (c.is_object() && c.value("status", "") != "True") {
          state += ": " + c.value("type", "") + " (" + c.value("message", "") + ")";
          break;
        }
      }
    }
    return WaitState{WaitState::kWaiting, state};
  };
  wait.hint = "kubectl describe chaosrun " + name + " -n " + ns +
              " and the runner's log ('certchaos status' names it)";
  return waitFor(client, wait, cli.err(), isTerminal(2));
}

int exitCodeOfRun(const json& run) {
  const json status = run.value("status", json::object());
  if (!status.is_object() || status.value("phase", "") == chaosrun::kAborted) {
    return scenario::exitCodeFor(report::VerdictResult::kAborted);
  }
  const std::string verdict = status.value("verdict", "");
  for (auto v : {report::VerdictResult::kPassed, report::VerdictResult::kFailed,
                 report::VerdictResult::kInconclusive}) {
    if (verdict == report::toString(v)) return scenario::exitCodeFor(v);
  }
  return kExitError;
}

}  // namespace certchaos::cli
