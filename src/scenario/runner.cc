#include "certchaos/scenario/runner.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "certchaos/chaos/catalog.h"
#include "certchaos/common/duration.h"
#include "certchaos/common/time.h"
#include "certchaos/issuer/conditions.h"
#include "certchaos/issuer/issuer_reconciler.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/errors.h"
#include "certchaos/kube/informer.h"
#include "certchaos/report/json_schema.h"
#include "certchaos/report/redaction.h"
#include "certchaos/report/renderer.h"
#include "certchaos/report/report_json.h"
#include "certchaos/scenario/renew.h"
#include "certchaos/scenario/runner_pid.h"
#include "certchaos/scenario/tls_probe.h"
#include "prediction.h"
#include "timeline.h"

namespace certchaos::scenario {
namespace {

namespace fs = std::filesystem;
namespace res = kube::resources;
using nlohmann::json;
using report::Source;
namespace kinds = report::kinds;
using SystemTime = std::chrono::system_clock::time_point;

constexpr const char* kRunnerFieldManager = "certchaos-runner";
constexpr auto kIssuerReadyTimeout = std::chrono::seconds(60);

void say(const RunOptions& o, const std::string& line) {
  if (o.progress != nullptr) *o.progress << line << std::endl;
}

std::string runId(SystemTime now, const std::string& scenarioName) {
  std::string t = formatRfc3339(now);
  std::string id;
  for (char c : t) {
    if (std::isalnum(static_cast<unsigned char>(c))) id += c;
  }
  return id + "-" + scenarioName + "-" + std::to_string(getpid() % 10000);
}

report::CertificateInfo infoOf(const pki::Certificate& c) {
  report::CertificateInfo i;
  i.serial = c.serialHex();
  i.notBefore = c.notBefore();
  i.notAfter = c.notAfter();
  i.issuer = "CN=" + c.issuerCommonName();
  i.subject = c.subjectCommonName().empty() ? "" : "CN=" + c.subjectCommonName();
  i.dnsNames = c.dnsNames();
  i.ipAddresses = c.ipAddresses();
  return i;
}

// A string field, "" when absent or null (Events carry explicit nulls).
std::string str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string condition(const json& o, const std::string& type, const char* field) {
  const auto* c = issuer::findCondition(o, type);
  return c == nullptr ? "" : c->value(field, "");
}

// The leaf and CA of a cert-manager Secret, if it holds a certificate.
struct SecretCertificate {
  std::optional<pki::Certificate> leaf;
  std::string caPem;
};

SecretCertificate readSecret(const json& secret) {
  SecretCertificate out;
  const auto data = secret.value("data", json::object());
  if (data.contains("tls.crt")) {
    if (auto pem = kube::base64Decode(data["tls.crt"].get<std::string>())) {
      if (auto chain = pki::Certificate::chainFromPem(*pem)) out.leaf = chain->front();
    }
  }
  if (data.contains("ca.crt")) {
    if (auto pem = kube::base64Decode(data["ca.crt"].get<std::string>())) out.caPem = *pem;
  }
  return out;
}

// Watches one object (by name) and calls `onChange` with each version.
std::unique_ptr<kube::Informer> watchOne(const std::shared_ptr<kube::Client>& client,
                                         const kube::ResourceRef& resource, const std::string& ns,
                                         const std::string& name,
                                         std::function<void(const json&)> onChange) {
  kube::ReflectorOptions options;
  options.fieldSelector = "metadata.name=" + name;
  auto informer = std::make_unique<kube::Informer>(client, resource, ns, options);
  informer->addHandlers(
      {[onChange](const kube::ObjectPtr& o) { onChange(*o); },
       [onChange](const kube::ObjectPtr&, const kube::ObjectPtr& o) { onChange(*o); }, nullptr});
  return informer;
}

// What the run has seen so far, shared between the informer handlers, the probe loop and the
// main loop.
struct RunState {
  std::mutex mu;
  std::set<std::string> baselineRequests;  // CertificateRequests that existed before renewal
  std::set<std::string> requests;          // created during the run
  std::set<std::string> heldRequests, signedRequests, failedRequests;
  std::set<std::string> seenEvents;
  std::string certificateReady;  // the Certificate's last Ready status/reason
  bool eventsSynced = false;     // Events seen before this are from before the run
  std::string secretSerial;
  std::optional<pki::Certificate> secretLeaf;
  std::string servedSerial;
  std::optional<SystemTime> servedNotAfter;
  bool probing = false;
  bool lastProbeOk = true;
  int probeFailures = 0;
  std::optional<SystemTime> firstFailure;
  std::optional<SystemTime> recoveredAt;
  std::optional<SystemTime> renewalForcedAt;
  std::optional<SystemTime> staleSince;  // the Secret holds a newer serial than the app serves
  bool expiredNoted = false;
  bool renewedServed = false;
  std::optional<pki::Certificate> servedCert;
};

std::string issuerDescription(const RunOptions& o) {
  return o.issuerKind + " " + (o.issuer.ns.empty() ? "" : o.issuer.ns + "/") + o.issuer.name;
}

const kube::ResourceRef& issuerResource(const RunOptions& o) {
  return o.issuerKind == issuer::kClusterIssuerKind ? issuer::resources::kChaosClusterIssuer
                                                    : issuer::resources::kChaosIssuer;
}

// Waits (watching) until the issuer is Ready at its current generation; returns it.
Result<json> waitIssuerReady(const std::shared_ptr<kube::Client>& client, const RunOptions& o,
                             std::stop_token abort) {
  std::mutex mu;
  std::condition_variable cv;
  json ready;
  std::string last;
  auto informer =
      watchOne(client, issuerResource(o), o.issuer.ns, o.issuer.name, [&](const json& issuer) {
        const auto* c = issuer::findCondition(issuer, "Ready");
        std::lock_guard lock(mu);
        if (c != nullptr) last = c->value("message", "");
        if (c != nullptr && c->value("status", "") == "True" &&
            c->value("observedGeneration", std::int64_t{-1}) ==
                issuer["metadata"].value("generation", std::int64_t{0})) {
          ready = issuer;
          cv.notify_all();
        }
      });
  informer->start();
  std::unique_lock lock(mu);
  auto deadline = std::chrono::steady_clock::now() + kIssuerReadyTimeout;
  while (ready.is_null() && !abort.stop_requested() &&
         std::chrono::steady_clock::now() < deadline) {
    cv.wait_for(lock, std::chrono::milliseconds(200));
  }
  if (ready.is_null()) {
    return makeError("IssuerNotReady", issuerDescription(o) +
                                           " did not become Ready at its current generation "
                                           "within 60 s (last: " +
                                           (last.empty() ? "no status yet" : last) + ")");
  }
  return ready;
}

// Copies a log file into the run's directory, secrets removed.
std::string collectLog(const std::string& source, const std::string& path, const std::string& dir,
                       const report::Redactor& redactor) {
  std::ifstream in(path);
  if (!in) return "";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::size_t kMaxLog = 8 << 20;  // keep the last 8 MiB
  if (text.size() > kMaxLog) text = text.substr(text.size() - kMaxLog);
  fs::create_directories(dir + "/logs");
  std::string out = dir + "/logs/" + source + ".log";
  std::ofstream(out) << redactor.redact(text);
  return out;
}

std::vector<report::ChainLink> buildChain(const std::vector<report::TimelineEntry>& timeline,
                                          const std::string& renewedSerial) {
  struct StepKind {
    std::string_view step;
    std::string_view kind;
  };
  const StepKind order[] = {{report::steps::kFaultInjected, kinds::kFaultInjected},
                            {report::steps::kRequestHeld, kinds::kRequestHeld},
                            {report::steps::kCertificateExpired, kinds::kCertificateExpired},
                            {report::steps::kProbeFailed, kinds::kProbeFailed},
                            {report::steps::kRequestSigned, kinds::kRequestSigned},
                            {report::steps::kRenewedServed, kinds::kCertificateServed},
                            {report::steps::kRecovered, kinds::kRecovered}};
  std::vector<report::ChainLink> chain;
  for (const auto& [step, kind] : order) {
    for (const auto& e : timeline) {
      if (e.kind != kind) continue;
      if (kind == kinds::kCertificateServed &&
          (renewedSerial.empty() || e.message.find(renewedSerial) == std::string::npos)) {
        continue;
      }
      report::ChainLink link;
      link.step = std::string(step);
      link.at = e.wallTime;
      link.message = e.message;
      chain.push_back(link);
      break;
    }
  }
  return chain;  // report::finalizeTimes orders it and fills the durations
}

}  // namespace

int exitCodeFor(report::VerdictResult verdict) {
  switch (verdict) {
    case report::VerdictResult::kPassed:
      return 0;
    case report::VerdictResult::kFailed:
      return 10;
    case report::VerdictResult::kInconclusive:
      return 11;
    case report::VerdictResult::kAborted:
      return 12;
  }
  return 1;
}

json healthyChaosPatch() {
  return {{"spec", {{"scenario", nullptr}, {"parameters", nullptr}, {"faults", nullptr}}}};
}

Result<RunResult> runScenario(std::shared_ptr<kube::Client> client, const RunOptions& o,
                              std::stop_token abort) {
  const auto* scenario = chaos::findScenario(o.scenario);
  if (scenario == nullptr) {
    return makeError("UnknownScenario",
                     "expected a scenario number or name from 'certchaos "
                     "scenarios', found '" +
                         o.scenario + "'");
  }
  if (scenario->status == chaos::ScenarioStatus::kPlanned) {
    return makeError("NotImplemented", "scenario " + std::to_string(scenario->number) + " (" +
                                           scenario->name +
                                           ") is in the catalog but not "
                                           "implemented yet");
  }
  if (o.timeScale < 1) {
    return makeError("BadInput",
                     "expected --time-scale >= 1, found " + std::to_string(o.timeScale));
  }
  Clock& clock = client->clock();
  const auto startedAt = clock.now();

  RunResult result;
  report::Report& r = result.report;
  r.run.id = runId(startedAt, scenario->name);
  r.run.scenario.number = scenario->number;
  r.run.scenario.name = scenario->name;
  r.run.scenario.parameters = o.parameters;
  r.run.scenario.seed = o.seed.value_or(0);
  r.run.timeScale = o.timeScale;
  r.run.cluster = o.cluster;
  r.run.versions = {{"certchaos", "0.1.0"}, {"cert-manager", "v1.21.1"}};
  r.run.startedAt = startedAt;
  r.verdict.hypothesis = scenario->hypothesis;
  result.dir = o.runsDir + "/" + r.run.id;
  std::error_code dirError;
  fs::create_directories(result.dir, dirError);
  if (dirError) {
    return makeError("BadInput", "expected to create the run's directory " + result.dir +
                                     ", found an error (" + dirError.message() +
                                     "); point --runs-dir at a writable directory");
  }
  // Removed on every way out of the run, a failed start check included.
  const RunnerPidFile pidFile(result.dir);

  Timeline timeline;
  RunState st;
  auto nominal = [&](std::chrono::nanoseconds wall) {
    return formatGoDuration(std::chrono::duration_cast<std::chrono::seconds>(wall * o.timeScale));
  };
  timeline.add(Source::kRunner, kinds::kRunStarted,
               "run " + r.run.id + ": scenario " + std::to_string(scenario->number) + " (" +
                   scenario->name + "), time scale " +
                   std::to_string(static_cast<int>(o.timeScale)));
  say(o, "run " + r.run.id + ": scenario " + std::to_string(scenario->number) + " (" +
             scenario->name + ")");

  // 1. Start conditions: a signed certificate in the Secret.
  const std::string certObject = "Certificate " + o.certificate.ns + "/" + o.certificate.name;
  auto cert = client->get(res::kCertificate, o.certificate.ns, o.certificate.name);
  if (!cert) return makeError(cert.error().code, certObject + ": " + cert.error().message);
  const std::string secretName = (*cert)["spec"].value("secretName", "");
  auto secret = client->get(res::kSecret, o.certificate.ns, secretName);
  SecretCertificate base = secret ? readSecret(*secret) : SecretCertificate{};
  if (!base.leaf) {
    return makeError("NotReady", "expected a signed certificate in Secret " + o.certificate.ns +
                                     "/" + secretName + " (from " + certObject +
                                     "), found none; wait until the Certificate is Ready");
  }
  r.certificates.before = infoOf(*base.leaf);
  report::Redactor redactor;
  if (secret) {
    const auto data = (*secret).value("data", json::object());
    if (data.contains("tls.key")) {
      if (auto key = kube::base64Decode(data["tls.key"].get<std::string>())) {
        (void)redactor.addSecret(*key);
      }
    }
  }
  st.secretSerial = base.leaf->serialHex();
  st.secretLeaf = base.leaf;

  std::optional<ProbeTarget> probeTarget;
  if (!o.appUrl.empty()) {
    auto target = parseProbeUrl(o.appUrl);
    if (!target) return target.error();
    target->serverName = !o.appServerName.empty()         ? o.appServerName
                         : !base.leaf->dnsNames().empty() ? base.leaf->dnsNames().front()
                                                          : target->host;
    target->trustedCaPem = base.caPem;
    probeTarget = *target;
  }

  // 2. Deploy the scenario (unless the issuer already has it) and wait until the issuer runs it.
  auto issuerObject = client->get(issuerResource(o), o.issuer.ns, o.issuer.name);
  if (!issuerObject) {
    return makeError(issuerObject.error().code, issuerDescription(o) + ": " +
                                                    issuerObject.error().message +
                                                    "; create it with 'certchaos deploy issuer'");
  }
  // An issuer-side scenario goes on the issuer; a runner-side one (renewal-not-loaded...) runs
  // around a healthy issuer.
  const bool onIssuer = scenario->status == chaos::ScenarioStatus::kImplemented;
  json spec = {
      {"scenario", onIssuer ? json(scenario->name) : json(nullptr)},
      {"parameters", onIssuer && !o.parameters.empty() ? json(o.parameters) : json(nullptr)},
      {"timeScale", static_cast<std::int64_t>(o.timeScale)}};
  if (onIssuer && o.seed) spec["seed"] = *o.seed;
  json current = (*issuerObject).value("spec", json::object());
  const std::string currentScenario = current.value("scenario", "");
  bool deployed = onIssuer ? (currentScenario == scenario->name ||
                              currentScenario == std::to_string(scenario->number))
                           : currentScenario.empty() && !current.contains("faults");
  deployed = deployed && current.value("parameters", json::object()) ==
                             (spec["parameters"].is_null() ? json::object() : spec["parameters"]);
  deployed = deployed && current.value("timeScale", std::int64_t{1}) == spec["timeScale"];
  if (!deployed) {
    auto patched =
        client->patch(issuerResource(o), o.issuer.ns, o.issuer.name, kube::PatchType::kMerge,
                      {{"spec", spec}}, {.fieldManager = kRunnerFieldManager});
    if (!patched) return patched.error();
  }
  timeline.add(Source::kRunner, kinds::kScenarioDeployed,
               std::string(!onIssuer  ? "runner-side scenario around the healthy "
                           : deployed ? "scenario already on "
                                      : "deployed scenario on ") +
                   issuerDescription(o) + (onIssuer ? ": " + spec.dump() : ""),
               issuerDescription(o));
  auto rollback = [&]() -> Result<void> {
    if (o.keep) return {};
    auto patched =
        client->patch(issuerResource(o), o.issuer.ns, o.issuer.name, kube::PatchType::kMerge,
                      healthyChaosPatch(), {.fieldManager = kRunnerFieldManager});
    if (!patched) return patched.error();
    auto ready = waitIssuerReady(client, o, {});
    if (!ready) return ready.error();
    timeline.add(
        Source::kRunner, kinds::kRolledBack,
        issuerDescription(o) + " reverted to healthy: " + condition(*ready, "Ready", "message"),
        issuerDescription(o));
    return {};
  };
  auto ready = waitIssuerReady(client, o, abort);
  if (!ready) {
    (void)rollback();
    return ready.error();
  }
  say(o, issuerDescription(o) + " is Ready with " + (*ready)["status"].value("faults", ""));

  // 3. Observe: the Certificate, its requests, the Secret, the Events of the namespace.
  const std::string ns = o.certificate.ns;
  auto certInformer =
      watchOne(client, res::kCertificate, ns, o.certificate.name, [&](const json& c) {
        std::string ready = condition(c, "Ready", "status") + "/" + condition(c, "Ready", "reason");
        std::lock_guard lock(st.mu);
        if (ready == st.certificateReady) return;
        st.certificateReady = ready;
        timeline.add(Source::kCertManager, "CertificateReady",
                     "Ready=" + ready + ": " + condition(c, "Ready", "message"), certObject);
      });
  auto secretInformer = watchOne(client, res::kSecret, ns, secretName, [&](const json& s) {
    auto sc = readSecret(s);
    if (!sc.leaf) return;
    std::lock_guard lock(st.mu);
    if (sc.leaf->serialHex() == st.secretSerial) return;
    st.secretSerial = sc.leaf->serialHex();
    st.secretLeaf = sc.leaf;
    timeline.add(Source::kCertManager, kinds::kSecretUpdated,
                 "Secret holds serial " + st.secretSerial + " (notAfter " +
                     formatRfc3339(sc.leaf->notAfter()) + ")",
                 "Secret " + ns + "/" + secretName);
  });
  kube::Informer requestInformer(client, res::kCertificateRequest, ns);
  auto onRequest = [&](const json& cr) {
    const auto annotations = cr["metadata"].value("annotations", json::object());
    if (annotations.value("cert-manager.io/certificate-name", "") != o.certificate.name) return;
    const std::string name = cr["metadata"].value("name", "");
    const std::string key = name + "/" + cr["metadata"].value("uid", "");
    const std::string object = "CertificateRequest " + ns + "/" + name;
    std::lock_guard lock(st.mu);
    if (!st.renewalForcedAt) {
      st.baselineRequests.insert(key);
      return;
    }
    if (st.baselineRequests.count(key) != 0) return;
    if (st.requests.insert(key).second) {
      timeline.add(Source::kCertManager, kinds::kRequestCreated, "created " + name, object);
    }
    const std::string reason = condition(cr, "Ready", "reason");
    const std::string message = condition(cr, "Ready", "message");
    if (reason == "Pending" && message.rfind("[chaos hold]", 0) == 0 &&
        st.heldRequests.insert(key).second) {
      timeline.add(Source::kIssuer, kinds::kRequestHeld, message, object);
    } else if (reason == "Issued" && st.signedRequests.insert(key).second) {
      timeline.add(Source::kIssuer, kinds::kRequestSigned, message, object);
    } else if ((reason == "Failed" || reason == "Denied") && st.failedRequests.insert(key).second) {
      timeline.add(Source::kIssuer, "RequestFailed", reason + ": " + message, object);
    }
  };
  requestInformer.addHandlers(
      {[&](const kube::ObjectPtr& c) { onRequest(*c); },
       [&](const kube::ObjectPtr&, const kube::ObjectPtr& c) { onRequest(*c); }, nullptr});
  kube::Informer eventInformer(client, res::kEvent, ns);
  // Events already there when the watch starts are the past; later ones are stamped when seen
  // (an Event's own timestamps have one-second precision).
  auto onEvent = [&](const json& e) {
    const std::string uid = str(e["metadata"], "uid");
    const std::string key =
        uid + "/" + std::to_string(e["count"].is_number() ? e["count"].get<int>() : 1);
    {
      std::lock_guard lock(st.mu);
      if (!st.seenEvents.insert(key).second || !st.eventsSynced) return;
    }
    const auto at = std::optional<SystemTime>(clock.now());
    const auto involved = e.value("involvedObject", json::object());
    const std::string object = str(involved, "kind") + " " + ns + "/" + str(involved, "name");
    const std::string reason = str(e, "reason");
    const std::string component = e.contains("source") ? str(e["source"], "component") : "";
    const std::string message = reason + ": " + str(e, "message");
    if (component == "certchaos-issuer" && reason.rfind("Chaos", 0) == 0) {
      timeline.add(Source::kIssuer, kinds::kFaultInjected, message, object, *at);
      std::lock_guard lock(st.mu);
      r.proofOfInjection.push_back({scenario->name, report::EvidenceSource::kIssuerEvent,
                                    "Event " + message + " on " + object, *at});
    } else {
      timeline.add(Source::kKubernetesEvent, "Event", message, object, *at);
    }
  };
  eventInformer.addHandlers({[&](const kube::ObjectPtr& e) { onEvent(*e); },
                             [&](const kube::ObjectPtr&, const kube::ObjectPtr& e) { onEvent(*e); },
                             nullptr});
  for (auto* i : {certInformer.get(), secretInformer.get(), &requestInformer, &eventInformer}) {
    i->start();
    i->waitForSync(std::chrono::seconds(30));
  }
  {
    std::lock_guard lock(st.mu);
    st.eventsSynced = true;
  }

  // 4. Probe the application at a steady cadence (state changes go to the timeline).
  std::stop_source probeStop;
  std::jthread prober;
  auto probeOnce = [&] {
    auto p = probeTls(*probeTarget, std::chrono::seconds(2));
    const auto now = clock.now();
    std::lock_guard lock(st.mu);
    std::string serial = p.served ? p.served->serialHex() : "";
    if (!serial.empty() && serial != st.servedSerial) {
      if (!st.servedSerial.empty()) {
        timeline.add(Source::kApplication, kinds::kCertificateServed,
                     "the application now serves serial " + serial + " (notAfter " +
                         formatRfc3339(p.served->notAfter()) + ")",
                     o.appUrl, now);
        if (serial == st.secretSerial) st.renewedServed = true;
      }
      st.servedSerial = serial;
      st.servedNotAfter = p.served->notAfter();
      st.servedCert = p.served;
      if (!r.certificates.before || r.certificates.before->serial != serial) {
        if (!st.renewalForcedAt) r.certificates.before = infoOf(*p.served);
      }
    }
    if (st.servedNotAfter && now >= *st.servedNotAfter && !st.expiredNoted) {
      st.expiredNoted = true;
      timeline.add(Source::kRunner, kinds::kCertificateExpired,
                   "the served certificate " + st.servedSerial + " expired at " +
                       formatRfc3339(*st.servedNotAfter),
                   o.appUrl, *st.servedNotAfter);
    }
    if (!p.ok && st.lastProbeOk) {
      ++st.probeFailures;
      if (!st.firstFailure) st.firstFailure = now;
      timeline.add(
          Source::kProbe, kinds::kProbeFailed,
          "TLS probe failed: " + p.error + (serial.empty() ? "" : " (serial " + serial + ")"),
          o.appUrl, now);
    } else if (!p.ok) {
      ++st.probeFailures;
    } else if (p.ok && !st.lastProbeOk) {
      timeline.add(Source::kProbe, kinds::kProbeSucceeded,
                   "TLS probe succeeded again (serial " + serial + ")", o.appUrl, now);
      if (st.firstFailure && !st.recoveredAt) {
        st.recoveredAt = now;
        timeline.add(
            Source::kRunner, kinds::kRecovered,
            "recovered: the application serves a valid certificate again (serial " + serial + ")",
            o.appUrl, now);
      }
    }
    st.lastProbeOk = p.ok;
    if (st.secretSerial != st.servedSerial && !serial.empty()) {
      if (!st.staleSince) st.staleSince = now;
    } else {
      st.staleSince.reset();
    }
    timeline.wake();
  };
  if (probeTarget) {
    probeOnce();
    {
      std::lock_guard lock(st.mu);
      if (!st.lastProbeOk) {
        timeline.add(Source::kRunner, "PreconditionFailed",
                     "the application did not serve a valid certificate before the fault",
                     o.appUrl);
      } else {
        timeline.add(Source::kProbe, kinds::kProbeSucceeded,
                     "base certificate served and valid (serial " + st.servedSerial + ")",
                     o.appUrl);
      }
    }
    prober = std::jthread([&, stop = probeStop.get_token()] {
      while (!stop.stop_requested()) {
        probeOnce();
        clock.sleepFor(o.probeInterval);
      }
    });
  }

  // 5. Force renewal, as cmctl renew does (at the Certificate's renewal time if asked).
  if (o.atRenewalTime) {
    // One second before cert-manager's own trigger, so that the forced renewal is the one that
    // starts the issuance (renewalTime has one-second precision).
    auto latest = client->get(res::kCertificate, o.certificate.ns, o.certificate.name);
    auto due = latest ? parseRfc3339(str((*latest).value("status", json::object()), "renewalTime"))
                      : Result<SystemTime>(makeError("NotFound", ""));
    if (due && *due - std::chrono::seconds(1) > clock.now()) {
      const auto at = *due - std::chrono::seconds(1);
      timeline.add(Source::kRunner, "WaitingForRenewalTime",
                   "waiting for the Certificate's renewal time " + formatRfc3339(*due), certObject);
      say(o, "waiting for the renewal time of " + certObject + " (" + formatRfc3339(*due) + ")");
      while (clock.now() < at && !abort.stop_requested()) {
        clock.sleepFor(
            std::min<std::chrono::nanoseconds>(std::chrono::milliseconds(200), at - clock.now()));
      }
    }
  }
  {
    std::lock_guard lock(st.mu);
    st.renewalForcedAt = clock.now();
  }
  if (auto renewed = forceRenewal(*client, o.certificate.ns, o.certificate.name, clock); !renewed) {
    probeStop.request_stop();
    (void)rollback();
    return renewed.error();
  }
  timeline.add(Source::kRunner, kinds::kRenewalForced,
               "renewal forced (Issuing=True, reason ManuallyTriggered)", certObject);
  say(o, "renewal of " + certObject + " forced; observing");

  // 6. Observe until a verdict with recovery, the timeout, the circuit breaker or an abort.
  const auto deadline = std::chrono::steady_clock::now() + o.timeout;
  std::size_t seen = 0;
  bool aborted = false, breaker = false, timedOut = false;
  std::string stopReason;
  for (;;) {
    seen = timeline.waitForNews(seen, std::chrono::milliseconds(250));
    if (abort.stop_requested()) {
      aborted = true;
      break;
    }
    std::lock_guard lock(st.mu);
    if (static_cast<int>(st.requests.size()) > o.maxRequests) {
      breaker = true;
      break;
    }
    const bool failed = st.firstFailure.has_value() || (st.expiredNoted && !probeTarget);
    const bool renewed = !st.signedRequests.empty() &&
                         (!probeTarget || (st.servedSerial == st.secretSerial && st.renewedServed));
    if (!failed && renewed) {
      stopReason = "renewed without harm";
      break;
    }
    if (failed && st.recoveredAt && renewed) {
      stopReason = "failed, then recovered";
      break;
    }
    // An application that does not reload will not recover by itself.
    if (failed && st.staleSince && !st.signedRequests.empty() &&
        clock.now() - *st.staleSince > 10 * o.probeInterval + std::chrono::seconds(2)) {
      stopReason = "failed; the application keeps serving a certificate older than the Secret's";
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      timedOut = true;
      break;
    }
  }
  probeStop.request_stop();
  if (prober.joinable()) prober.join();
  const auto endedAt = clock.now();
  if (aborted) timeline.add(Source::kRunner, kinds::kAborted, "the run was aborted");
  if (breaker) {
    timeline.add(Source::kRunner, kinds::kCircuitBreakerTripped,
                 "more than " + std::to_string(o.maxRequests) +
                     " CertificateRequests during the run: stopped to protect the cluster");
  }
  if (timedOut) {
    timeline.add(Source::kRunner, "TimedOut",
                 "no verdict within " + formatGoDuration(o.timeout) + " (" + nominal(o.timeout) +
                     " nominal)");
  }
  for (auto* i : {&eventInformer, &requestInformer, secretInformer.get(), certInformer.get()}) {
    i->stop();
  }

  // 7. Roll back, collect, judge, write.
  if (auto rolled = rollback(); !rolled) {
    timeline.add(Source::kRunner, "RollbackFailed", rolled.error().message, issuerDescription(o));
  }
  for (const auto& [source, path] : o.logFiles) {
    auto out = collectLog(source, path, result.dir, redactor);
    if (!out.empty()) r.artifacts.logs.push_back(out);
  }

  std::lock_guard lock(st.mu);
  r.run.endedAt = endedAt;
  r.certificateRequestCount = static_cast<int>(st.requests.size());
  r.circuitBreakerTripped = breaker;
  if (st.servedCert) {
    r.certificates.after = infoOf(*st.servedCert);
  } else if (st.secretLeaf) {
    r.certificates.after = infoOf(*st.secretLeaf);
  }
  auto entries = timeline.snapshot();
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.wallTime < b.wallTime; });
  r.timeline = entries;
  r.chain = buildChain(entries, st.renewedServed ? st.servedSerial : "");
  auto injected = timeline.first(kinds::kFaultInjected);
  if (st.firstFailure) {
    r.timeToFailure = *st.firstFailure - (injected ? injected->wallTime : *st.renewalForcedAt);
  }
  if (st.firstFailure && st.recoveredAt) r.timeToRecovery = *st.recoveredAt - *st.firstFailure;

  const bool failed = st.firstFailure.has_value() || (st.expiredNoted && !probeTarget);
  if (aborted) {
    r.verdict.result = report::VerdictResult::kAborted;
    r.verdict.summary = "The run was aborted before a verdict; the issuer was rolled back.";
  } else if (breaker) {
    r.verdict.result = report::VerdictResult::kFailed;
    r.verdict.failingStep = "circuit-breaker";
    r.verdict.summary = "cert-manager created more than " + std::to_string(o.maxRequests) +
                        " CertificateRequests: a re-issue loop.";
  } else if (failed) {
    r.verdict.result = report::VerdictResult::kFailed;
    r.verdict.failingStep = std::string(report::steps::kProbeFailed);
    std::string first;
    for (const auto& e : entries) {
      if (e.kind == kinds::kProbeFailed) {
        first = e.message;
        break;
      }
    }
    r.verdict.summary = "The application stopped serving a valid certificate (" + first + ")";
    if (st.secretSerial != st.servedSerial) {
      r.verdict.summary += "; it serves serial " + st.servedSerial +
                           " while the Secret holds serial " + st.secretSerial;
    }
    r.verdict.summary +=
        st.recoveredAt ? "; it recovered after " +
                             formatGoDuration(std::chrono::duration_cast<std::chrono::seconds>(
                                 *r.timeToRecovery)) +
                             " (" + nominal(*r.timeToRecovery) + " nominal)."
                       : "; it had not recovered when the run ended.";
  } else if (!stopReason.empty()) {
    r.verdict.result = report::VerdictResult::kPassed;
    r.verdict.summary = "The certificate was renewed and served without a failed probe.";
  } else {
    r.verdict.result = report::VerdictResult::kInconclusive;
    r.verdict.summary = "No failure and no completed renewal within the timeout.";
  }
  if (r.proofOfInjection.empty() && scenario->injectedBy.find("issuer") != std::string::npos &&
      r.verdict.result == report::VerdictResult::kPassed) {
    r.verdict.result = report::VerdictResult::kInconclusive;
    r.verdict.summary += " But no issuer event proves the fault was injected.";
  }
  r.prediction = predict(*scenario, o.parameters, *cert, o.timeScale);
  report::finalizeTimes(r);
  redactor.redact(r);
  if (auto valid = report::validateReportJson(report::toJson(r)); !valid) {
    say(o, "warning: report.json does not match its schema: " + valid.error().message);
  }

  for (const auto& format : report::rendererFormats()) {
    auto renderer = report::makeRenderer(format);
    if (!renderer) continue;
    std::ofstream(result.dir + "/report." + std::string((*renderer)->fileExtension()))
        << (*renderer)->render(r);
  }
  return result;
}

}  // namespace certchaos::scenario
