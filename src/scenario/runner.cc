#include "certchaos/scenario/runner.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/chaos/catalog.h"
#include "certchaos/common/duration.h"
#include "certchaos/common/time.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/errors.h"
#include "certchaos/kube/informer.h"
#include "certchaos/report/json_schema.h"
#include "certchaos/report/redaction.h"
#include "certchaos/report/renderer.h"
#include "certchaos/report/report_json.h"
#include "certchaos/scenario/checks.h"
#include "certchaos/scenario/renew.h"
#include "certchaos/scenario/runner_pid.h"
#include "certchaos/scenario/tls_probe.h"
#include "client_trust.h"
#include "prediction.h"
#include "renewal_storm.h"
#include "root_rotation.h"
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
// On the Certificate during a skip-approval run; cert-manager copies it onto the requests, where
// the local plane's approval policy (deploy/localplane/approval-hold.yaml) keeps them unapproved.
constexpr const char* kHoldApprovalAnnotation = "certchaos.io/hold-approval";
constexpr auto kIssuerReadyTimeout = std::chrono::seconds(60);

kube::PatchOptions runnerPatch() {
  kube::PatchOptions options;
  options.fieldManager = kRunnerFieldManager;
  return options;
}

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
  const auto* c = api::findCondition(o, type);
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
  std::set<std::string> toDeny, deniedByRunner;  // skip-approval, mode=denied
  std::set<std::string> seenEvents;
  std::string certificateReady;  // the Certificate's last Ready status/reason
  // The Certificate's Ready=False, not yet a signal: while cert-manager stores a renewed
  // certificate, its readiness check can see the new Secret before the new request
  // (SecretMismatch) and say Ready=False for a moment. Only a Ready=False that lasts counts.
  std::optional<SignalObservation> notReady;
  bool eventsSynced = false;  // Events seen before this are from before the run
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
  // For telling cert-manager's scheduled renewals from retries: when the Secret got a certificate
  // during the run, and the Certificate's status.renewalTime with the status.notAfter it belongs
  // to.
  std::optional<SystemTime> secretStoredAt;
  std::optional<SystemTime> statusRenewalTime, statusNotAfter;
  int countedRequests = 0;   // created during the run, scheduled renewals left out
  bool issuingSeen = false;  // the Certificate said Issuing=True after the renewal was forced
  bool expiredNoted = false;
  bool renewedServed = false;
  std::optional<pki::Certificate> servedCert;
  // root-rotation: the Secret's ca.crt, and each client trust probed besides the base's (label,
  // CA bundle), in the order the Secret held them.
  std::string secretCaPem;
  std::vector<std::pair<std::string, std::string>> laterTrusts;
  std::optional<SystemTime> revokedSeenAt;  // revoked: the first probe that found it in the CRL
};

// How long the Certificate's Ready=False must last to be a signal (wall).
constexpr auto kReadyBlip = std::chrono::seconds(1);

// A Ready=False that lasted kReadyBlip (or was still there when the run ended) becomes a signal,
// at the time it began. Called with st.mu held.
void promoteLastingNotReady(RunState& st, Evidence& ev, bool ended) {
  if (!st.notReady || (!ended && ev.now - st.notReady->at < kReadyBlip)) return;
  ev.signals.push_back(std::move(*st.notReady));
  st.notReady.reset();
}

// A request created at `now` is cert-manager's scheduled renewal, not a retry, when the Secret
// holds a certificate stored during the run whose renewal time (status.renewalTime, read with the
// status.notAfter of that same certificate) came after it was stored and has now passed: the
// certificate lived its normal cycle. One stored with its renewal time already past (backdated)
// re-issues at once, and that request counts. Called with st.mu held.
bool scheduledRenewal(const RunState& st, SystemTime now) {
  if (!st.secretStoredAt || !st.secretLeaf || !st.statusRenewalTime || !st.statusNotAfter) {
    return false;
  }
  const auto statusFor = st.secretLeaf->notAfter() - *st.statusNotAfter;  // RFC 3339 seconds
  if (statusFor >= std::chrono::seconds(1) || statusFor <= -std::chrono::seconds(1)) return false;
  return *st.statusRenewalTime > *st.secretStoredAt && now >= *st.statusRenewalTime;
}

// cert-manager's own refusal of the run's issuance: Issuing=False after the Issuing=True of the
// forced renewal (an Issuing=False left from before the run is not this run's; it also follows a
// failed request, which concludes the renewal already). Called with st.mu held.
void noteIssuanceFailure(RunState& st, Evidence& ev, Timeline& timeline, const json& certificate,
                         SystemTime now, const std::string& certObject) {
  const std::string issuing = condition(certificate, "Issuing", "status");
  if (!st.renewalForcedAt || ev.issuanceFailedAt) return;
  if (issuing == "True") st.issuingSeen = true;
  if (!st.issuingSeen || issuing != "False") return;
  ev.issuanceFailedAt = now;
  timeline.add(Source::kCertManager, "IssuanceFailed",
               "Issuing=False/" + condition(certificate, "Issuing", "reason") + ": " +
                   condition(certificate, "Issuing", "message"),
               certObject, now);
}

std::string issuerDescription(const RunOptions& o) {
  return o.issuerKind + " " + (o.issuer.ns.empty() ? "" : o.issuer.ns + "/") + o.issuer.name;
}

const kube::ResourceRef& issuerResource(const RunOptions& o) {
  return o.issuerKind == api::kClusterIssuerKind ? api::kChaosClusterIssuer : api::kChaosIssuer;
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
        const auto* c = api::findCondition(issuer, "Ready");
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

report::CertManagerBackoff productionBackoff(std::string why) {
  return {false, std::chrono::hours(1), std::chrono::hours(32), std::move(why)};
}

json healthyChaosPatch() {
  return {{"spec", {{"scenario", nullptr}, {"parameters", nullptr}, {"faults", nullptr}}}};
}

namespace {

// The common name of the issuer's CA, read from the Secret its status names (status.caSecret,
// "namespace/name"), else from spec.ca.secretName; "" when it cannot be read: then certificates
// from another issuer cannot be told apart.
std::string ownIssuerCommonName(kube::Client& client, const RunOptions& o, const json& issuer) {
  const json spec = issuer.value("spec", json::object());
  const json status = issuer.value("status", json::object());
  std::string ns = o.issuer.ns.empty() ? "certchaos-system" : o.issuer.ns;
  std::string secretName = spec.contains("ca") ? spec["ca"].value("secretName", "") : "";
  const std::string named = status.is_object() ? status.value("caSecret", "") : "";
  if (const auto slash = named.find('/'); slash != std::string::npos) {
    ns = named.substr(0, slash);
    secretName = named.substr(slash + 1);
  }
  if (secretName.empty()) return "";
  auto secret = client.get(res::kSecret, ns, secretName);
  if (!secret) return "";
  const auto data = (*secret).value("data", json::object());
  if (!data.contains("tls.crt")) return "";
  auto pem = kube::base64Decode(data["tls.crt"].get<std::string>());
  if (!pem) return "";
  auto chain = pki::Certificate::chainFromPem(*pem);
  return chain && !chain->empty() ? chain->front().subjectCommonName() : "";
}

std::optional<CertificateFacts> factsOf(const std::optional<pki::Certificate>& leaf) {
  if (!leaf) return std::nullopt;
  return CertificateFacts{leaf->serialHex(), leaf->notBefore(), leaf->notAfter(),
                          leaf->issuerCommonName()};
}

// A Certificate in cert-manager's failure back-off (status.lastFailureTime, cleared by a
// successful issuance): its next renewal would meet the earlier failure, not the run's fault.
std::string backoffProblem(const json& certificate) {
  const auto status = certificate.value("status", json::object());
  const std::string failedAt = status.value("lastFailureTime", "");
  if (failedAt.empty()) return "";
  return "the Certificate is in cert-manager's failure back-off since " + failedAt + " (" +
         std::to_string(status.value("failedIssuanceAttempts", 0)) +
         " failed issuance attempt(s)): its next renewal would meet that failure";
}

// Forces a renewal and waits (watching the Secret) until it holds a sound certificate other than
// `previousSerial`. The issuer must be healthy for this to come.
Result<pki::Certificate> renewAndWait(const std::shared_ptr<kube::Client>& client,
                                      const RunOptions& o, const std::string& secretName,
                                      const std::string& previousSerial,
                                      const std::string& ownIssuer) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<pki::Certificate> renewed;
  std::string last = "nothing yet";
  Clock& clock = client->clock();
  auto informer =
      watchOne(client, res::kSecret, o.certificate.ns, secretName, [&](const json& secret) {
        auto sc = readSecret(secret);
        std::lock_guard lock(mu);
        if (!sc.leaf || sc.leaf->serialHex() == previousSerial) return;
        last = baseProblem(factsOf(sc.leaf), clock.now(), ownIssuer);
        if (last.empty()) {
          renewed = sc.leaf;
          cv.notify_all();
        }
      });
  informer->start();
  informer->waitForSync(std::chrono::seconds(30));
  if (auto forced = forceRenewal(*client, o.certificate.ns, o.certificate.name, clock); !forced) {
    return forced.error();
  }
  // A trigger that raced a failing request (written while the old request's failure was being
  // recorded) ends in one more failure and cert-manager's back-off: the issuer is healthy by now,
  // so the renewal is triggered again, a few times at most.
  const auto forcedAt = clock.now();
  const auto deadline = std::chrono::steady_clock::now() + o.restoreTimeout;
  int triggers = 1;
  std::unique_lock lock(mu);
  while (!renewed && std::chrono::steady_clock::now() < deadline) {
    if (cv.wait_for(lock, std::chrono::seconds(1), [&] { return renewed.has_value(); })) break;
    lock.unlock();
    auto cert = client->get(api::kCertificate, o.certificate.ns, o.certificate.name);
    if (cert && triggers < 4 && condition(*cert, "Issuing", "status") != "True") {
      auto failedAt = parseRfc3339(str((*cert).value("status", json::object()), "lastFailureTime"));
      if (failedAt && *failedAt >= std::chrono::floor<std::chrono::seconds>(forcedAt)) {
        ++triggers;
        if (auto again = forceRenewal(*client, o.certificate.ns, o.certificate.name, clock);
            !again) {
          return again.error();
        }
      }
    }
    lock.lock();
  }
  if (!renewed) {
    return makeError("RestoreFailed",
                     "expected a renewed, valid certificate from the issuer in Secret " +
                         o.certificate.ns + "/" + secretName + " within " +
                         formatGoDuration(o.restoreTimeout) + ", found: " + last +
                         "; check the Certificate's conditions (kubectl describe certificate -n " +
                         o.certificate.ns + " " + o.certificate.name + ")");
  }
  return *renewed;
}

// cert-manager deletes a failed CertificateRequest of the revision it retries only when the
// request has status.failureTime; a request failed without one (fail-no-failure-time) stays, and
// every later issuance of that revision, a forced one included, fails again on it without asking
// the issuer. Deletes such requests of the Certificate; returns what it deleted, for the report.
Result<std::string> deleteRequestsNeverReplaced(kube::Client& client, const RunOptions& o) {
  auto requests = client.listAll(api::kCertificateRequest, o.certificate.ns);
  if (!requests) return requests.error();
  std::string deleted;
  for (const auto& cr : requests->items) {
    const auto annotations = cr["metadata"].value("annotations", json::object());
    const auto status = cr.value("status", json::object());
    if (annotations.value("cert-manager.io/certificate-name", "") != o.certificate.name ||
        condition(cr, "Ready", "reason") != "Failed" || !str(status, "failureTime").empty()) {
      continue;
    }
    const std::string name = cr["metadata"].value("name", "");
    auto removed = client.remove(api::kCertificateRequest, o.certificate.ns, name);
    if (!removed && !kube::isNotFound(removed.error())) return removed.error();
    deleted += (deleted.empty() ? "" : ", ") + name;
  }
  return deleted;
}

// Waits (watching) until the Certificate has settled on the certificate `notAfter`: Ready, not
// issuing, and no failed issuance left for cert-manager to back off from. Returns what is still
// wrong, "" once settled.
std::string waitCertificateSettled(const std::shared_ptr<kube::Client>& client, const RunOptions& o,
                                   SystemTime notAfter) {
  std::mutex mu;
  std::condition_variable cv;
  std::string wrong = "not read yet";
  const std::string expected = formatRfc3339(notAfter);
  auto informer =
      watchOne(client, api::kCertificate, o.certificate.ns, o.certificate.name, [&](const json& c) {
        const auto status = c.value("status", json::object());
        std::string now;
        // The renewed certificate, or one cert-manager issued after it (a renewal still in
        // flight when the issuer was reverted can land first): settled on the later one.
        auto statusNotAfter = parseRfc3339(str(status, "notAfter"));
        if (!statusNotAfter || std::chrono::floor<std::chrono::seconds>(*statusNotAfter) <
                                   std::chrono::floor<std::chrono::seconds>(notAfter)) {
          now = "status.notAfter is " + str(status, "notAfter") +
                ", not the renewed certificate's " + expected + " or later";
        } else if (condition(c, "Ready", "status") != "True") {
          now = "Ready=" + condition(c, "Ready", "status") + " (" +
                condition(c, "Ready", "reason") + ")";
        } else if (condition(c, "Issuing", "status") == "True") {
          now = "still issuing";
        } else if (!str(status, "lastFailureTime").empty()) {
          now = "a failed issuance at " + str(status, "lastFailureTime") +
                " is still recorded (cert-manager backs off from it)";
        } else if (auto due = parseRfc3339(str(status, "renewalTime"));
                   due && *due <= client->clock().now()) {
          // A certificate whose renewal is already due (issued backdated under the fault) is
          // about to be replaced: not a base to start from.
          now =
              "its renewal is already due (status.renewalTime " + str(status, "renewalTime") + ")";
        }
        std::lock_guard lock(mu);
        wrong = now;
        if (wrong.empty()) cv.notify_all();
      });
  informer->start();
  std::unique_lock lock(mu);
  cv.wait_for(lock, o.restoreTimeout, [&] { return wrong.empty(); });
  const std::string out = wrong;
  lock.unlock();
  informer->stop();
  return out;
}

// How many renewals the run makes before the one under test so that it meets a full rate limit:
// the scenario's limit (as given, or its default); 0 for every other scenario.
constexpr int kMaxRateLimitFill = 10;
std::string parameterOrDefault(const chaos::ScenarioInfo& scenario,
                               const std::map<std::string, std::string>& parameters,
                               const std::string& name) {
  if (auto given = parameters.find(name); given != parameters.end()) return given->second;
  for (const auto& p : scenario.parameters) {
    if (p.name == name) return p.defaultValue;
  }
  return "";
}

// The scenario's checks with its parameters where a check reads one: revoked's compliance window
// is the tolerance of replaced-within.
std::vector<chaos::CheckSpec> scenarioChecks(const chaos::ScenarioInfo& scenario,
                                             const std::map<std::string, std::string>& parameters) {
  std::vector<chaos::CheckSpec> checks = scenario.checks;
  for (auto& c : checks) {
    if (scenario.name == "revoked" && c.kind == "replaced-within") {
      c.tolerance["window"] = parameterOrDefault(scenario, parameters, "window");
    }
  }
  return checks;
}

// revoked: a compliance window (or a revocation delay) as long as the certificate's life measures
// its expiry, not the response to a revocation. Checked against the base certificate, whose
// lifetime the renewed one shares. "" when the parameters fit.
std::string revokedParameterProblem(const chaos::ScenarioInfo& scenario,
                                    const std::map<std::string, std::string>& parameters,
                                    const pki::Certificate& base, double timeScale) {
  if (scenario.name != "revoked") return "";
  const auto lifetime = base.notAfter() - base.notBefore();
  const auto nominalLifetime = std::chrono::duration_cast<std::chrono::seconds>(lifetime) *
                               static_cast<std::int64_t>(timeScale);
  for (const char* name : {"window", "revokeAfter", "renewAfter"}) {
    const std::string value = parameterOrDefault(scenario, parameters, name);
    auto d = parseGoDuration(value);  // validated as a duration by the catalog already
    if (!d || *d < nominalLifetime) continue;
    return std::string("scenario 25 (revoked) --set ") + name + ": expected a duration from 0s " +
           (std::string(name) == "window" ? "(exclusive) " : "") + "up to the certificate's " +
           "lifetime (" + formatGoDuration(nominalLifetime) + " nominal, exclusive), found \"" +
           value + "\"; the certificate's own renewal would replace it first. Use a shorter " +
           name + " or a Certificate with a longer duration";
  }
  return "";
}

// oversized: a chain past 1 MiB leaves no room in a CertificateRequest under etcd's 1.5 MiB (its
// base64 alone is 1.33 times larger): the API server, not cert-manager, would refuse it.
constexpr long long kMaxOversizedBytes = 1 << 20;
std::string oversizedParameterProblem(const chaos::ScenarioInfo& scenario,
                                      const std::map<std::string, std::string>& parameters) {
  if (scenario.name != "oversized") return "";
  const std::string value = parameterOrDefault(scenario, parameters, "size");
  long long size = 0;
  std::from_chars(value.data(), value.data() + value.size(), size);  // checked by the catalog
  if (size <= kMaxOversizedBytes) return "";
  return "scenario 24 (oversized) --set size: expected a number of bytes from 1 to " +
         std::to_string(kMaxOversizedBytes) + ", found \"" + value +
         "\"; a larger chain does not fit in a CertificateRequest (etcd stores at most 1.5 MiB "
         "an object), so the API server, not cert-manager, would refuse it";
}

int rateLimitFill(const chaos::ScenarioInfo& scenario,
                  const std::map<std::string, std::string>& parameters) {
  if (scenario.name != "rate-limit") return 0;
  const std::string limit = parameterOrDefault(scenario, parameters, "limit");
  int value = 0;
  std::from_chars(limit.data(), limit.data() + limit.size(), value);  // checked by the catalog
  return value;
}

// rogue-issuer takes two issuers: the Certificate's own, whose CA the Secret must hold and which
// stays healthy, and the rogue the scenario goes on: --issuer when it names another issuer, else
// a ChaosIssuer "<own>-rogue" beside the Certificate, created for the run and deleted after.
struct RogueSetup {
  RunOptions own;
  RunOptions rogue;
  bool created = false;
};
RogueSetup rogueSetup(const RunOptions& o, const json& certificate) {
  RogueSetup out{o, o, false};
  const json ref = certificate["spec"].value("issuerRef", json::object());
  const std::string kind = ref.value("kind", "");
  if (ref.value("group", "") == api::kGroup && api::isChaosIssuerKind(kind)) {
    out.own.issuerKind = kind;
    out.own.issuer = {kind == api::kClusterIssuerKind ? "" : o.certificate.ns,
                      ref.value("name", "")};
  }
  if (out.rogue.issuerKind == out.own.issuerKind && out.rogue.issuer.ns == out.own.issuer.ns &&
      out.rogue.issuer.name == out.own.issuer.name) {
    out.rogue.issuerKind = api::kIssuerKind;
    out.rogue.issuer = {o.certificate.ns, out.own.issuer.name + "-rogue"};
    out.created = true;
  }
  return out;
}

// Deletes the rogue issuer the run created, and the CA Secret the issuer made for it.
Result<void> removeRogue(kube::Client& client, const RunOptions& rogue, Timeline& timeline) {
  auto object = client.get(issuerResource(rogue), rogue.issuer.ns, rogue.issuer.name);
  std::string caSecret;
  if (object) caSecret = (*object).value("status", json::object()).value("caSecret", "");
  auto removed = client.remove(issuerResource(rogue), rogue.issuer.ns, rogue.issuer.name);
  if (!removed && !kube::isNotFound(removed.error())) return removed.error();
  if (const auto slash = caSecret.find('/'); slash != std::string::npos) {
    auto gone = client.remove(res::kSecret, caSecret.substr(0, slash), caSecret.substr(slash + 1));
    if (!gone && !kube::isNotFound(gone.error())) return gone.error();
  }
  timeline.add(Source::kRunner, kinds::kRolledBack,
               issuerDescription(rogue) + " deleted" +
                   (caSecret.empty() ? "" : ", with its CA Secret " + caSecret),
               issuerDescription(rogue));
  return {};
}

std::uint64_t freshSeed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32 | device()) & 0x7fffffffffffffffULL;
}

// Why an issuer fault may have injected nothing: the namespace is not opted in to chaos (the
// issuer injects only where it is). Empty when it is, or when the namespace cannot be read.
std::string notOptedIn(kube::Client& client, const std::string& ns) {
  auto object = client.get(kube::resources::kNamespace, "", ns);
  if (!object) return "";
  const auto labels = (*object)["metadata"].value("labels", json::object());
  if (labels.value(api::kChaosNamespaceLabel, "") == api::kChaosNamespaceLabelValue) return "";
  return "namespace " + ns + " does not opt in to chaos (label " + api::kChaosNamespaceLabel + "=" +
         api::kChaosNamespaceLabelValue +
         "), where the issuer injects nothing; label it (kubectl label namespace " + ns + " " +
         api::kChaosNamespaceLabel + "=" + api::kChaosNamespaceLabelValue +
         ") or deploy the issuer with --opt-in";
}

}  // namespace

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
  // The knobs are checked as the issuer will read them, before anything is applied.
  auto injection = chaos::issuerScenarioFor(*scenario, o.parameters);
  if (!injection) return makeError("BadInput", injection.error().message);
  // The scenario's checks with this run's --check overrides, validated before anything runs.
  auto runChecks = applyCheckOverrides(scenarioChecks(*scenario, o.parameters), o.checkOverrides);
  if (!runChecks) return runChecks.error();
  for (const auto& check : *runChecks) {
    if (auto valid = validateCheck(check.spec); !valid) return valid.error();
  }
  if (const int fill = rateLimitFill(*scenario, o.parameters); fill > kMaxRateLimitFill) {
    return makeError("BadInput",
                     "scenario 9 (rate-limit) --set limit: the run issues that many certificates "
                     "of its own to fill the limit before the renewal under test; expected at "
                     "most " +
                         std::to_string(kMaxRateLimitFill) + ", found " + std::to_string(fill));
  }
  Clock& clock = client->clock();
  const auto startedAt = clock.now();
  // An issuer-side scenario goes on the issuer; silent-failure puts hang or fail-permanent there;
  // renewal-not-loaded runs around a healthy issuer.
  const bool onIssuer = injection->onIssuer();
  // Without --seed the runner draws one and gives it to the issuer, so that the report names the
  // seed the fault really ran with and the run can be replayed.
  const std::uint64_t seed = o.seed.value_or(onIssuer ? freshSeed() : 0);

  RunResult result;
  report::Report& r = result.report;
  r.run.id = runId(startedAt, scenario->name);
  r.run.scenario.number = scenario->number;
  r.run.scenario.name = scenario->name;
  r.run.scenario.parameters = o.parameters;
  r.run.scenario.seed = seed;
  for (const auto& p : scenario->parameters) {
    if (p.name == "seed" || p.defaultValue.empty() || o.parameters.count(p.name) != 0) continue;
    r.run.scenario.defaults[p.name] = p.defaultValue;
  }
  r.run.timeScale = o.timeScale;
  r.run.cluster = o.cluster;
  r.run.versions = {{"certchaos", "0.1.0"}, {"cert-manager", "v1.21.1"}};
  r.run.startedAt = startedAt;
  r.run.certManagerBackoff = o.certManagerBackoff.value_or(
      productionBackoff("the caller of the runner did not arrange cert-manager's back-off"));
  r.verdict.hypothesis = scenario->hypothesis;

  // 1. Start conditions: a valid certificate from the issuer's own CA in the Secret (repaired
  // first with --restore), checked before anything is written.
  const std::string certObject = "Certificate " + o.certificate.ns + "/" + o.certificate.name;
  auto cert = client->get(api::kCertificate, o.certificate.ns, o.certificate.name);
  if (!cert) return makeError(cert.error().code, certObject + ": " + cert.error().message);
  const std::string secretName = (*cert)["spec"].value("secretName", "");
  const bool rootRotation = scenario->name == "root-rotation";
  if (rootRotation) {
    auto grace = checkRotationGrace(parameterOrDefault(*scenario, o.parameters, "grace"), *cert);
    if (!grace) return grace.error();
  }
  // `own`: the issuer whose CA the Secret must hold; `chaosOn`: the issuer the scenario goes on.
  // They differ only for rogue-issuer.
  RunOptions own = o, chaosOn = o;
  bool rogueCreated = false;
  if (scenario->name == "rogue-issuer") {
    auto setup = rogueSetup(o, *cert);
    own = std::move(setup.own);
    chaosOn = std::move(setup.rogue);
    rogueCreated = setup.created;
  }
  auto issuerObject = client->get(issuerResource(own), own.issuer.ns, own.issuer.name);
  if (!issuerObject) {
    return makeError(issuerObject.error().code, issuerDescription(own) + ": " +
                                                    issuerObject.error().message +
                                                    "; create it with 'certchaos deploy issuer'");
  }
  const std::string ownIssuer = ownIssuerCommonName(*client, own, *issuerObject);
  auto secret = client->get(res::kSecret, o.certificate.ns, secretName);
  SecretCertificate base = secret ? readSecret(*secret) : SecretCertificate{};
  const std::string secretObject = "Secret " + o.certificate.ns + "/" + secretName;
  Timeline timeline;
  bool baseRestored = false;
  std::string problem = baseProblem(factsOf(base.leaf), clock.now(), ownIssuer);
  if (problem.empty()) problem = backoffProblem(*cert);
  if (!problem.empty()) {
    if (!o.restore) {
      return makeError("PreconditionFailed",
                       "expected " + secretObject + " (from " + certObject +
                           ") to hold a valid certificate from " + issuerDescription(own) +
                           " before injecting anything, but " + problem +
                           "; repair it with 'certchaos run ... --restore' (the issuer made "
                           "healthy, renewed and waited for), or 'certchaos renew' once the "
                           "issuer is healthy");
    }
    say(o, "the base is broken (" + problem + "): restoring it first");
    baseRestored = true;
    auto healthy = client->patch(issuerResource(own), own.issuer.ns, own.issuer.name,
                                 kube::PatchType::kMerge, healthyChaosPatch(), runnerPatch());
    if (!healthy) return healthy.error();
    if (auto ready = waitIssuerReady(client, own, abort); !ready) return ready.error();
    auto stuck = deleteRequestsNeverReplaced(*client, o);
    if (!stuck) return stuck.error();
    auto renewed =
        renewAndWait(client, o, secretName, base.leaf ? base.leaf->serialHex() : "", ownIssuer);
    if (!renewed) return renewed.error();
    if (auto unsettled = waitCertificateSettled(client, o, renewed->notAfter());
        !unsettled.empty()) {
      return makeError("RestoreFailed", "restoring the base: renewed " + certObject + " (serial " +
                                            renewed->serialHex() +
                                            "), but it did not settle within " +
                                            formatGoDuration(o.restoreTimeout) + ": " + unsettled);
    }
    timeline.add(Source::kRunner, "BaseRestored",
                 "the base was broken (" + problem + "); renewed with the healthy issuer: serial " +
                     renewed->serialHex() + " (notAfter " + formatRfc3339(renewed->notAfter()) +
                     ")" +
                     (stuck->empty() ? ""
                                     : "; deleted CertificateRequest " + *stuck +
                                           " first: it failed without status.failureTime, which "
                                           "cert-manager never replaces"),
                 certObject);
    secret = client->get(res::kSecret, o.certificate.ns, secretName);
    base = secret ? readSecret(*secret) : SecretCertificate{};
    issuerObject = client->get(issuerResource(own), own.issuer.ns, own.issuer.name);
    if (!issuerObject) return issuerObject.error();
  }
  if (!base.leaf) {
    return makeError("NotReady", "expected a signed certificate in " + secretObject + " (from " +
                                     certObject +
                                     "), found none; wait until the Certificate is Ready");
  }
  if (auto bad = revokedParameterProblem(*scenario, o.parameters, *base.leaf, o.timeScale);
      !bad.empty()) {
    return makeError("BadInput", bad);
  }
  if (auto bad = oversizedParameterProblem(*scenario, o.parameters); !bad.empty()) {
    return makeError("BadInput", bad);
  }
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
  // A run that fails before its report leaves no directory behind.
  struct UnfinishedRun {
    std::string dir;
    bool finished = false;
    ~UnfinishedRun() {
      std::error_code ec;
      if (!finished) fs::remove_all(dir, ec);
    }
  } unfinished;
  unfinished.dir = result.dir;

  RunState st;
  auto nominal = [&](std::chrono::nanoseconds wall) {
    return formatGoDuration(std::chrono::duration_cast<std::chrono::seconds>(wall * o.timeScale));
  };
  timeline.add(Source::kRunner, kinds::kRunStarted,
               "run " + r.run.id + ": scenario " + std::to_string(scenario->number) + " (" +
                   scenario->name + "), time scale " +
                   std::to_string(static_cast<int>(o.timeScale)),
               "", startedAt);
  say(o, "run " + r.run.id + ": scenario " + std::to_string(scenario->number) + " (" +
             scenario->name + ")");

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
  Evidence ev;
  ev.timeScale = o.timeScale;
  ev.baseSerial = base.leaf->serialHex();
  ev.baseNotAfter = base.leaf->notAfter();
  ev.ownIssuer = ownIssuer;
  ev.settleTime = o.settleTime;

  std::optional<ProbeTarget> probeTarget;
  if (!o.appUrl.empty()) {
    auto target = parseProbeUrl(o.appUrl);
    if (!target) return target.error();
    target->serverName = !o.appServerName.empty()         ? o.appServerName
                         : !base.leaf->dnsNames().empty() ? base.leaf->dnsNames().front()
                                                          : target->host;
    target->trustedCaPem = base.caPem;
    target->checkRevocation = scenario->name == "revoked";
    probeTarget = *target;
  }
  ev.probing = probeTarget.has_value();
  // root-rotation: the probe's own trust is the bundle clients had before the rotation.
  const std::string beforeTrust =
      "the CA bundle from before the rotation (" + caBundleText(base.caPem) + ")";
  if (rootRotation && probeTarget) ev.trusts.push_back(beforeTrust);
  st.secretCaPem = base.caPem;

  // renewal-storm: copies of the Certificate, Ready from the healthy issuer before the storm.
  std::optional<StormCopies> storm;
  // On every way out (an error before the rollback included) the copies go.
  struct StormCleanup {
    std::optional<StormCopies>& copies;
    ~StormCleanup() {
      if (copies) (void)copies->remove();
    }
  } stormCleanup{storm};
  if (scenario->name == "renewal-storm") {
    const int count = static_cast<int>(
        std::stol(parameterOrDefault(*scenario, o.parameters, chaos::kStormCount)));
    say(o, "renewal-storm: creating " + std::to_string(count - 1) + " copies of " + certObject);
    auto copies = StormCopies::create(client, *cert, count - 1, o.restoreTimeout, abort);
    if (!copies) return copies.error();
    storm = std::move(*copies);
    ev.storm = StormObservation{count, std::nullopt, {}};
    ev.storm->requests[o.certificate.name];
    for (const auto& name : storm->names()) ev.storm->requests[name];
    ev.backoff = r.run.certManagerBackoff;
    timeline.add(Source::kRunner, "StormCopiesReady",
                 std::to_string(count - 1) + " copies of " + certObject + " (label " +
                     chaos::kStormLabel + "=" + o.certificate.name +
                     ") are Ready: the storm renews " + std::to_string(count) +
                     " Certificates together",
                 certObject);
  }

  // 2. Deploy the scenario (unless the issuer already has it) and wait until the issuer runs it.
  json spec = {
      {"scenario", !injection->scenario.empty() ? json(injection->scenario) : json(nullptr)},
      {"parameters",
       onIssuer && !injection->parameters.empty() ? json(injection->parameters) : json(nullptr)},
      {"timeScale", static_cast<std::int64_t>(o.timeScale)}};
  if (onIssuer) spec["seed"] = seed;
  if (!injection->faults.empty()) {
    json faults = json::array();
    for (const auto& f : injection->faults) {
      faults.push_back({{"type", f.type}, {"parameters", f.parameters}});
    }
    spec["faults"] = std::move(faults);
  }
  // expired-cross-sign and chain-switch: the clients' trust in roots the issuer brings in.
  std::optional<ProbeTarget> oldClient;
  if (onIssuer && (scenario->name == "expired-cross-sign" || scenario->name == "chain-switch")) {
    auto trust =
        clientTrustFor(scenario->name, parameterOrDefault(*scenario, o.parameters, "clientsTrust"),
                       spec, base.caPem);
    if (!trust) return trust.error();
    if (probeTarget) probeTarget->trustedCaPem = trust->bundlePem;
    if (probeTarget && !trust->oldClientPem.empty()) {
      oldClient = *probeTarget;
      oldClient->trustedCaPem = trust->oldClientPem;
      ev.oldClientRoot = trust->oldClientRoot;
    }
    ev.clientRoots = rootIdentities(trust->bundlePem);
    timeline.add(Source::kRunner, "ClientTrust", trust->note, o.appUrl, clock.now());
  }
  json current = (*issuerObject).value("spec", json::object());
  if (scenario->name == "rogue-issuer") {
    auto rogue = client->get(issuerResource(chaosOn), chaosOn.issuer.ns, chaosOn.issuer.name);
    if (!rogue && !(rogueCreated && kube::isNotFound(rogue.error()))) {
      return makeError(rogue.error().code,
                       issuerDescription(chaosOn) + ": " + rogue.error().message);
    }
    current = rogue ? (*rogue).value("spec", json::object()) : json::object();
  }
  const std::string currentScenario = current.value("scenario", "");
  const auto* onIssuerNow = chaos::findScenario(currentScenario);
  bool deployed = onIssuer ? onIssuerNow != nullptr && onIssuerNow->name == injection->scenario
                           : currentScenario.empty() && !current.contains("faults");
  deployed = deployed && current.value("parameters", json::object()) ==
                             (spec["parameters"].is_null() ? json::object() : spec["parameters"]);
  deployed = deployed && current.value("timeScale", std::int64_t{1}) == spec["timeScale"];
  deployed = deployed && (!onIssuer || current.value("seed", json()) == spec["seed"]);
  deployed = deployed && current.value("faults", json()) == spec.value("faults", json());
  if (!deployed && rogueCreated) {
    // The rogue signs with a CA of its own, so that its certificates can be told apart.
    json rogueSpec = {{"selfSigned", json::object()}};
    for (const auto& [k, v] : spec.items()) {
      if (!v.is_null()) rogueSpec[k] = v;
    }
    auto created = client->apply(
        issuerResource(chaosOn),
        {{"metadata", {{"name", chaosOn.issuer.name}, {"namespace", chaosOn.issuer.ns}}},
         {"spec", rogueSpec}},
        {.fieldManager = kRunnerFieldManager, .force = true});
    if (!created) return created.error();
  } else if (!deployed) {
    auto patched = client->patch(issuerResource(chaosOn), chaosOn.issuer.ns, chaosOn.issuer.name,
                                 kube::PatchType::kMerge, {{"spec", spec}}, runnerPatch());
    if (!patched) return patched.error();
  }
  timeline.add(Source::kRunner, kinds::kScenarioDeployed,
               std::string(!onIssuer  ? "runner-side scenario around the healthy "
                           : deployed ? "scenario already on "
                                      : "deployed scenario on ") +
                   issuerDescription(chaosOn) + (onIssuer ? ": " + spec.dump() : "") +
                   (rogueCreated ? " (created for the run, beside " + issuerDescription(own) +
                                       ", which stays healthy)"
                                 : ""),
               issuerDescription(chaosOn));
  // skip-approval: approval is held for the run's requests, and with mode=denied the runner
  // denies them as a policy would, so that the issuer meets unapproved and Denied requests.
  const std::string approvalMode =
      scenario->name == "skip-approval" ? parameterOrDefault(*scenario, o.parameters, "mode") : "";
  const bool denyByPolicy = approvalMode == "denied";
  auto holdApproval = [&](bool hold) -> Result<void> {
    if (approvalMode.empty()) return {};
    auto patched = client->patch(
        api::kCertificate, o.certificate.ns, o.certificate.name, kube::PatchType::kMerge,
        {{"metadata",
          {{"annotations", {{kHoldApprovalAnnotation, hold ? json("true") : json()}}}}}},
        runnerPatch());
    if (!patched) return patched.error();
    return {};
  };
  auto rollback = [&]() -> Result<void> {
    if (auto released = holdApproval(false); !released) return released.error();
    if (storm) {
      auto removed = storm->remove();
      if (!removed) return removed.error();
      timeline.add(Source::kRunner, "StormCopiesDeleted", "the storm's copies deleted: " + *removed,
                   certObject);
      storm.reset();
    }
    if (o.keep) return {};
    if (rogueCreated) return removeRogue(*client, chaosOn, timeline);
    auto patched = client->patch(issuerResource(chaosOn), chaosOn.issuer.ns, chaosOn.issuer.name,
                                 kube::PatchType::kMerge, healthyChaosPatch(), runnerPatch());
    if (!patched) return patched.error();
    auto ready = waitIssuerReady(client, chaosOn, {});
    if (!ready) return ready.error();
    timeline.add(Source::kRunner, kinds::kRolledBack,
                 issuerDescription(chaosOn) +
                     " reverted to healthy: " + condition(*ready, "Ready", "message"),
                 issuerDescription(chaosOn));
    return {};
  };
  auto ready = waitIssuerReady(client, chaosOn, abort);
  if (!ready) {
    (void)rollback();
    return ready.error();
  }
  if (scenario->name == "rogue-issuer")
    ev.rogueIssuer = ownIssuerCommonName(*client, chaosOn, *ready);
  // rate-limit counts only the issuances of the spec in force, so its window starts empty: the
  // run fills it with renewals of its own, and the renewal under test is the one over the limit.
  if (const int fill = rateLimitFill(*scenario, o.parameters); fill > 0) {
    for (int i = 1; i <= fill; ++i) {
      auto filled = renewAndWait(client, o, secretName, base.leaf->serialHex(), ownIssuer);
      if (!filled) {
        (void)rollback();
        return makeError(filled.error().code,
                         "filling the rate limit (renewal " + std::to_string(i) + " of " +
                             std::to_string(fill) + "): " + filled.error().message);
      }
      timeline.add(Source::kRunner, "RateLimitFilled",
                   "renewal " + std::to_string(i) + " of " + std::to_string(fill) +
                       " issued (serial " + filled->serialHex() +
                       "): it counts against the issuer's rate limit",
                   certObject);
      base.leaf = *filled;
    }
    // The last of them is the base the fault meets; the application reloads it first.
    baseRestored = true;
    st.secretSerial = base.leaf->serialHex();
    st.secretLeaf = base.leaf;
    ev.baseSerial = base.leaf->serialHex();
    ev.baseNotAfter = base.leaf->notAfter();
    r.certificates.before = infoOf(*base.leaf);
  }
  say(o, issuerDescription(chaosOn) + " is Ready with " + (*ready)["status"].value("faults", ""));
  // outage-window: the issuer's outage runs from status.activeSince for the scaled window.
  if (scenario->name == "outage-window") {
    auto since = parseRfc3339(str((*ready).value("status", json::object()), "activeSince"));
    auto window = parseGoDuration(parameterOrDefault(*scenario, o.parameters, "window"));
    if (since && window) {
      const auto wall = *window / static_cast<std::int64_t>(o.timeScale);
      ev.issuerRecoveredAt = *since + std::chrono::duration_cast<SystemTime::duration>(wall);
      ev.backoff = r.run.certManagerBackoff;
      timeline.add(Source::kIssuer, "OutageStarted",
                   "the issuer's outage (" + parameterOrDefault(*scenario, o.parameters, "fault") +
                       ") runs from " + formatRfc3339(*since) + " for " + formatGoDuration(wall) +
                       " (" + nominal(wall) + " nominal), until " +
                       formatRfc3339(*ev.issuerRecoveredAt, TimePrecision::kMicroseconds),
                   issuerDescription(chaosOn), *since);
    }
  }

  // root-rotation: the issuer signs under its new root from status.activeSince, and offers the
  // old one in ca.crt for the scaled grace period.
  if (rootRotation) {
    auto since = parseRfc3339(str((*ready).value("status", json::object()), "activeSince"));
    auto grace = parseGoDuration(parameterOrDefault(*scenario, o.parameters, "grace"));
    if (since && grace) {
      const auto wall = *grace / static_cast<std::int64_t>(o.timeScale);
      ev.rotatedAt = *since;
      ev.oldRootDroppedAt = *since + std::chrono::duration_cast<SystemTime::duration>(wall);
      timeline.add(Source::kIssuer, "RootRotated",
                   "the issuer rotated its root at " + formatRfc3339(*since) +
                       ": it signs under a new root and offers the old one in ca.crt for " +
                       formatGoDuration(wall) + " (" + nominal(wall) + " nominal), until " +
                       formatRfc3339(*ev.oldRootDroppedAt) +
                       (wall.count() > 0 &&
                                parameterOrDefault(*scenario, o.parameters, "crossSign") == "true"
                            ? ", serving the new root cross-signed by the old CA meanwhile"
                            : ""),
                   issuerDescription(chaosOn), *since);
    }
  }

  // 3. Observe: the Certificate, its requests, the Secret, the Events about them.
  const std::string ns = o.certificate.ns;
  const RunObjects runObjects{o.certificate.name, secretName, chaosOn.issuerKind,
                              chaosOn.issuer.name};
  auto certInformer =
      watchOne(client, api::kCertificate, ns, o.certificate.name, [&](const json& c) {
        std::string ready = condition(c, "Ready", "status") + "/" + condition(c, "Ready", "reason");
        const auto status = c.value("status", json::object());
        auto renewalTime = parseRfc3339(str(status, "renewalTime"));
        auto notAfter = parseRfc3339(str(status, "notAfter"));
        const auto now = clock.now();
        std::lock_guard lock(st.mu);
        if (renewalTime && notAfter) {
          st.statusRenewalTime = *renewalTime;
          st.statusNotAfter = *notAfter;
        }
        noteIssuanceFailure(st, ev, timeline, c, now, certObject);
        if (ready == st.certificateReady) return;
        st.certificateReady = ready;
        const std::string message = "Ready=" + ready + ": " + condition(c, "Ready", "message");
        timeline.add(Source::kCertManager, "CertificateReady", message, certObject, now);
        if (st.renewalForcedAt && condition(c, "Ready", "status") == "False") {
          st.notReady = SignalObservation{now, certObject + " " + message,
                                          SignalChannel::kCertificateNotReady};
        } else {
          st.notReady.reset();  // back to Ready within the blip: part of a successful issuance
        }
      });
  auto secretInformer = watchOne(client, res::kSecret, ns, secretName, [&](const json& s) {
    auto sc = readSecret(s);
    if (!sc.leaf) return;
    const auto now = clock.now();
    std::lock_guard lock(st.mu);
    if (sc.leaf->serialHex() == st.secretSerial) return;
    if (st.renewalForcedAt) st.secretStoredAt = now;
    st.secretSerial = sc.leaf->serialHex();
    st.secretLeaf = sc.leaf;
    // The probe can see the application serve the renewed certificate before this watch delivers
    // the Secret that holds it (a loaded machine): the renewal is served all the same. Without
    // this a run awaiting recovery never saw it and waited for its timeout (catalog chain, 5).
    if (st.renewalForcedAt && st.secretSerial == st.servedSerial) st.renewedServed = true;
    const auto caRoots = rootIdentities(sc.caPem);
    ev.secret.push_back({now, sc.leaf->serialHex(), sc.leaf->issuerCommonName(),
                         sc.leaf->notAfter(),
                         caRoots.empty() ? std::nullopt : std::optional(caRoots.back())});
    timeline.add(Source::kCertManager, kinds::kSecretUpdated,
                 "Secret holds serial " + st.secretSerial + " (notAfter " +
                     formatRfc3339(sc.leaf->notAfter()) +
                     ", issuer CN=" + sc.leaf->issuerCommonName() + ")",
                 secretObject, now);
    if (rootRotation && sc.caPem != st.secretCaPem && !sc.caPem.empty()) {
      // A client that reloads ca.crt holds this bundle from now on: one more trust to probe.
      st.secretCaPem = sc.caPem;
      const std::string bundle = caBundleText(sc.caPem);
      const std::string label =
          "the Secret's ca.crt from " + formatRfc3339(now) + " (" + bundle + ")";
      st.laterTrusts.emplace_back(label, sc.caPem);
      ev.trusts.push_back(label);
      timeline.add(Source::kCertManager, "CaBundleChanged",
                   "the Secret's ca.crt now holds " + bundle, secretObject, now);
    }
  });
  kube::Informer requestInformer(client, api::kCertificateRequest, ns);
  std::map<std::string, std::size_t> requestIndex;  // key -> ev.requests
  std::set<std::string> stormBaseline;              // the storm's requests from before it
  std::map<std::string, std::size_t> stormIndex;    // key -> index in its Certificate's list
  auto onStormRequest = [&](const json& cr, const std::string& certificate) {
    const std::string key =
        cr["metadata"].value("name", "") + "/" + cr["metadata"].value("uid", "");
    const std::string reason = condition(cr, "Ready", "reason");
    const auto now = clock.now();
    std::lock_guard lock(st.mu);
    auto it = ev.storm->requests.find(certificate);
    if (it == ev.storm->requests.end()) return;
    if (!st.renewalForcedAt) {
      stormBaseline.insert(key);
      return;
    }
    if (stormBaseline.count(key) != 0) return;
    auto& list = it->second;
    auto [at, isNew] = stormIndex.emplace(key, list.size());
    if (isNew) {
      RequestObservation created;
      created.name = cr["metadata"].value("name", "");
      created.createdAt = now;
      list.push_back(std::move(created));
    }
    auto& seen = list[at->second];
    if (seen.decidedAt) return;
    if (reason == "Issued" || reason == "Failed" || reason == "Denied") {
      seen.issued = reason == "Issued";
      seen.failed = reason == "Failed";
      seen.denied = reason == "Denied";
      seen.decidedAt = now;
      timeline.wake();
    }
  };
  auto onRequest = [&](const json& cr) {
    const auto annotations = cr["metadata"].value("annotations", json::object());
    if (ev.storm) onStormRequest(cr, annotations.value("cert-manager.io/certificate-name", ""));
    if (annotations.value("cert-manager.io/certificate-name", "") != o.certificate.name) return;
    const std::string name = cr["metadata"].value("name", "");
    const std::string key = name + "/" + cr["metadata"].value("uid", "");
    const std::string object = "CertificateRequest " + ns + "/" + name;
    const auto now = clock.now();
    std::lock_guard lock(st.mu);
    if (!st.renewalForcedAt) {
      st.baselineRequests.insert(key);
      return;
    }
    if (st.baselineRequests.count(key) != 0) return;
    if (st.requests.insert(key).second) {
      timeline.add(Source::kCertManager, kinds::kRequestCreated, "created " + name, object, now);
      requestIndex[key] = ev.requests.size();
      RequestObservation created;
      created.name = name;
      created.createdAt = now;
      created.scheduledRenewal = scheduledRenewal(st, now);
      if (!created.scheduledRenewal) ++st.countedRequests;
      ev.requests.push_back(std::move(created));
    }
    auto& seen = ev.requests[requestIndex[key]];
    seen.approved = seen.approved || condition(cr, "Approved", "status") == "True";
    seen.denied = seen.denied || condition(cr, "Denied", "status") == "True";
    if (denyByPolicy && !seen.approved && !seen.denied && st.toDeny.insert(name).second) {
      timeline.wake();  // the main loop denies it
    }
    const std::string reason = condition(cr, "Ready", "reason");
    const std::string message = condition(cr, "Ready", "message");
    if (reason == "Pending" && message.rfind("[chaos hold]", 0) == 0 &&
        st.heldRequests.insert(key).second) {
      timeline.add(Source::kIssuer, kinds::kRequestHeld, message, object, now);
    } else if (reason == "Issued" && st.signedRequests.insert(key).second) {
      timeline.add(Source::kIssuer, kinds::kRequestSigned, message, object, now);
      seen.issued = true;
      seen.decidedAt = now;
      const std::string pemB64 = cr.value("status", json::object()).value("certificate", "");
      if (auto pem = kube::base64Decode(pemB64)) {
        if (auto chain = pki::Certificate::chainFromPem(*pem); chain && !chain->empty()) {
          seen.certificateSerial = chain->front().serialHex();
          seen.certificateIssuer = chain->front().issuerCommonName();
        }
      }
    } else if ((reason == "Failed" || reason == "Denied") && st.failedRequests.insert(key).second) {
      timeline.add(Source::kIssuer, "RequestFailed", reason + ": " + message, object, now);
      seen.failed = reason == "Failed";
      seen.denied = seen.denied || reason == "Denied";
      seen.decidedAt = now;
      ev.signals.push_back(
          {now, object + " " + reason + ": " + message, SignalChannel::kRequestFailed});
    }
  };
  requestInformer.addHandlers(
      {[&](const kube::ObjectPtr& c) { onRequest(*c); },
       [&](const kube::ObjectPtr&, const kube::ObjectPtr& c) { onRequest(*c); }, nullptr});
  kube::Informer eventInformer(client, res::kEvent, ns);
  // Events already there when the watch starts are the past; later ones are stamped when seen
  // (an Event's own timestamps have one-second precision). Only Events about this run's objects
  // belong to its story.
  auto onEvent = [&](const json& e) {
    const std::string uid = str(e["metadata"], "uid");
    const std::string key =
        uid + "/" + std::to_string(e["count"].is_number() ? e["count"].get<int>() : 1);
    const auto involved = e.value("involvedObject", json::object());
    // renewal-storm: the copies (<certificate>-storm-<i>) and their requests are the run's too.
    const bool aboutStorm =
        ev.storm && str(involved, "name").rfind(o.certificate.name + "-storm-", 0) == 0;
    if (!aboutStorm &&
        !eventConcernsRun(runObjects, str(involved, "kind"), str(involved, "name"))) {
      return;
    }
    {
      std::lock_guard lock(st.mu);
      if (!st.seenEvents.insert(key).second || !st.eventsSynced) return;
    }
    const auto at = clock.now();
    const std::string object = str(involved, "kind") + " " + ns + "/" + str(involved, "name");
    const std::string reason = str(e, "reason");
    const std::string component = e.contains("source") ? str(e["source"], "component") : "";
    const std::string message = reason + ": " + str(e, "message");
    if (component == "certchaos-issuer" && reason.rfind("Chaos", 0) == 0) {
      timeline.add(Source::kIssuer, kinds::kFaultInjected, message, object, at);
      std::lock_guard lock(st.mu);
      r.proofOfInjection.push_back({scenario->name, report::EvidenceSource::kIssuerEvent,
                                    "Event " + message + " on " + object, at});
    } else {
      const bool conflict = isExpectedCreateConflict(reason, str(e, "message"));
      timeline.add(Source::kKubernetesEvent, "Event",
                   conflict ? message +
                                  " (cert-manager's expected AlreadyExists, retried by it: "
                                  "not counted as a signal)"
                            : message,
                   object, at);
      if (str(e, "type") == "Warning" && !conflict) {
        std::lock_guard lock(st.mu);
        ev.signals.push_back(
            {at, "Warning Event " + message + " on " + object, SignalChannel::kWarningEvent});
      }
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
  // root-rotation: what one client trust made of the served chain, recorded at each change (with
  // st.mu held).
  auto noteTrust = [&](const std::string& trust, const ProbeResult& p, SystemTime now) {
    const std::string serial = p.served ? p.served->serialHex() : "";
    const TrustObservation* last = nullptr;
    for (const auto& t : ev.trustProbes) {
      if (t.trust == trust) last = &t;
    }
    if (last != nullptr && last->ok == p.ok && last->error == p.error &&
        last->servedSerial == serial) {
      return;
    }
    const std::string issuerName = p.served ? p.served->issuerCommonName() : "";
    ev.trustProbes.push_back({now, trust, p.ok, p.error, serial, issuerName});
    if (serial.empty()) return;  // nothing served: the probe's own entries say so
    timeline.add(Source::kProbe, p.ok ? "TrustVerified" : "TrustBroken",
                 "a client trusting " + trust + (p.ok ? " verifies" : " cannot verify") +
                     " serial " + serial + " (issuer CN=" + issuerName + ")" +
                     (p.ok ? "" : ": " + p.error),
                 o.appUrl, now);
  };
  // root-rotation: the same handshake for each ca.crt the Secret held since the run started.
  auto probeLaterTrusts = [&] {
    std::vector<std::pair<std::string, std::string>> trusts;
    {
      std::lock_guard lock(st.mu);
      trusts = st.laterTrusts;
    }
    for (const auto& [label, pem] : trusts) {
      ProbeTarget target = *probeTarget;
      target.trustedCaPem = pem;
      auto p = probeTls(target, std::chrono::seconds(2));
      const auto now = clock.now();
      std::lock_guard lock(st.mu);
      noteTrust(label, p, now);
    }
  };
  auto probeOnce = [&] {
    if (rootRotation) probeLaterTrusts();
    auto p = probeTls(*probeTarget, std::chrono::seconds(2));
    std::optional<ProbeResult> old;
    if (oldClient) old = probeTls(*oldClient, std::chrono::seconds(2));
    const auto now = clock.now();
    std::lock_guard lock(st.mu);
    std::string serial = p.served ? p.served->serialHex() : "";
    if (old) {
      const std::string oldSerial = old->served ? old->served->serialHex() : "";
      auto& seen = ev.oldClientProbes;
      if (seen.empty() || seen.back().ok != old->ok || seen.back().error != old->error ||
          seen.back().servedSerial != oldSerial) {
        seen.push_back({now, old->ok, old->error, oldSerial});
        if (!oldSerial.empty() && oldSerial != ev.baseSerial) {
          timeline.add(Source::kProbe, old->ok ? "OldClientAccepted" : "OldClientRejected",
                       "a client that trusts only the expired root " + ev.oldClientRoot +
                           (old->ok ? " accepts" : " rejects") + " serial " + oldSerial +
                           (old->ok ? "" : ": " + old->error),
                       o.appUrl, now);
        }
      }
    }
    ++ev.probeCount;
    ev.lastProbeAt = now;
    if (ev.probes.empty() || ev.probes.back().ok != p.ok || ev.probes.back().error != p.error ||
        ev.probes.back().servedSerial != serial) {
      ev.probes.push_back({now, p.ok, p.error, serial, p.revoked});
    }
    if (p.revoked && !st.revokedSeenAt) {
      st.revokedSeenAt = now;
      timeline.add(Source::kProbe, "CertificateRevoked",
                   "the served certificate is revoked: " + p.error, o.appUrl, now);
    }
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
      timeline.add(Source::kProbe, kinds::kProbeFailed,
                   "TLS probe failed: " + p.error +
                       (serial.empty() ? "" : " (the served leaf: serial " + serial + ")"),
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
    if (rootRotation) noteTrust(beforeTrust, p, now);
    timeline.wake();
  };
  if (probeTarget) {
    probeOnce();
    // A base just restored reaches the application when it reloads: give it that moment.
    const auto reloadDeadline = clock.now() + std::chrono::seconds(15);
    while (baseRestored && clock.now() < reloadDeadline) {
      {
        std::lock_guard lock(st.mu);
        if (st.lastProbeOk && st.servedSerial == st.secretSerial) break;
      }
      clock.sleepFor(o.probeInterval);
      probeOnce();
    }
    bool baseServed = false;
    std::string why;
    {
      std::lock_guard lock(st.mu);
      baseServed = st.lastProbeOk;
      why = ev.probes.empty() ? "" : ev.probes.back().error;
    }
    if (!baseServed) {
      // Nothing is injected on a base the application does not serve well.
      for (auto* i : {&eventInformer, &requestInformer, secretInformer.get(), certInformer.get()}) {
        i->stop();
      }
      (void)rollback();
      return makeError("PreconditionFailed",
                       "expected the application at " + o.appUrl +
                           " to serve a valid certificate before injecting anything, found: " +
                           why + "; check that it runs and serves " + secretObject +
                           " (--app, --app-server-name), or repair the base with --restore");
    }
    timeline.add(Source::kProbe, kinds::kProbeSucceeded,
                 "base certificate served and valid (serial " + st.servedSerial + ")", o.appUrl);
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
    auto latest = client->get(api::kCertificate, o.certificate.ns, o.certificate.name);
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
  if (auto held = holdApproval(true); !held) {
    probeStop.request_stop();
    (void)rollback();
    return held.error();
  }
  if (!approvalMode.empty()) {
    timeline.add(Source::kRunner, "ApprovalHeld",
                 std::string("approval held for the run's requests (annotation ") +
                     kHoldApprovalAnnotation + ")" +
                     (denyByPolicy ? "; the runner denies them as an approval policy would" : ""),
                 certObject);
  }
  {
    std::lock_guard lock(st.mu);
    st.renewalForcedAt = clock.now();
    ev.renewalForcedAt = st.renewalForcedAt;
    ev.renewalDueAt = st.statusRenewalTime;
  }
  if (auto renewed = forceRenewal(*client, o.certificate.ns, o.certificate.name, clock); !renewed) {
    probeStop.request_stop();
    (void)rollback();
    return renewed.error();
  }
  if (storm) {
    if (auto forced = storm->forceRenewals(clock); !forced) {
      probeStop.request_stop();
      (void)rollback();
      return forced.error();
    }
    std::lock_guard lock(st.mu);
    ev.storm->forcedAt = st.renewalForcedAt;
  }
  timeline.add(Source::kRunner, kinds::kRenewalForced,
               "renewal forced (Issuing=True, reason ManuallyTriggered)" +
                   (storm ? " together with its " + std::to_string(storm->names().size()) +
                                " copies, from " +
                                formatRfc3339(*st.renewalForcedAt, TimePrecision::kMicroseconds) +
                                " to " + formatRfc3339(clock.now(), TimePrecision::kMicroseconds)
                          : std::string()),
               certObject);
  if (scenario->proof == chaos::InjectionEvidence::kRunnerRenewal) {
    std::lock_guard lock(st.mu);
    r.proofOfInjection.push_back({scenario->name, report::EvidenceSource::kRunnerAction,
                                  "renewal of " + certObject + " forced by the runner",
                                  *st.renewalForcedAt});
  }
  say(o, "renewal of " + certObject + " forced; observing");

  // skip-approval, mode=denied: Denied=True on each new request of the run, as an approval
  // policy would write it (the approver leaves a Denied request alone).
  auto denyQueued = [&] {
    std::set<std::string> names;
    {
      std::lock_guard lock(st.mu);
      for (const auto& n : st.toDeny) {
        if (st.deniedByRunner.insert(n).second) names.insert(n);
      }
    }
    for (const auto& name : names) {
      const std::string object = "CertificateRequest " + ns + "/" + name;
      const std::string message =
          "denied by certchaos run skip-approval (mode=denied): the run's "
          "approval policy approves no request";
      // The denial's time is when it was written: the issuer can sign the request, and the
      // request watch see that, before the write's answer comes back here.
      const auto deniedAt = clock.now();
      json status = {
          {"apiVersion", "cert-manager.io/v1"},
          {"kind", "CertificateRequest"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"status",
           {{"conditions", json::array({{{"type", "Denied"},
                                         {"status", "True"},
                                         {"reason", "certchaos.io/policy"},
                                         {"message", message},
                                         {"lastTransitionTime", formatRfc3339(deniedAt)}}})}}}};
      auto denied = client->apply(
          api::kCertificateRequest, status,
          {.fieldManager = kRunnerFieldManager, .force = true, .subresource = "status"});
      timeline.add(Source::kRunner, denied ? "RequestDenied" : "RequestDenyFailed",
                   denied ? message : "could not deny it: " + denied.error().message, object,
                   deniedAt);
    }
  };

  // revoked, response=renew: the runner renews as an operator would, renewAfter after the probe
  // found the served certificate revoked.
  const bool operatorRenews = scenario->name == "revoked" &&
                              parameterOrDefault(*scenario, o.parameters, "response") == "renew";
  std::chrono::nanoseconds operatorDelay{0};
  if (auto after = parseGoDuration(parameterOrDefault(*scenario, o.parameters, "renewAfter"));
      operatorRenews && after) {
    operatorDelay = *after / static_cast<std::int64_t>(o.timeScale);
  }
  bool operatorRenewed = false;
  auto renewAsOperator = [&] {
    if (!operatorRenews || operatorRenewed) return;
    {
      std::lock_guard lock(st.mu);
      if (!st.revokedSeenAt || clock.now() < *st.revokedSeenAt + operatorDelay) return;
    }
    operatorRenewed = true;
    const auto at = clock.now();
    auto renewed = forceRenewal(*client, o.certificate.ns, o.certificate.name, clock);
    std::lock_guard lock(st.mu);
    if (renewed) ev.operatorRenewalAt = at;
    timeline.add(Source::kRunner, renewed ? "OperatorRenewal" : "OperatorRenewalFailed",
                 renewed
                     ? "renewal forced as an operator would after the revocation "
                       "(response=renew, renewAfter " +
                           parameterOrDefault(*scenario, o.parameters, "renewAfter") + " nominal)"
                     : "could not force the renewal: " + renewed.error().message,
                 certObject, at);
  };

  // 6. Observe until the checks decide (and, when recovery comes under the fault, until it is
  // seen), the timeout, the circuit breaker or an abort.
  const auto deadline = std::chrono::steady_clock::now() + o.timeout;
  const std::string noRecoveryUnderFault = chaos::whyNoRecoveryUnderFault(*scenario, o.parameters);
  std::size_t seen = 0;
  bool aborted = false, breaker = false, timedOut = false;
  std::optional<SystemTime> decidedAt;
  for (;;) {
    seen = timeline.waitForNews(seen, std::chrono::milliseconds(250));
    if (abort.stop_requested()) {
      aborted = true;
      break;
    }
    denyQueued();
    renewAsOperator();
    std::lock_guard lock(st.mu);
    if (st.countedRequests > o.maxRequests ||
        (ev.storm && stormFigures(*ev.storm).mostRequests > o.maxRequests)) {
      breaker = true;
      break;
    }
    ev.now = clock.now();
    promoteLastingNotReady(st, ev, /*ended=*/false);
    ev.proofs = r.proofOfInjection;
    auto checked = checkHypothesis(*runChecks, ev);
    if (checked.decided && !decidedAt) {
      decidedAt = ev.now;
      bool anyViolated = false;
      for (const auto& c : checked.checks) {
        anyViolated = anyViolated || c.outcome == report::CheckOutcome::kViolated;
      }
      timeline.add(Source::kRunner, "VerdictDecided",
                   anyViolated ? "the checks decided: a check is violated"
                               : "the checks decided: every check settled",
                   "", ev.now);
    }
    if (decidedAt) {
      // Recovery (the application serving the renewed certificate, valid) is worth waiting for
      // only where it comes while the fault stays on; elsewhere it comes after the rollback.
      const bool recovered = st.renewedServed && st.lastProbeOk;
      if (recovered || !scenario->recoversUnderFault || !probeTarget) break;
      // Nor where the run already shows it cannot come: waiting would only reach the timeout.
      std::string why = noRecoveryUnderFault;
      for (const auto& c : checked.checks) {
        if (why.empty() && c.name == "served-renewal" &&
            c.outcome == report::CheckOutcome::kViolated) {
          why =
              "the application does not serve the renewed certificates (served-renewal "
              "violated): it will not serve one by itself";
        }
      }
      if (!why.empty()) {
        timeline.add(Source::kRunner, "RecoveryNotAwaited", why, "", ev.now);
        break;
      }
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
                     " CertificateRequests during the run (scheduled renewals not counted): "
                     "stopped to protect the cluster");
  }
  if (timedOut) {
    timeline.add(Source::kRunner, "TimedOut",
                 decidedAt
                     ? "verdict decided; recovery not seen within " + formatGoDuration(o.timeout) +
                           " (" + nominal(o.timeout) + " nominal)"
                     : "the checks did not decide within " + formatGoDuration(o.timeout) + " (" +
                           nominal(o.timeout) + " nominal)");
  }
  for (auto* i : {&eventInformer, &requestInformer, secretInformer.get(), certInformer.get()}) {
    i->stop();
  }
  if (ev.storm) {
    std::lock_guard lock(st.mu);
    recordStorm(timeline, *ev.storm, certObject);
  }
  if (ev.issuerRecoveredAt && *ev.issuerRecoveredAt <= endedAt) {
    timeline.add(Source::kIssuer, "IssuerRecovered",
                 "the issuer's outage window ended: it signs again", issuerDescription(chaosOn),
                 *ev.issuerRecoveredAt);
  }

  // 7. Judge on what was seen, then roll back, restore the base, collect, write.
  // (Read before taking the lock: the handlers that gather the evidence take it too.)
  const std::string notOptedInCause = notOptedIn(*client, o.certificate.ns);
  {
    std::lock_guard lock(st.mu);
    ev.now = endedAt;
    promoteLastingNotReady(st, ev, /*ended=*/true);
    ev.ended = true;
    ev.proofs = r.proofOfInjection;
    auto checked = checkHypothesis(*runChecks, ev);
    VerdictInputs in;
    in.hypothesis = scenario->hypothesis;
    in.checks = std::move(checked.checks);
    in.injected = !r.proofOfInjection.empty();
    in.proofNeeded = scenario->proof == chaos::InjectionEvidence::kRunnerRenewal
                         ? "the runner's forced renewal"
                         : "a Chaos* Event from certchaos-issuer on a CertificateRequest";
    if (!in.injected && scenario->proof != chaos::InjectionEvidence::kRunnerRenewal) {
      in.whyNotInjected = notOptedInCause;
    }
    in.aborted = aborted;
    in.circuitBreaker = breaker;
    in.maxRequests = o.maxRequests;
    r.verdict = decideVerdict(in);
  }
  if (auto rolled = rollback(); !rolled) {
    timeline.add(Source::kRunner, "RollbackFailed", rolled.error().message,
                 issuerDescription(chaosOn));
  } else if (aborted && !o.keep) {
    timeline.add(Source::kRunner, "BaseNotRestored",
                 "the run was aborted: the Certificate was not renewed back (run again with "
                 "--restore to repair it)",
                 certObject);
  } else if (!o.keep) {
    // The base restored: the next run starts from a valid certificate of the issuer's own.
    auto now = client->get(res::kSecret, o.certificate.ns, secretName);
    auto leaf = now ? readSecret(*now).leaf : std::nullopt;
    const std::string problem = baseProblem(factsOf(leaf), clock.now(), ownIssuer);
    auto certificateNow = client->get(api::kCertificate, o.certificate.ns, o.certificate.name);
    const bool ready = certificateNow && condition(*certificateNow, "Ready", "status") == "True" &&
                       condition(*certificateNow, "Issuing", "status") != "True";
    // A failed issuance of the run leaves cert-manager backing off (1 h and more in production):
    // Ready with the old certificate, which then expires before cert-manager asks the healthy
    // issuer again, and the next run inherits it.
    const std::string lastFailure =
        certificateNow ? str((*certificateNow).value("status", json::object()), "lastFailureTime")
                       : "";
    // A certificate issued during the run was issued under the fault (a bad profile, a wrong
    // SAN...) even when its dates and CA are sound: the next run must not start on it.
    const bool issuedUnderFault = leaf && leaf->serialHex() != ev.baseSerial;
    if (problem.empty() && ready && lastFailure.empty() && !issuedUnderFault) {
      timeline.add(Source::kRunner, "BaseRestored",
                   "the Certificate is Ready with serial " + leaf->serialHex() +
                       " from the issuer's own CA: nothing to restore",
                   certObject);
    } else {
      auto stuck = deleteRequestsNeverReplaced(*client, o);
      auto renewed =
          stuck ? renewAndWait(client, o, secretName, leaf ? leaf->serialHex() : "", ownIssuer)
                : Result<pki::Certificate>(stuck.error());
      std::string unsettled;
      if (renewed) unsettled = waitCertificateSettled(client, o, renewed->notAfter());
      std::string message;
      if (!renewed) {
        message = renewed.error().message;
      } else {
        message = "renewed with the healthy issuer: serial " + renewed->serialHex() +
                  " (notAfter " + formatRfc3339(renewed->notAfter()) + ")";
        if (problem.empty() && ready && !lastFailure.empty()) {
          message += "; cert-manager was backing off after the failed issuance of " + lastFailure;
        }
        if (problem.empty() && issuedUnderFault) {
          message +=
              "; the Secret held serial " + leaf->serialHex() + ", issued while the fault was on";
        }
        if (!stuck->empty()) {
          message += "; deleted CertificateRequest " + *stuck +
                     " first: it failed without status.failureTime, so cert-manager never "
                     "replaces it and fails every renewal of that revision again on it, without "
                     "asking the issuer";
        }
        if (!unsettled.empty()) {
          message += "; but the Certificate did not settle within " +
                     formatGoDuration(o.restoreTimeout) + ": " + unsettled;
        }
      }
      timeline.add(Source::kRunner,
                   renewed && unsettled.empty() ? "BaseRestored" : "BaseRestoreFailed", message,
                   certObject);
    }
  }
  // Not under `abort`: an aborted run needs its logs most (each read has its own timeout).
  for (const auto& [component, source] : o.logSources) {
    for (auto& log :
         collectLogs(client.get(), component, source, startedAt, result.dir, redactor)) {
      if (!log.path.empty()) r.artifacts.logs.push_back(log.path);
      r.artifacts.logSources.push_back(std::move(log));
    }
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
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.wallTime < b.wallTime; });
  r.timeline = entries;
  r.chain = buildChain(entries, st.renewedServed ? st.servedSerial : "");
  auto injected = timeline.first(kinds::kFaultInjected);
  if (st.firstFailure) {
    r.timeToFailure = *st.firstFailure - (injected ? injected->wallTime : *st.renewalForcedAt);
  }
  if (st.firstFailure && st.recoveredAt) r.timeToRecovery = *st.recoveredAt - *st.firstFailure;
  if (st.recoveredAt && r.verdict.result == report::VerdictResult::kFailed) {
    r.verdict.summary +=
        " The application recovered after " +
        formatGoDuration(std::chrono::duration_cast<std::chrono::seconds>(*r.timeToRecovery)) +
        " (" + nominal(*r.timeToRecovery) + " nominal).";
  }
  r.prediction = predict(*scenario, o.parameters, *cert, o.timeScale, *r.run.certManagerBackoff);
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
  unfinished.finished = true;
  return result;
}

}  // namespace certchaos::scenario
