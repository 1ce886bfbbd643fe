#include "certchaos/chaos/catalog.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "certchaos/chaos/chaos_spec.h"
#include "fault_registry.h"

namespace certchaos::chaos {
namespace {

struct Row {
  int number;
  const char* name;
  const char* injectedBy;
  const char* injects;
  const char* hypothesis;
  const char* motivatedBy;
  ScenarioStatus status;
};

// scenarios.md's catalog. Implemented scenarios preset the fault type of the same name.
constexpr ScenarioStatus kImpl = ScenarioStatus::kImplemented;
constexpr ScenarioStatus kRunner = ScenarioStatus::kRunnerSide;
constexpr ScenarioStatus kPlanned = ScenarioStatus::kPlanned;
const Row kRows[] = {
    {1, "rogue-issuer", "issuer",
     "also sign requests whose issuerRef names another issuer (opt-in namespaces only)",
     "the Certificate ends with a certificate from its own issuer; the rogue signature is "
     "detected",
     "prototype scenario 1; approver-policy", kImpl},
    {2, "skip-approval", "issuer", "sign requests that are not Approved, or are Denied",
     "a denied request never yields a stored certificate", "prototype scenario 2; approval model",
     kImpl},
    {3, "sleep", "issuer",
     "hold the request for a delay (fixed or jittered), then sign; restart-safe, never blocks "
     "other requests",
     "renewal completes before notAfter - margin", "prototype scenario 3; I8", kImpl},
    {4, "hang", "issuer", "never answer (the request stays Pending)",
     "someone is told (Ready/Events/metrics) before expiry", "cert-manager #7895, #3481", kImpl},
    {5, "fail-transient", "issuer",
     "fail the first N attempts, or p % of them (seeded), then "
     "succeed",
     "bounded retries; no storm of requests", "Pebble #399; I7", kImpl},
    {6, "fail-permanent", "issuer",
     "Ready=False, reason=Failed with failureTime and a realistic CA message",
     "the app keeps the still-valid certificate; the failure is visible before expiry",
     "CA outage, I12", kImpl},
    {7, "deny", "issuer", "the request is Denied", "same as 6", "policy rejection", kImpl},
    {8, "fail-no-failure-time", "issuer", "fail without failureTime",
     "the tool shows the resulting loop and its cost", "cert-manager #9327", kImpl},
    {9, "rate-limit", "issuer",
     "after K issuances per window, fail with \"too many certificates, retry after T\"",
     "back-off is honoured; request count bounded", "cert-manager #6383, #3603", kImpl},
    {10, "short-lived", "issuer",
     "issue with validity X whatever was requested (also the time-compression tool)",
     "renewal at ~2/3 of the lifetime; the app reloads each time", "I17; time compression", kImpl},
    {11, "expired", "issuer", "notAfter already in the past (or seconds away)",
     "clients refuse it; alerts fire; cert-manager replaces it", "I1, I2, I4, I8, I10", kImpl},
    {12, "not-yet-valid", "issuer", "notBefore in the future by a skew (clock skew)",
     "tolerance to the skew; clear errors", "I15", kImpl},
    {13, "expired-intermediate", "issuer",
     "leaf valid, intermediate expired (or expiring before the leaf)",
     "chain validation fails visibly; monitoring checks the whole chain", "I3, I6", kImpl},
    {14, "expired-cross-sign", "issuer",
     "valid path plus an extra cross-signed certificate to an expired root",
     "modern clients pass; the report flags old-client risk", "I6, I9", kImpl},
    {15, "incomplete-chain", "issuer", "leaf only, intermediates missing",
     "clients without AIA fetching fail; detected", "badssl incomplete-chain", kImpl},
    {16, "chain-switch", "issuer", "the next issuance uses an alternate intermediate/root",
     "trust bundles already hold the new root", "I11", kImpl},
    {17, "root-rotation", "issuer", "the CA is rotated; ca.crt changes; old root dropped after T",
     "trust propagates; no mTLS outage", "I13", kImpl},
    {18, "untrusted-root", "issuer", "sign with a CA the clients do not trust",
     "fail closed; alert", "CA distrust", kImpl},
    {19, "wrong-san", "issuer", "drop, replace or mismatch a requested DNS/IP SAN",
     "hostname verification fails; cert-manager re-issues", "badssl wrong.host", kImpl},
    {20, "key-mismatch", "issuer", "certificate for a different public key than the CSR's",
     "cert-manager (v1.20+) fails it with backoff; the app never loads it", "cert-manager #8380",
     kImpl},
    {21, "bad-profile", "issuer", "wrong EKU, CA:TRUE leaf, bad keyUsage, or SHA-1",
     "clients reject; the report names the extension", "Rook #10719", kImpl},
    {22, "corrupt", "issuer", "malformed PEM or garbage in status.certificate",
     "failure with backoff, no crash loop in consumers", "webhook-cert corruption", kImpl},
    {23, "backdated", "issuer", "valid certificate whose renewal time is already past",
     "the tool detects and stops the re-issue loop (circuit breaker)", "cert-manager loop hazard",
     kImpl},
    {24, "oversized", "issuer",
     "a chain larger than cert-manager's size limit (330000 bytes of PEM in v1.21), padded with "
     "copies of the CA certificate",
     "failure is visible, not silent", "cert-manager size flags", kImpl},
    {25, "revoked", "issuer+runner",
     "sign with a CRL distribution point, then publish the certificate as revoked in the CRL the "
     "issuer serves; the probe checks revocation (CRL)",
     "a replacement is issued and served within the compliance window (cert-manager reads no "
     "CRL: without response=renew nobody asks for one)",
     "I5, I12", kImpl},
    {26, "renewal-not-loaded", "runner",
     "normal renewal; compare the served certificate with the Secret",
     "the served serial changes before the old notAfter", "I16, cert-manager #1440", kRunner},
    {27, "silent-failure", "runner", "4 or 6 with nobody watching, until expiry - margin",
     "a signal (Ready, Event, metric) existed before expiry; the report names the first missed "
     "one",
     "I1, I8", kRunner},
    {28, "renewal-storm", "issuer+runner",
     "many Certificates on one issuer renew together (10 + 9)",
     "request concurrency bounded; no thundering herd", "I8, rate-limit issues", kRunner},
    {29, "outage-window", "issuer",
     "the CA fails (or hangs) every request for a window from when the issuer takes the "
     "scenario (just before the forced renewal), then is healthy again in the same spec",
     "the Certificate recovers within a short lag of the CA's recovery; the report names what "
     "holds it back (cert-manager's back-off) and the workaround",
     "cert-manager #6378, #7639, #3941; aws-privateca-issuer #424", kImpl},
};

// The checks of each scenario's hypothesis (scenarios.md's "default hypothesis" made testable).
// Margins are nominal (scaled by the run's time scale); grace periods are wall time.
CheckSpec probesValid() {
  return {"probes-valid",
          "the application serves a valid certificate at every probe",
          {{"failures", "0"}}};
}
CheckSpec renewedBeforeExpiry() {
  return {"renewed-before-expiry",
          "the renewed certificate is in use before the old one's notAfter - margin",
          {{"margin", "0s"}}};
}
CheckSpec signalBeforeExpiry() {
  return {"signal-before-expiry",
          "a signal (Certificate Ready=False, a failed or denied CertificateRequest, a Warning "
          "Event) exists before notAfter - margin",
          {{"margin", "0s"}}};
}
CheckSpec maxRequests(int limit) {
  return {"max-requests",
          "at most N CertificateRequests during the run",
          {{"limit", std::to_string(limit)}}};
}
CheckSpec ownIssuerOnly() {
  return {"own-issuer-only", "no certificate from another issuer reaches the Secret", {}};
}
CheckSpec deniedNotStored() {
  return {"denied-not-stored",
          "no certificate signed for a denied or unapproved request reaches the Secret",
          {}};
}
CheckSpec clientsReject(const char* reason) {
  return {"clients-reject", "clients reject the bad certificate, naming why", {{"reason", reason}}};
}
CheckSpec retriedBeforeExpiry() {
  return {"retried-before-expiry",
          "cert-manager retries the failed issuance (after its back-off) before notAfter - margin",
          {{"margin", "0s"}}};
}
CheckSpec servedRenewal() {
  return {"served-renewal",
          "the application serves the renewed certificate within the grace after the Secret "
          "holds it (judged by a probe after the grace)",
          {{"grace", "5s"}}};
}

CheckSpec stormConcurrency() {
  return {"storm-concurrency",
          "at most N CertificateRequests in flight at once for each Certificate of the storm",
          {{"per-certificate", "1"}}};
}
CheckSpec stormRetries(int limit) {
  return {"storm-retries",
          "no Certificate of the storm makes more than N CertificateRequests, and none asks again "
          "sooner than cert-manager's back-off after a failure",
          {{"limit", std::to_string(limit)}}};
}

CheckSpec recoveredWithin() {
  return {"recovered-within",
          "the Secret holds a renewed certificate within the lag after the issuer recovered from "
          "its outage",
          {{"lag", "5m"}}};
}

CheckSpec trustKept() {
  return {"trust-kept",
          "every client trust the run saw (the CA bundle from before the rotation, the Secret's "
          "ca.crt since) verifies the served chain at every probe",
          {}};
}

CheckSpec replacedWithin() {
  return {"replaced-within",
          "a certificate the probe found revoked (CRL) is replaced: another one served, valid and "
          "not revoked, within the window",
          {{"window", "15m"}}};
}

CheckSpec oldClientRisk() {
  return {"old-client-risk",
          "a client that trusts only the expired root rejects the served chain, and the report "
          "names the expired root (old-client risk)",
          {}};
}

CheckSpec trustsNewRoot() {
  return {"trusts-new-root",
          "the trust bundle the clients held before the chain switch holds the new root",
          {}};
}

// Every kind once, at the tolerance a run gets when it adds the check without a value.
std::vector<CheckSpec> checkKindDefaults() {
  return {probesValid(),         renewedBeforeExpiry(), signalBeforeExpiry(), maxRequests(5),
          ownIssuerOnly(),       deniedNotStored(),     clientsReject(""),    servedRenewal(),
          retriedBeforeExpiry(), recoveredWithin(),     trustKept(),          replacedWithin(),
          stormConcurrency(),    stormRetries(3),       oldClientRisk(),      trustsNewRoot()};
}

struct Hypothesis {
  std::vector<CheckSpec> checks;
  InjectionEvidence proof = InjectionEvidence::kIssuerEvent;
  bool recoversUnderFault = false;
};

Hypothesis checked(std::vector<CheckSpec> checks,
                   InjectionEvidence proof = InjectionEvidence::kIssuerEvent,
                   bool recoversUnderFault = false) {
  return {std::move(checks), proof, recoversUnderFault};
}

Hypothesis hypothesisOf(int number) {
  switch (number) {
    case 1:
      return checked({ownIssuerOnly(), maxRequests(3)});
    case 2:
      return checked({deniedNotStored()});
    case 3:
      return checked({renewedBeforeExpiry(), probesValid()}, InjectionEvidence::kIssuerEvent, true);
    case 4:
      return checked({signalBeforeExpiry()});
    case 5:
      return checked({renewedBeforeExpiry(), maxRequests(5)}, InjectionEvidence::kIssuerEvent,
                     true);
    case 6:
      // The production story of a CA outage: visible, the certificate still served, and
      // cert-manager asking again after its back-off while the certificate is still valid.
      return checked({probesValid(), signalBeforeExpiry(), retriedBeforeExpiry()});
    case 7:
    case 20:
      return checked({probesValid(), signalBeforeExpiry()});
    case 8:
    case 9:
      return checked({maxRequests(3), signalBeforeExpiry()});
    case 10:
      return checked({servedRenewal(), probesValid()}, InjectionEvidence::kIssuerEvent, true);
    case 11:
    case 13:
      return checked({clientsReject("expired")});
    case 12:
      return checked({clientsReject("not yet valid")});
    case 14:
      return checked({probesValid(), oldClientRisk()});
    case 15:
      return checked({clientsReject("unable to get local issuer")});
    case 17:
      return checked({trustKept()});
    case 16:
      // Judged on the Secret's new ca.crt, then confirmed by the probes with that trust.
      return checked({trustsNewRoot(), probesValid()});
    case 18:
      return checked({clientsReject("unable to get local issuer|self-signed|self signed")});
    case 19:
      return checked({clientsReject("hostname mismatch|IP address mismatch")});
    case 21:
      return checked({clientsReject("")});
    case 22:
      return checked({probesValid(), signalBeforeExpiry(), maxRequests(5)});
    case 23:
      return checked({maxRequests(5)});
    case 26:
      // An application that does not reload never recovers by itself: no waiting for it.
      return checked({servedRenewal()}, InjectionEvidence::kRunnerRenewal, false);
    case 27:
      return checked({signalBeforeExpiry()});
    case 28:
      // The storm is the runner's doing (renewals forced together); a fault composed with it
      // shows as the issuer's Events too.
      return checked({stormConcurrency(), stormRetries(3)}, InjectionEvidence::kRunnerRenewal);
    case 29:
      // The run waits for the Certificate's recovery, however late, to measure the lag.
      return checked({recoveredWithin()}, InjectionEvidence::kIssuerEvent, true);
    case 24:
      // The failure must show (a failed request, a Warning Event, Ready=False) while the old
      // certificate is still served.
      return checked({signalBeforeExpiry(), probesValid()});
    case 25:
      // The replacement, when something asks for one, comes while the fault stays on.
      return checked({replacedWithin()}, InjectionEvidence::kIssuerEvent, true);
    default:
      return checked({});  // planned scenarios: no checks until they are implemented
  }
}

// silent-failure's knob: which failure the issuer plays "with nobody watching".
constexpr const char* kSilentFailureFault = "fault";
std::vector<ParameterInfo> runnerParameters(int number) {
  if (number == 28) return renewalStormParameters();
  if (number != 27) return {};
  return {param(kSilentFailureFault, ParameterKind::kEnum, "hang",
                "what the issuer does to the run's requests: hang (never answers, as scenario 4) "
                "or fail (fails them for good, as scenario 6)",
                {"hang", "fail"})};
}

std::vector<ParameterInfo> firingParameters() {
  return {param("probability", ParameterKind::kFraction, "1",
                "share of requests the fault applies to (seeded draw per request)"),
          param("seed", ParameterKind::kInteger, "",
                "seed of the draws; default: spec.seed, else random per issuer start")};
}

}  // namespace

std::vector<ParameterInfo> renewalStormParameters() {
  return {
      param(kStormCount, ParameterKind::kInteger, "5",
            "how many Certificates renew together, the one under test included: the run "
            "creates count-1 copies of it in its namespace (label " +
                std::string(kStormLabel) + "), Ready before the storm, deleted after; " +
                std::to_string(kStormMinCount) + " to " + std::to_string(kStormMaxCount),
            {}, true),
      param(kStormFault, ParameterKind::kEnum, "none",
            "faults the issuer composes with the storm: none, rate-limit (after `limit` "
            "issuances per `window`), fail-transient (the first `attempts` of each "
            "Certificate fail), or both",
            {"none", "rate-limit", "fail-transient", "rate-limit+fail-transient"}),
      param("limit", ParameterKind::kInteger, "2", "rate-limit: issuances allowed per window", {},
            true),
      param("window", ParameterKind::kDuration, "1h", "rate-limit: the sliding window", {}, true),
      param("attempts", ParameterKind::kInteger, "1",
            "fail-transient: failed attempts of each Certificate before it is signed", {}, true)};
}

const char* scenarioStatusName(ScenarioStatus status) {
  switch (status) {
    case ScenarioStatus::kImplemented:
      return "implemented";
    case ScenarioStatus::kRunnerSide:
      return "runner";
    case ScenarioStatus::kPlanned:
      return "planned";
  }
  return "planned";
}

const std::vector<FaultTypeInfo>& faultTypeCatalog() {
  static const std::vector<FaultTypeInfo> kTypes = [] {
    std::vector<FaultTypeInfo> out;
    for (const auto* f : faultFactories()) out.push_back(f->info);
    return out;
  }();
  return kTypes;
}

const FaultTypeInfo* findFaultType(std::string_view type) {
  const auto* f = findFaultFactory(type);
  return f != nullptr ? &f->info : nullptr;
}

const std::vector<ScenarioInfo>& scenarioCatalog() {
  static const std::vector<ScenarioInfo> kScenarios = [] {
    std::vector<ScenarioInfo> out;
    for (const auto& r : kRows) {
      ScenarioInfo s;
      s.number = r.number;
      s.name = r.name;
      s.injectedBy = r.injectedBy;
      s.injects = r.injects;
      s.hypothesis = r.hypothesis;
      s.motivatedBy = r.motivatedBy;
      s.status = r.status;
      auto hypothesis = hypothesisOf(r.number);
      s.checks = std::move(hypothesis.checks);
      s.proof = hypothesis.proof;
      s.recoversUnderFault = hypothesis.recoversUnderFault;
      if (r.status == ScenarioStatus::kImplemented) {
        const auto* type = findFaultType(r.name);
        s.faultType = r.name;
        if (type != nullptr) s.parameters = type->parameters;
        for (auto& p : firingParameters()) s.parameters.push_back(std::move(p));
      } else {
        s.parameters = runnerParameters(r.number);
      }
      out.push_back(std::move(s));
    }
    return out;
  }();
  return kScenarios;
}

const ScenarioInfo* findScenario(std::string_view numberOrName) {
  for (const auto& s : scenarioCatalog()) {
    if (s.name == numberOrName || std::to_string(s.number) == numberOrName) return &s;
  }
  return nullptr;
}

Result<IssuerScenario> issuerScenarioFor(const ScenarioInfo& scenario,
                                         const std::map<std::string, std::string>& parameters) {
  if (scenario.status == ScenarioStatus::kImplemented) {
    const std::string where =
        "scenario " + std::to_string(scenario.number) + " (" + scenario.name + ") --set";
    nlohmann::json spec = {{"selfSigned", nlohmann::json::object()}, {"scenario", scenario.name}};
    if (!parameters.empty()) spec["parameters"] = parameters;
    if (auto valid = validateChaosSpec(spec); !valid) {
      return makeError("InvalidSpec", where + ": " + valid.error().message +
                                          "; 'certchaos scenarios -o json' lists its parameters");
    }
    return IssuerScenario{scenario.name, parameters};
  }
  if (scenario.status == ScenarioStatus::kPlanned) {
    return makeError("NotImplemented", "scenario " + std::to_string(scenario.number) + " (" +
                                           scenario.name +
                                           ") is in the catalog but not implemented yet");
  }
  auto parsed = ParameterSet::parse(scenario.parameters, parameters, 1, "--set");
  if (!parsed) {
    // ParameterSet names a knob "<where>.<name>"; on the command line it is "--set <name>".
    std::string message = parsed.error().message;
    for (auto at = message.find("--set."); at != std::string::npos;
         at = message.find("--set.", at)) {
      message[at + 5] = ' ';
    }
    return makeError("InvalidSpec", "scenario " + std::to_string(scenario.number) + " (" +
                                        scenario.name + "): " + message +
                                        "; 'certchaos scenarios -o json' lists its parameters");
  }
  if (scenario.number == 27) {
    return IssuerScenario{parsed->text(kSilentFailureFault) == "hang" ? "hang" : "fail-permanent",
                          {}};
  }
  if (scenario.number == 28) {
    const std::int64_t count = parsed->integer(kStormCount);
    if (count < kStormMinCount || count > kStormMaxCount) {
      return makeError("InvalidSpec", "scenario 28 (renewal-storm) --set count: expected " +
                                          std::to_string(kStormMinCount) + " to " +
                                          std::to_string(kStormMaxCount) +
                                          " Certificates renewing together, found " +
                                          std::to_string(count));
    }
    const std::string& fault = parsed->text(kStormFault);
    const auto& given = parsed->nominal();
    IssuerScenario out;
    if (fault.find("rate-limit") != std::string::npos) {
      out.faults.push_back(
          {"rate-limit", {{"limit", given.at("limit")}, {"window", given.at("window")}}});
    }
    if (fault.find("fail-transient") != std::string::npos) {
      out.faults.push_back({"fail-transient", {{"attempts", given.at("attempts")}}});
    }
    return out;
  }
  return IssuerScenario{};
}

std::string whyNoRecoveryUnderFault(const ScenarioInfo& scenario,
                                    const std::map<std::string, std::string>& parameters) {
  auto value = [&](const std::string& name) {
    if (auto given = parameters.find(name); given != parameters.end()) return given->second;
    for (const auto& p : scenario.parameters) {
      if (p.name == name) return p.defaultValue;
    }
    return std::string();
  };
  if (scenario.recoversUnderFault && scenario.name == "revoked" && value("response") == "none") {
    return "nothing asks for a replacement of the revoked certificate: cert-manager reads no CRL "
           "and the run does not renew (response=none)";
  }
  if (!scenario.recoversUnderFault || scenario.name != "fail-transient") return "";
  if (value("attempts") != "0") return "";
  if (value("mode") == "pending") {
    return "fail-transient fails every attempt (attempts=0) and retries the same request "
           "(mode=pending): the renewal never comes while the fault stays on";
  }
  const std::string probability = value("probability");
  double p = 0;
  std::from_chars(probability.data(), probability.data() + probability.size(), p);
  if (p < 1) return "";  // a later request may not be picked, and then it is signed
  return "fail-transient fails every attempt (attempts=0) of every request (probability 1): the "
         "renewal never comes while the fault stays on";
}

namespace {

nlohmann::json parametersToJson(const std::vector<ParameterInfo>& params) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : params) {
    nlohmann::json j = {{"name", p.name},
                        {"type", parameterKindName(p.kind)},
                        {"default", p.defaultValue},
                        {"description", p.description}};
    if (!p.allowed.empty()) j["allowed"] = p.allowed;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

const std::vector<CheckSpec>& checkCatalog() {
  static const std::vector<CheckSpec> kChecks = checkKindDefaults();
  return kChecks;
}

const CheckSpec* findCheck(std::string_view kind) {
  for (const auto& c : checkCatalog()) {
    if (c.kind == kind) return &c;
  }
  return nullptr;
}

nlohmann::json toJson(const ScenarioInfo& s) {
  nlohmann::json j = {{"number", s.number},
                      {"name", s.name},
                      {"injectedBy", s.injectedBy},
                      {"injects", s.injects},
                      {"hypothesis", s.hypothesis},
                      {"motivatedBy", s.motivatedBy},
                      {"status", scenarioStatusName(s.status)},
                      {"parameters", parametersToJson(s.parameters)}};
  if (!s.faultType.empty()) j["faults"] = nlohmann::json::array({s.faultType});
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : s.checks) {
    checks.push_back(
        {{"name", c.kind}, {"statement", c.statement}, {"tolerance", nlohmann::json(c.tolerance)}});
  }
  j["checks"] = std::move(checks);
  j["proofOfInjection"] =
      s.proof == InjectionEvidence::kRunnerRenewal ? "runner-action" : "issuer-event";
  return j;
}

nlohmann::json toJson(const FaultTypeInfo& t) {
  return {{"type", t.type}, {"summary", t.summary}, {"parameters", parametersToJson(t.parameters)}};
}

nlohmann::json catalogToJson() {
  nlohmann::json scenarios = nlohmann::json::array();
  for (const auto& s : scenarioCatalog()) scenarios.push_back(toJson(s));
  nlohmann::json types = nlohmann::json::array();
  for (const auto& t : faultTypeCatalog()) types.push_back(toJson(t));
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : checkCatalog()) {
    checks.push_back(
        {{"name", c.kind}, {"statement", c.statement}, {"tolerance", nlohmann::json(c.tolerance)}});
  }
  return {{"scenarios", std::move(scenarios)},
          {"faultTypes", std::move(types)},
          {"checks", std::move(checks)}};
}

}  // namespace certchaos::chaos
