// Issue 13, "what it must show", for the chain and certificate-content scenarios (13, 15, 18,
// 19, 20, 21, 22, 23) on the real local plane: each run's verdict, the issuer's proof of
// injection and every check's outcome and evidence; where the catalog allows both, a run where
// the system behaves well (passed) and one where it does not (failed); and a run without proof of
// injection is never passed. Runs are at ×120 (the base certificate lives 30 s) and end when
// decided.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <thread>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/kube/base64.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/report/json_schema.h"
#include "certchaos/report/report_json.h"
#include "certchaos/scenario/runner.h"
#include "certchaos/scenario/tls_probe.h"
#include "plane.h"
#include "scenario_base.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
using report::CheckOutcome;
using report::VerdictResult;
using ::testing::HasSubstr;
using ::testing::Not;
namespace res = kube::resources;

constexpr int kFastScale = 120;

struct RunSetup {
  std::map<std::string, std::string> parameters;
  std::string serverName;  // the name the probe verifies; default: the first DNS name
  int maxRequests = 20;
};

RunSetup withSet(std::map<std::string, std::string> parameters, std::string serverName = "") {
  RunSetup out;
  out.parameters = std::move(parameters);
  out.serverName = std::move(serverName);
  return out;
}

class ChainFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }

  // The base, once its application serves the Secret's certificate: the application loads it
  // after it starts listening, and a run refuses to inject on a base not served yet.
  BaseDeployment base(const std::string& prefix, bool optIn = true) {
    BaseDeployment s = deployBase(prefix, {kFastScale, true, optIn});
    EXPECT_FALSE(s.appUrl.empty());
    auto secret = SharedPlane::get().admin()->get(res::kSecret, s.ns, "app-tls");
    EXPECT_TRUE(secret);
    auto target = scenario::parseProbeUrl(s.appUrl);
    if (!secret || !target) return s;
    auto ca = kube::base64Decode((*secret)["data"].value("ca.crt", ""));
    target->serverName = "demo-app." + s.ns + ".svc";
    target->trustedCaPem = ca ? *ca : "";
    scenario::ProbeResult served;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (!(served = scenario::probeTls(*target, std::chrono::seconds(2))).ok &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the app has no watch to offer
    }
    EXPECT_TRUE(served.ok) << "the application never served the base: " << served.error;
    return s;
  }

  // Runs `scenario` on the base, forced at once, and checks the verdict, the proof of injection
  // (the issuer's Event `proofReason`; none expected when empty), the checks' names in order, the
  // issuer rolled back and the base restored. The timeline goes with every failure message.
  std::optional<report::Report> runAndCheck(const BaseDeployment& s, const std::string& scenario,
                                            const RunSetup& run, VerdictResult expected,
                                            const std::string& proofReason,
                                            const std::vector<std::string>& checks) {
    auto o = runOptions(s, scenario, kFastScale, runs_.path());
    o.atRenewalTime = false;
    o.timeout = std::chrono::minutes(2);
    o.parameters = run.parameters;
    o.appServerName = run.serverName;
    o.maxRequests = run.maxRequests;
    auto result = scenario::runScenario(SharedPlane::get().admin(), o);
    if (!result) {
      ADD_FAILURE() << result.error().message;
      return std::nullopt;
    }
    lastRunDir_ = result->dir;
    const auto& r = result->report;
    const std::string all = timelineText(r);
    EXPECT_EQ(r.verdict.result, expected) << r.verdict.summary << "\n" << all;
    if (proofReason.empty()) {
      EXPECT_TRUE(r.proofOfInjection.empty()) << all;
      EXPECT_THAT(r.verdict.summary, HasSubstr("No proof that the fault was injected"));
    } else if (r.proofOfInjection.empty()) {
      ADD_FAILURE() << "no proof of injection\n" << all;
    } else {
      EXPECT_THAT(r.proofOfInjection[0].evidence, HasSubstr("Event " + proofReason)) << all;
    }
    std::vector<std::string> names;
    for (const auto& c : r.verdict.checks) names.push_back(c.name);
    EXPECT_EQ(names, checks) << all;
    const auto k = kindsOf(r);
    // Decided (or stopped by the circuit breaker), not timed out; the issuer healthy again and
    // the base valid for the next run.
    EXPECT_GE(
        std::max(indexOf(k, "VerdictDecided"), indexOf(k, report::kinds::kCircuitBreakerTripped)),
        0)
        << all;
    EXPECT_EQ(indexOf(k, "TimedOut"), -1) << all;
    EXPECT_GE(indexOf(k, "BaseRestored"), 0) << all;
    EXPECT_FALSE(issuerSpec(s).contains("scenario"));
    if (names != checks) return std::nullopt;
    return r;
  }

  json issuerSpec(const BaseDeployment& s) {
    auto issuer = SharedPlane::get().admin()->get(api::kChaosIssuer, s.ns, "chaos");
    EXPECT_TRUE(issuer);
    return issuer ? (*issuer)["spec"] : json();
  }

  // The chain the issuer signed for a request of the run: the first CertificateRequest of the
  // Certificate whose certificate `matches` it.
  std::vector<pki::Certificate> signedChain(
      const BaseDeployment& s,
      const std::function<bool(const std::vector<pki::Certificate>&)>& matches) {
    auto requests = SharedPlane::get().admin()->listAll(api::kCertificateRequest, s.ns);
    EXPECT_TRUE(requests);
    if (!requests) return {};
    for (const auto& cr : requests->items) {
      auto pem = kube::base64Decode(cr.value("status", json::object()).value("certificate", ""));
      if (!pem) continue;
      auto chain = pki::Certificate::chainFromPem(*pem);
      if (chain && !chain->empty() && matches(*chain)) return *chain;
    }
    return {};
  }

  TempDir runs_;
  std::string lastRunDir_;  // the report directory of the last runAndCheck
};

const report::CheckResult& only(const report::Report& r) { return r.verdict.checks.at(0); }

// 13, the intermediate expired an hour ago: clients reject, and the report names the
// intermediate (depth 1, its own serial), not the still-valid leaf.
TEST_F(ChainFaultsTest, ExpiredIntermediateIsRejectedAndNamedAtDepthOne) {
  BaseDeployment s = base("chain-13");
  auto r = runAndCheck(s, "13", {}, VerdictResult::kPassed, "ChaosExpiredIntermediate",
                       {"clients-reject"});
  ASSERT_TRUE(r);
  const auto& check = only(*r);
  EXPECT_EQ(check.outcome, CheckOutcome::kHeld) << check.evidence;
  auto chain = signedChain(s, [](const auto& c) {
    return c.size() >= 2 && c[1].notAfter() < std::chrono::system_clock::now();
  });
  ASSERT_GE(chain.size(), 2u) << "no request of the run holds the expired intermediate";
  EXPECT_THAT(check.evidence,
              HasSubstr("certificate has expired at depth 1 (a CA certificate CN=" +
                        chain[1].subjectCommonName() + ", serial " + chain[1].serialHex()));
  EXPECT_THAT(check.evidence, HasSubstr("a client rejected serial " + chain[0].serialHex()));
  EXPECT_THAT(check.evidence, Not(HasSubstr("at depth 0")));
}

// 13 with the intermediate expiring halfway through the leaf's life: today's clients accept the
// chain, nothing fails visibly, and the hypothesis does not hold.
TEST_F(ChainFaultsTest, IntermediateExpiringBeforeTheLeafIsAcceptedSilently) {
  auto r = runAndCheck(base("chain-13b"), "expired-intermediate",
                       withSet({{"mode", "expires-before-leaf"}}), VerdictResult::kFailed,
                       "ChaosExpiredIntermediate", {"clients-reject"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.failingStep, "clients-reject");
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kViolated) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence, HasSubstr("a client accepted the bad certificate, serial"));
}

// 15: the leaf alone; a client without AIA fetching cannot build the path.
TEST_F(ChainFaultsTest, IncompleteChainIsRejected) {
  BaseDeployment s = base("chain-15");
  auto r =
      runAndCheck(s, "15", {}, VerdictResult::kPassed, "ChaosIncompleteChain", {"clients-reject"});
  ASSERT_TRUE(r);
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kHeld) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence,
              HasSubstr("unable to get local issuer certificate at depth 0 (the leaf"));
}

// 18: signed by a CA the clients do not trust: they fail closed.
TEST_F(ChainFaultsTest, UntrustedRootFailsClosed) {
  auto r = runAndCheck(base("chain-18"), "untrusted-root", {}, VerdictResult::kPassed,
                       "ChaosUntrustedRoot", {"clients-reject"});
  ASSERT_TRUE(r);
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kHeld) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence, HasSubstr("a client rejected serial"));
}

// Where the namespace did not opt in, the issuer signs a sound certificate; the client accepts
// it, which violates clients-reject, but without proof of injection that says nothing about the
// fault: inconclusive, never passed (nor failed).
TEST_F(ChainFaultsTest, UntrustedRootWithoutInjectionIsNeverPassed) {
  auto r = runAndCheck(base("chain-18-none", false), "18", {}, VerdictResult::kInconclusive, "",
                       {"clients-reject"});
  ASSERT_TRUE(r);
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kViolated) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence, HasSubstr("a client accepted the bad certificate"));
  EXPECT_THAT(r->verdict.summary, HasSubstr("does not opt in to chaos"));
}

// 19, replace: the names the client asked for are gone; the report says which name it asked
// for and which the certificate holds.
TEST_F(ChainFaultsTest, WrongSanReplaceFailsHostnameVerificationNamingTheMissingName) {
  BaseDeployment s = base("chain-19");
  auto r = runAndCheck(s, "19", withSet({{"mode", "replace"}}), VerdictResult::kPassed,
                       "ChaosWrongSan", {"clients-reject"});
  ASSERT_TRUE(r);
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kHeld) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence, HasSubstr("hostname mismatch at depth 0 (the leaf"));
  EXPECT_THAT(only(*r).evidence,
              HasSubstr("the client asked for demo-app." + s.ns +
                        ".svc; the certificate names DNS:wrong.certchaos.invalid, "
                        "IP:192.0.2.1"));
}

// 19, drop, against a client that connects by IP: the dropped name is the DNS one, the IP SAN
// the client checks is still there, so it accepts; hostname verification did not fail and the
// hypothesis does not hold for this client.
TEST_F(ChainFaultsTest, WrongSanDropIsAcceptedByAClientThatChecksTheIp) {
  auto r = runAndCheck(base("chain-19b"), "wrong-san", withSet({{"mode", "drop"}}, "127.0.0.1"),
                       VerdictResult::kFailed, "ChaosWrongSan", {"clients-reject"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.failingStep, "clients-reject");
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kViolated) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence, HasSubstr("a client accepted the bad certificate, serial"));
}

// 21, eku: extendedKeyUsage codeSigning only; clients reject, and the report names the
// extension.
TEST_F(ChainFaultsTest, BadProfileEkuIsRejectedNamingTheExtension) {
  auto r = runAndCheck(base("chain-21"), "21", withSet({{"mode", "eku"}}), VerdictResult::kPassed,
                       "ChaosBadProfile", {"clients-reject"});
  ASSERT_TRUE(r);
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kHeld) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence, HasSubstr("unsuitable certificate purpose at depth 0 (the leaf"));
  EXPECT_THAT(only(*r).evidence, HasSubstr("X509v3 Extended Key Usage: Code Signing"));
}

// 21, key-usage: keyUsage cRLSign only; the report names that extension.
TEST_F(ChainFaultsTest, BadProfileKeyUsageIsRejectedNamingTheExtension) {
  auto r = runAndCheck(base("chain-21b"), "bad-profile", withSet({{"mode", "key-usage"}}),
                       VerdictResult::kPassed, "ChaosBadProfile", {"clients-reject"});
  ASSERT_TRUE(r);
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kHeld) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence, HasSubstr("X509v3 Key Usage: CRL Sign"));
}

// 21, sha1: the application loads the SHA-1 certificate and its TLS stack refuses to use it:
// every handshake fails and no client ever sees the certificate. The run says so as soon as
// the failure lasts (it used to wait for a served bad certificate until the timeout).
TEST_F(ChainFaultsTest, BadProfileSha1LeavesTheApplicationUnableToHandshake) {
  auto r = runAndCheck(base("chain-21d"), "bad-profile", withSet({{"mode", "sha1"}}),
                       VerdictResult::kPassed, "ChaosBadProfile", {"clients-reject"});
  ASSERT_TRUE(r);
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kHeld) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence, HasSubstr("presents no certificate: every handshake fails"));
  EXPECT_GE(indexOf(kindsOf(*r), report::kinds::kSecretUpdated), 0) << timelineText(*r);
}

// 21, ca-leaf: CA:TRUE on the leaf. A default OpenSSL client does not check it on a server
// certificate: it accepts, and the hypothesis does not hold.
TEST_F(ChainFaultsTest, BadProfileCaLeafIsAcceptedByADefaultClient) {
  auto r = runAndCheck(base("chain-21c"), "bad-profile", withSet({{"mode", "ca-leaf"}}),
                       VerdictResult::kFailed, "ChaosBadProfile", {"clients-reject"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.failingStep, "clients-reject");
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kViolated) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence, HasSubstr("a client accepted the bad certificate, serial"));
}

// 20: cert-manager refuses a certificate for another key, visibly; the application keeps the
// valid certificate it had.
TEST_F(ChainFaultsTest, KeyMismatchIsRefusedVisiblyAndTheAppKeepsItsCertificate) {
  auto r = runAndCheck(base("chain-20"), "20", {}, VerdictResult::kPassed, "ChaosKeyMismatch",
                       {"probes-valid", "signal-before-expiry"});
  ASSERT_TRUE(r);
  const auto& checks = r->verdict.checks;
  EXPECT_EQ(checks[0].outcome, CheckOutcome::kHeld) << checks[0].evidence;
  EXPECT_THAT(checks[0].evidence, HasSubstr("every one valid"));
  EXPECT_EQ(checks[1].outcome, CheckOutcome::kHeld) << checks[1].evidence;
  EXPECT_THAT(checks[1].evidence, HasSubstr("InvalidCertificate"));
  const auto k = kindsOf(*r);
  EXPECT_EQ(indexOf(k, report::kinds::kSecretUpdated), -1) << timelineText(*r);
  // Decided once cert-manager refused it and the application kept its certificate a while, not
  // when the base expired under cert-manager's back-off.
  const int refused = indexOf(k, "IssuanceFailed");
  ASSERT_GE(refused, 0) << timelineText(*r);
  EXPECT_THAT(r->timeline[refused].message,
              HasSubstr("Issuing=False/InvalidCertificate: The certificate request has failed to "
                        "complete and will be retried: Issuer returned a certificate with a public "
                        "key that does not match the CSR"));
  EXPECT_EQ(indexOf(k, report::kinds::kCertificateExpired), -1) << timelineText(*r);
}

// 22: garbage in status.certificate; cert-manager fails the issuance with back-off, the
// application keeps its certificate, no storm of requests.
TEST_F(ChainFaultsTest, CorruptCertificateFailsWithBackoffAndTheAppKeepsItsCertificate) {
  auto r =
      runAndCheck(base("chain-22"), "22", withSet({{"mode", "garbage"}}), VerdictResult::kPassed,
                  "ChaosCorrupt", {"probes-valid", "signal-before-expiry", "max-requests"});
  ASSERT_TRUE(r);
  const auto& checks = r->verdict.checks;
  EXPECT_EQ(checks[0].outcome, CheckOutcome::kHeld) << checks[0].evidence;
  EXPECT_EQ(checks[1].outcome, CheckOutcome::kHeld) << checks[1].evidence;
  EXPECT_EQ(checks[2].outcome, CheckOutcome::kHeld) << checks[2].evidence;
  EXPECT_THAT(checks[2].evidence, HasSubstr("1 CertificateRequest(s) during the run"));
  const auto k = kindsOf(*r);
  EXPECT_EQ(indexOf(k, report::kinds::kSecretUpdated), -1) << timelineText(*r);
  const int refused = indexOf(k, "IssuanceFailed");
  ASSERT_GE(refused, 0) << timelineText(*r);
  EXPECT_THAT(r->timeline[refused].message,
              HasSubstr("Issuing=False/InvalidCertificate: The certificate request has failed to "
                        "complete and will be retried: Issuer returned an invalid certificate: "
                        "failed to decode"));
  EXPECT_EQ(indexOf(k, report::kinds::kCertificateExpired), -1) << timelineText(*r);
}

// 22, bad-signature: the certificate parses and certifies the right key, so cert-manager stores
// it; the application loads it and its clients fail on the signature: the consumers are not
// protected, and the hypothesis does not hold.
TEST_F(ChainFaultsTest, CorruptSignatureReachesTheAppAndFailsItsClients) {
  auto r = runAndCheck(base("chain-22b"), "corrupt", withSet({{"mode", "bad-signature"}}),
                       VerdictResult::kFailed, "ChaosCorrupt",
                       {"probes-valid", "signal-before-expiry", "max-requests"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.failingStep, "probes-valid");
  const auto& checks = r->verdict.checks;
  EXPECT_EQ(checks[0].outcome, CheckOutcome::kViolated) << checks[0].evidence;
  EXPECT_THAT(checks[0].evidence, HasSubstr("certificate signature failure at depth 0"));
  EXPECT_GE(indexOf(kindsOf(*r), report::kinds::kSecretUpdated), 0) << timelineText(*r);
}

// 23, 90 % of the lifetime already gone at issuance: the renewal time is past as soon as the
// certificate is stored, cert-manager re-issues in a loop, and the run stops it.
TEST_F(ChainFaultsTest, BackdatedLoopIsDetectedAndStopped) {
  BaseDeployment s = base("chain-23");
  auto r = runAndCheck(s, "23", {}, VerdictResult::kFailed, "ChaosBackdated", {"max-requests"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.failingStep, "max-requests");
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kViolated) << only(*r).evidence;
  EXPECT_THAT(only(*r).evidence, HasSubstr("at most 5 allowed; number 6"));
}

// 23 with the breaker set below the check's limit (one request: the loop's first re-issue
// trips it): the circuit breaker stops the loop.
TEST_F(ChainFaultsTest, BackdatedLoopTripsTheCircuitBreaker) {
  RunSetup run;
  run.maxRequests = 1;
  auto r = runAndCheck(base("chain-23b"), "backdated", run, VerdictResult::kFailed,
                       "ChaosBackdated", {"max-requests"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.failingStep, "circuit-breaker");
  EXPECT_TRUE(r->circuitBreakerTripped);
}

// 23 with a little of the lifetime gone (10 %): the renewal time stays ahead, no loop.
TEST_F(ChainFaultsTest, SlightlyBackdatedCertificateIsNoLoop) {
  auto r = runAndCheck(base("chain-23c"), "23", withSet({{"elapsed", "0.1"}}),
                       VerdictResult::kPassed, "ChaosBackdated", {"max-requests"});
  ASSERT_TRUE(r);
  EXPECT_EQ(only(*r).outcome, CheckOutcome::kHeld) << only(*r).evidence;
}

// The report of the last run in every rendering: each names the checks and their outcome, the
// JSON validates against its schema and parses back, and the JUnit file has a failure exactly
// when the verdict failed; no private key anywhere.
void checkRenderings(const std::string& dir, const report::Report& r) {
  for (const char* f : {"report.txt", "report.md", "report.html", "report.xml"}) {
    const std::string text = readFile(dir + "/" + f);
    for (const auto& c : r.verdict.checks) EXPECT_THAT(text, HasSubstr(c.name)) << f;
    if (!r.verdict.failingStep.empty()) {
      EXPECT_THAT(text, HasSubstr(r.verdict.failingStep)) << f;
    }
    EXPECT_THAT(text, Not(HasSubstr("PRIVATE KEY"))) << f;
  }
  const std::string jsonText = readFile(dir + "/report.json");
  EXPECT_THAT(jsonText, Not(HasSubstr("PRIVATE KEY")));
  EXPECT_TRUE(report::validateReportJson(json::parse(jsonText)));
  auto parsed = report::parseReport(jsonText);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->verdict.result, r.verdict.result);
  EXPECT_EQ(parsed->verdict.failingStep, r.verdict.failingStep);
  const std::string junit = readFile(dir + "/report.xml");
  EXPECT_EQ(junit.find("<failure") != std::string::npos, r.verdict.result == VerdictResult::kFailed)
      << junit;
}

// 14: the served chain is leaf + the issuer's root cross-signed by an expired root. The modern
// client (ca.crt) passes at every probe; the old client, whose store holds only the expired root,
// rejects the certificate for the expired root, and the report says so: old-client risk.
TEST_F(ChainFaultsTest, ExpiredCrossSignPassesModernClientsAndFlagsOldClientRisk) {
  BaseDeployment s = base("chain-14");
  auto r = runAndCheck(s, "14", {}, VerdictResult::kPassed, "ChaosExpiredCrossSign",
                       {"probes-valid", "old-client-risk"});
  ASSERT_TRUE(r);
  const std::string all = timelineText(*r);
  auto chain = signedChain(s, [](const auto& c) {
    return c.size() == 2 && c[1].issuerCommonName() == "certchaos expired cross-sign root";
  });
  ASSERT_EQ(chain.size(), 2u) << "no request of the run holds the cross-signed certificate";
  EXPECT_EQ(chain[1].subjectCommonName(), chain[0].issuerCommonName());
  EXPECT_LT(chain[1].notAfter(), std::chrono::system_clock::now());
  const auto* modern = checkNamed(*r, "probes-valid");
  EXPECT_EQ(modern->outcome, CheckOutcome::kHeld) << modern->evidence;
  const auto* old = checkNamed(*r, "old-client-risk");
  EXPECT_EQ(old->outcome, CheckOutcome::kHeld) << old->evidence;
  for (const std::string& part : std::vector<std::string>{
           "old-client risk", "CN=certchaos expired cross-sign root",
           "rejects serial " + chain[0].serialHex(), "certificate has expired"}) {
    EXPECT_THAT(old->evidence, HasSubstr(part)) << all;
  }
  const auto k = kindsOf(*r);
  EXPECT_GE(indexOf(k, "ClientTrust"), 0) << all;
  EXPECT_GE(indexOf(k, "OldClientRejected"), 0) << all;
  EXPECT_EQ(indexOf(k, "OldClientAccepted"), -1) << all;
  checkRenderings(lastRunDir_, *r);
}

// 16 with the new root announced to the clients before the switch (the default): the renewed
// certificate comes from the alternate chain, ca.crt becomes the new root, and the clients,
// already holding it, keep verifying.
TEST_F(ChainFaultsTest, ChainSwitchPassesWhenTheClientsAlreadyHoldTheNewRoot) {
  BaseDeployment s = base("chain-16");
  auto r = runAndCheck(s, "16", {}, VerdictResult::kPassed, "ChaosChainSwitch",
                       {"trusts-new-root", "probes-valid"});
  ASSERT_TRUE(r);
  auto chain = signedChain(s, [](const auto& c) {
    return c.size() == 2 && c[0].issuerCommonName() == "certchaos alternate intermediate";
  });
  ASSERT_EQ(chain.size(), 2u) << "no request of the run was signed by the alternate chain";
  const auto* trusts = checkNamed(*r, "trusts-new-root");
  EXPECT_EQ(trusts->outcome, CheckOutcome::kHeld) << trusts->evidence;
  EXPECT_THAT(trusts->evidence, HasSubstr("already held the new root CN=certchaos alternate root"));
  EXPECT_THAT(trusts->evidence, HasSubstr("serial " + chain[0].serialHex()));
  EXPECT_THAT(trusts->evidence, HasSubstr("a client with that bundle verified it at"));
  EXPECT_EQ(checkNamed(*r, "probes-valid")->outcome, CheckOutcome::kHeld);
  ASSERT_TRUE(r->certificates.after);
  EXPECT_EQ(r->certificates.after->serial, chain[0].serialHex());
  checkRenderings(lastRunDir_, *r);
}

// 16 with clients that hold only the current root: the check names the root they miss, judged
// once the application serves the switched certificate, and the probes confirm it as a TLS
// client sees it.
TEST_F(ChainFaultsTest, ChainSwitchFailsNamingTheNewRootTheClientsLack) {
  auto r =
      runAndCheck(base("chain-16b"), "chain-switch", withSet({{"clientsTrust", "old-root-only"}}),
                  VerdictResult::kFailed, "ChaosChainSwitch", {"trusts-new-root", "probes-valid"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict.failingStep, "trusts-new-root") << r->verdict.summary;
  const auto* trusts = checkNamed(*r, "trusts-new-root");
  EXPECT_EQ(trusts->outcome, CheckOutcome::kViolated) << trusts->evidence;
  EXPECT_THAT(trusts->evidence, HasSubstr("did not hold the new root CN=certchaos alternate root"));
  EXPECT_THAT(trusts->evidence, HasSubstr("a client with that bundle rejected it at"));
  EXPECT_THAT(trusts->evidence, HasSubstr("unable to get local issuer certificate"));
  const auto* probes = checkNamed(*r, "probes-valid");
  EXPECT_EQ(probes->outcome, CheckOutcome::kViolated) << probes->evidence;
  EXPECT_THAT(probes->evidence, HasSubstr("unable to get local issuer certificate"));
  checkRenderings(lastRunDir_, *r);
}

// A bad clientsTrust is refused before anything is deployed, naming parameter, value and range.
TEST_F(ChainFaultsTest, ChainSwitchRefusesAnUnknownClientsTrust) {
  BaseDeployment s = base("chain-16c");
  auto o = runOptions(s, "16", kFastScale, runs_.path());
  o.parameters = {{"clientsTrust", "everyone"}};
  auto result = scenario::runScenario(SharedPlane::get().admin(), o);
  ASSERT_FALSE(result);
  for (const char* part : {"clientsTrust", "everyone", "old-and-new-root", "old-root-only"}) {
    EXPECT_THAT(result.error().message, HasSubstr(part));
  }
  EXPECT_FALSE(issuerSpec(s).contains("scenario"));
}

}  // namespace
}  // namespace certchaos::testing
