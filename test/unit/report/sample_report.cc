#include "sample_report.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace certchaos::report::testing {
namespace {

using namespace std::chrono_literals;

SystemTime at(std::chrono::milliseconds offset) {
  return SystemTime(std::chrono::sys_days(std::chrono::year(2024) / 5 / 1) + 12h) + offset;
}

std::chrono::milliseconds s(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

}  // namespace

Report sampleSleepReport() {
  Report r;
  r.run.id = "20240501-120000-sleep-7f3a";
  r.run.scenario = {3, "sleep", {{"delay", "1h"}}, 42, {{"jitter", "0"}, {"probability", "1"}}};
  r.run.timeScale = 60;
  r.run.cluster = "local (certchaos up)";
  r.run.versions = {{"certchaos", "0.1.0"}, {"cert-manager", "v1.14.4"}, {"kubernetes", "v1.29.3"}};
  r.run.startedAt = at(s(0));
  r.run.endedAt = at(s(68));
  r.run.certManagerBackoff = CertManagerBackoff{
      true, std::chrono::minutes(1), std::chrono::minutes(32),
      "cm-controller of the local plane ran with cert-manager's 1h and 32h divided by 60"};

  r.verdict.result = VerdictResult::kFailed;
  r.verdict.hypothesis =
      "the application keeps serving a valid certificate while the issuer sleeps 1h before signing";
  r.verdict.failingStep = std::string(steps::kProbeFailed);
  r.verdict.summary =
      "the issuer held the renewal for 60 s = 1 h nominal, longer than the certificate had left; "
      "the application served an expired certificate for 15 s = 15 min nominal";

  r.verdict.checks = {
      {"renewed-before-expiry",
       "renewal completes before notAfter - margin",
       {{"margin", "0s"}},
       CheckOutcome::kViolated,
       "no renewed certificate served by 2024-05-01T12:00:50Z (notAfter 12:00:50 - 0s); the "
       "application served serial 3a1f09",
       at(s(50))},
      {"probes-valid",
       "the application serves a valid certificate at every probe",
       {{"failures", "0"}},
       CheckOutcome::kViolated,
       "probe failed: certificate has expired (serial 3a1f09)",
       at(s(51))},
      {"max-requests",
       "at most N CertificateRequests",
       {{"limit", "3"}},
       CheckOutcome::kHeld,
       "1 CertificateRequest during the run, at most 3 allowed",
       at(s(67))},
  };

  r.proofOfInjection = {
      {"sleep", EvidenceSource::kIssuerEvent,
       "ChaosIssuer default/chaos: FaultInjected: sleep 1m0s before signing "
       "CertificateRequest default/demo-2",
       at(s(4))},
      {"sleep", EvidenceSource::kIssuerMetric,
       "certchaos_faults_injected_total{fault=\"sleep\",issuer=\"default/chaos\"} 1", at(s(5))},
  };

  auto add = [&r](double t, Source source, std::string_view kind, std::string message,
                  std::string object = {}) {
    r.timeline.push_back(
        {at(s(t)), {}, source, std::string(kind), std::move(message), std::move(object)});
  };
  add(0, Source::kRunner, kinds::kRunStarted, "run started: scenario 3 sleep, time scale ×60");
  add(1, Source::kApplication, kinds::kCertificateServed,
      "serving certificate serial 3a1f09, notAfter 2024-05-01T12:00:50Z",
      "Secret default/demo-tls");
  add(1.5, Source::kProbe, kinds::kProbeSucceeded, "TLS ok: serial 3a1f09, expires in 48.5 s");
  add(2, Source::kRunner, kinds::kScenarioDeployed,
      "ChaosIssuer default/chaos Ready with scenario 3 (sleep 1h) at generation 2",
      "ChaosIssuer default/chaos");
  add(3, Source::kRunner, kinds::kRenewalForced,
      "set Issuing=True, reason ManuallyTriggered, like cmctl renew", "Certificate default/demo");
  add(3.5, Source::kCertManager, kinds::kRequestCreated, "created CertificateRequest demo-2",
      "CertificateRequest default/demo-2");
  add(3.6, Source::kKubernetesEvent, "Requested",
      "Created new CertificateRequest resource \"demo-2\"", "Certificate default/demo");
  add(4, Source::kIssuer, kinds::kFaultInjected, "fault sleep: holding the request for 1m0s",
      "CertificateRequest default/demo-2");
  add(4, Source::kIssuer, kinds::kRequestHeld, "request held until 2024-05-01T12:01:04Z",
      "CertificateRequest default/demo-2");
  for (double t : {10.0, 20.0, 30.0, 40.0, 49.0}) {
    add(t, Source::kProbe, kinds::kProbeSucceeded, "TLS ok: serial 3a1f09");
  }
  add(50, Source::kRunner, kinds::kCertificateExpired,
      "certificate serial 3a1f09 expired at 2024-05-01T12:00:50Z; no renewal stored yet",
      "Certificate default/demo");
  for (double t : {51.0, 54.0, 57.0, 60.0, 63.0}) {
    add(t, Source::kProbe, kinds::kProbeFailed,
        "tls: failed to verify certificate: x509: certificate has expired or is not yet valid: "
        "current time 2024-05-01T12:00:51Z is after 2024-05-01T12:00:50Z");
  }
  add(64, Source::kIssuer, kinds::kRequestSigned,
      "signed CertificateRequest default/demo-2 after 1m0s: serial 7bc2d4",
      "CertificateRequest default/demo-2");
  add(64.5, Source::kCertManager, kinds::kSecretUpdated,
      "stored the renewed certificate in Secret default/demo-tls", "Secret default/demo-tls");
  add(65, Source::kApplication, kinds::kCertificateServed,
      "serving certificate serial 7bc2d4, notAfter 2024-05-01T12:02:04Z",
      "Secret default/demo-tls");
  add(66, Source::kProbe, kinds::kProbeSucceeded, "TLS ok: serial 7bc2d4, expires in 58 s");
  add(66, Source::kRunner, kinds::kRecovered, "the application serves a valid certificate again");
  add(67, Source::kRunner, kinds::kRolledBack, "ChaosIssuer default/chaos reverted to healthy",
      "ChaosIssuer default/chaos");

  r.chain = {
      {std::string(steps::kFaultInjected), at(s(4)), {}, "issuer sleeps 1h (60 s wall)"},
      {std::string(steps::kRequestHeld), at(s(4)), {}, "CertificateRequest default/demo-2"},
      {std::string(steps::kCertificateExpired), at(s(50)), {}, "serial 3a1f09"},
      {std::string(steps::kProbeFailed), at(s(51)), {}, "x509: certificate has expired"},
      {std::string(steps::kRequestSigned), at(s(64)), {}, "serial 7bc2d4"},
      {std::string(steps::kRenewedServed), at(s(65)), {}, "serial 7bc2d4"},
      {std::string(steps::kRecovered), at(s(66)), {}, ""},
  };

  r.certificates.before = CertificateInfo{"3a1f09",
                                          at(s(-10)),
                                          at(s(50)),
                                          "CN=certchaos chaos CA",
                                          "CN=demo.default.svc",
                                          {"demo.default.svc", "localhost"},
                                          {"127.0.0.1"}};
  r.certificates.after = CertificateInfo{"7bc2d4",
                                         at(s(64)),
                                         at(s(124)),
                                         "CN=certchaos chaos CA",
                                         "CN=demo.default.svc",
                                         {"demo.default.svc", "localhost"},
                                         {"127.0.0.1"}};
  r.timeToFailure = std::chrono::seconds(47);
  r.timeToRecovery = std::chrono::seconds(15);
  r.certificateRequestCount = 2;
  r.circuitBreakerTripped = false;
  r.prediction = Prediction{
      "With 90-day certificates renewed 30 days before expiry, a 1 h signing delay is absorbed: "
      "the certificate still has about 30 days left when the issuer signs. No outage expected.",
      {{"certificateDuration", "2160h0m0s"},
       {"renewBefore", "720h0m0s"},
       {"firstRetryBackoff", "1h0m0s"},
       {"issuerDelay", "1h0m0s"}}};
  r.artifacts.logs = {"runs/20240501-120000-sleep-7f3a/logs/certchaos-issuer.log",
                      "runs/20240501-120000-sleep-7f3a/logs/cert-manager.log",
                      "runs/20240501-120000-sleep-7f3a/logs/demo-app.log",
                      "runs/20240501-120000-sleep-7f3a/logs/events.json"};
  finalizeTimes(r);
  return r;
}

Report minimalReport() {
  Report r;
  r.run.id = "minimal";
  r.run.scenario = {0, "base", {}, 0, {}};
  r.run.startedAt = at(s(0));
  r.run.endedAt = at(s(1));
  r.verdict.result = VerdictResult::kInconclusive;
  r.verdict.hypothesis = "nothing happens";
  return r;
}

bool havePython() { return std::system("python3 -c pass >/dev/null 2>&1") == 0; }

CommandResult runPythonOn(const std::string& script, const std::string& document) {
  CommandResult result;
  char dir[] = "/tmp/certchaos-report-test-XXXXXX";
  if (mkdtemp(dir) == nullptr) return result;
  std::filesystem::path doc = std::filesystem::path(dir) / "document";
  std::filesystem::path code = std::filesystem::path(dir) / "check.py";
  std::ofstream(doc, std::ios::binary) << document;
  std::ofstream(code, std::ios::binary) << script;
  std::string command = "python3 " + code.string() + " " + doc.string() + " 2>&1";
  if (FILE* pipe = popen(command.c_str(), "r")) {
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
      result.output.append(buffer.data(), n);
    int status = pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace certchaos::report::testing
