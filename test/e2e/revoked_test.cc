// Scenario 25 (revoked) end to end through the certchaos CLI on the real local plane: the issuer
// signs the renewal with a CRL distribution point naming the CRL it serves on its loopback
// listener, then lists the certificate there as revoked; the runner's probe fetches that CRL and
// verifies with X509_V_FLAG_CRL_CHECK, as a client that checks revocation does. cert-manager reads
// no CRL: left alone, nothing replaces the revoked certificate (failed); an operator's renewal
// within the compliance window passes, one after it fails; bad windows are refused up front.
#include <gtest/gtest.h>

#include <filesystem>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/kube/base64.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/report/json_schema.h"
#include "certchaos/report/report_json.h"
#include "plane.h"
#include "scenario_base.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
using report::CheckOutcome;
using report::VerdictResult;
namespace res = kube::resources;
namespace fs = std::filesystem;

// The base certificate (1h nominal) lives 30 s; the default revokeAfter (5m) is 2.5 s, the
// default compliance window (15m) 7.5 s: it ends before the renewed certificate's own renewal
// time (15 s after it was signed), so only a response to the revocation can replace it in time.
constexpr int kScale = 120;

CliRun runRevoked(const BaseDeployment& b, const std::string& runsDir,
                  const std::vector<std::string>& sets) {
  return runCli(b, "revoked", kScale, "90s", sets, runsDir);
}

// The leaf the Secret holds now.
std::optional<pki::Certificate> secretLeaf(const BaseDeployment& b) {
  auto secret = SharedPlane::get().admin()->get(res::kSecret, b.ns, "app-tls");
  if (!secret) return std::nullopt;
  auto pem = kube::base64Decode((*secret)["data"].value("tls.crt", ""));
  if (!pem) return std::nullopt;
  auto chain = pki::Certificate::chainFromPem(*pem);
  if (!chain || chain->empty()) return std::nullopt;
  return chain->front();
}

void expectRenderingsName(const CliRun& run, const std::string& what) {
  for (const char* file : {"report.txt", "report.md", "report.html", "report.xml"}) {
    EXPECT_NE(readFile(run.dir + "/" + file).find(what), std::string::npos) << file;
  }
}

class RevokedTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }
  TempDir runs_;
};

// cert-manager alone (response=none): the renewed certificate is served, then found revoked in the
// issuer's CRL, and nothing asks for a replacement: failed at the end of the window, naming why.
TEST_F(RevokedTest, CertManagerAloneNeverReplacesTheRevokedCertificate) {
  BaseDeployment b = deployBase("revoked-alone", BaseOptions{kScale, true, true, "1h"});
  ASSERT_FALSE(b.appUrl.empty());
  auto run = runRevoked(b, runs_.path(), {});
  ASSERT_TRUE(run.report) << run.output.output;
  const auto& r = *run.report;
  const std::string all = timelineText(r);
  EXPECT_EQ(run.output.exitCode, 10) << run.output.output;
  EXPECT_EQ(r.verdict.result, VerdictResult::kFailed) << r.verdict.summary << "\n" << all;
  EXPECT_EQ(r.verdict.failingStep, "replaced-within");
  ASSERT_FALSE(r.proofOfInjection.empty()) << all;
  EXPECT_NE(r.proofOfInjection[0].evidence.find("ChaosRevoked"), std::string::npos)
      << r.proofOfInjection[0].evidence;
  EXPECT_NE(r.proofOfInjection[0].evidence.find("/crl/ChaosIssuer/" + b.ns + "/chaos.crl"),
            std::string::npos)
      << r.proofOfInjection[0].evidence;

  // Served first (valid), then found revoked by the probe's CRL check.
  const auto* served = firstEntry(r, report::kinds::kCertificateServed);
  const auto* revoked = firstEntry(r, "CertificateRevoked");
  ASSERT_NE(served, nullptr) << all;
  ASSERT_NE(revoked, nullptr) << all;
  EXPECT_LT(served->wallTime, revoked->wallTime) << all;
  EXPECT_NE(revoked->message.find("certificate revoked at depth 0"), std::string::npos)
      << revoked->message;
  EXPECT_EQ(firstEntry(r, "OperatorRenewal"), nullptr) << all;
  EXPECT_NE(firstEntry(r, "RecoveryNotAwaited"), nullptr) << all;
  EXPECT_EQ(firstEntry(r, "TimedOut"), nullptr) << all;

  const auto* c = checkNamed(r, "replaced-within");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->outcome, CheckOutcome::kViolated) << c->evidence;
  for (const char* part :
       {"was served revoked (CRL)", "no replacement served within the window",
        "window 15m nominal, 7.5s wall", "none was issued", "cert-manager reads no CRL"}) {
    EXPECT_NE(c->evidence.find(part), std::string::npos) << part << " in: " << c->evidence;
  }
  ASSERT_TRUE(r.prediction);
  EXPECT_NE(r.prediction->text.find("never reads the CRL"), std::string::npos);
  expectRenderingsName(run, "replaced-within");
  expectRenderingsName(run, "CertificateRevoked");

  // The base restored: a certificate of the healthy issuer, without a distribution point.
  EXPECT_NE(firstEntry(r, "BaseRestored"), nullptr) << all;
  auto leaf = secretLeaf(b);
  ASSERT_TRUE(leaf);
  EXPECT_TRUE(leaf->crlDistributionPoints().empty());
  // Never a private key in the report.
  for (const char* file : {"report.json", "report.txt", "report.md", "report.html", "report.xml"}) {
    EXPECT_EQ(readFile(run.dir + "/" + file).find("PRIVATE KEY"), std::string::npos) << file;
  }
}

// response=renew, renewAfter 2m (1 s): the runner renews as an operator would; the replacement
// (signed by the same chaotic issuer, not revoked: the scenario revokes only the first) is served
// and passes the CRL check within the window.
TEST_F(RevokedTest, OperatorRenewalWithinTheWindowPasses) {
  BaseDeployment b = deployBase("revoked-renew", BaseOptions{kScale, true, true, "1h"});
  ASSERT_FALSE(b.appUrl.empty());
  auto run = runRevoked(b, runs_.path(), {"response=renew", "renewAfter=2m"});
  ASSERT_TRUE(run.report) << run.output.output;
  const auto& r = *run.report;
  const std::string all = timelineText(r);
  EXPECT_EQ(run.output.exitCode, 0) << run.output.output;
  EXPECT_EQ(r.verdict.result, VerdictResult::kPassed) << r.verdict.summary << "\n" << all;
  const auto* revoked = firstEntry(r, "CertificateRevoked");
  const auto* renewed = firstEntry(r, "OperatorRenewal");
  ASSERT_NE(revoked, nullptr) << all;
  ASSERT_NE(renewed, nullptr) << all;
  EXPECT_GE(renewed->wallTime - revoked->wallTime, std::chrono::seconds(1)) << all;
  const auto* c = checkNamed(r, "replaced-within");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->outcome, CheckOutcome::kHeld) << c->evidence;
  for (const char* part : {"the Secret held replacement serial",
                           "the application served "
                           "replacement serial",
                           "(not revoked)", "the runner renewed as an operator would"}) {
    EXPECT_NE(c->evidence.find(part), std::string::npos) << part << " in: " << c->evidence;
  }
  EXPECT_EQ(firstEntry(r, "TimedOut"), nullptr) << all;
  expectRenderingsName(run, "replaced-within");
}

// An operator slower than the window (renewAfter 20m > window 15m): the replacement comes, but
// late: failed, with the replacement's times in the evidence.
TEST_F(RevokedTest, OperatorRenewalAfterTheWindowFails) {
  BaseDeployment b = deployBase("revoked-late", BaseOptions{kScale, true, true, "1h"});
  ASSERT_FALSE(b.appUrl.empty());
  auto run = runRevoked(b, runs_.path(), {"response=renew", "renewAfter=20m", "window=5m"});
  ASSERT_TRUE(run.report) << run.output.output;
  const auto& r = *run.report;
  const std::string all = timelineText(r);
  EXPECT_EQ(run.output.exitCode, 10) << run.output.output;
  EXPECT_EQ(r.verdict.result, VerdictResult::kFailed) << r.verdict.summary << "\n" << all;
  EXPECT_EQ(r.verdict.failingStep, "replaced-within");
  const auto* c = checkNamed(r, "replaced-within");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->outcome, CheckOutcome::kViolated) << c->evidence;
  EXPECT_NE(c->evidence.find("window 5m nominal, 2.5s wall"), std::string::npos) << c->evidence;
}

// Bad parameters are refused before anything is injected, naming the parameter, the value and
// the range; the issuer is left as it was.
TEST_F(RevokedTest, BadWindowsAreRefusedNamingParameterValueAndRange) {
  BaseDeployment b = deployBase("revoked-bad", BaseOptions{kScale, true, true, "1h"});
  ASSERT_FALSE(b.appUrl.empty());
  auto tooLong = runRevoked(b, runs_.path(), {"window=2h"});
  EXPECT_NE(tooLong.output.exitCode, 0);
  EXPECT_FALSE(tooLong.report);
  for (const char* part : {"--set window", "\"2h\"", "lifetime (1h0m0s nominal"}) {
    EXPECT_NE(tooLong.output.output.find(part), std::string::npos)
        << part << " in: " << tooLong.output.output;
  }
  auto negative = runRevoked(b, runs_.path(), {"window=-15m"});
  EXPECT_NE(negative.output.exitCode, 0);
  for (const char* part : {"window", "positive duration", "\"-15m\""}) {
    EXPECT_NE(negative.output.output.find(part), std::string::npos)
        << part << " in: " << negative.output.output;
  }
  auto mode = runRevoked(b, runs_.path(), {"response=ignore"});
  EXPECT_NE(mode.output.exitCode, 0);
  for (const char* part : {"response", "none, renew", "\"ignore\""}) {
    EXPECT_NE(mode.output.output.find(part), std::string::npos)
        << part << " in: " << mode.output.output;
  }
  auto issuer = SharedPlane::get().admin()->get(api::kChaosIssuer, b.ns, "chaos");
  ASSERT_TRUE(issuer);
  EXPECT_FALSE((*issuer)["spec"].contains("scenario")) << (*issuer)["spec"].dump();
}

}  // namespace
}  // namespace certchaos::testing
