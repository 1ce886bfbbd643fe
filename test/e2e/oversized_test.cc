// Scenario 24 (oversized) end to end through the certchaos CLI on the real local plane: the issuer
// returns a sound chain padded with copies of its CA certificate past cert-manager's decoding limit
// (330000 bytes of PEM in v1.21.1), or under it. Is the failure visible (a failed issuance, a
// Warning Event, the Certificate Ready=False) while the old certificate is still served, or
// silent?
#include <gtest/gtest.h>

#include <filesystem>

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
namespace fs = std::filesystem;

constexpr int kScale = 120;  // the base certificate (1h nominal) lives 30 s

CliRun runOversized(const BaseDeployment& b, const std::string& runsDir, const std::string& size) {
  return runCli(
      b, "oversized", kScale, "60s",
      size.empty() ? std::vector<std::string>{} : std::vector<std::string>{"size=" + size},
      runsDir);
}

class OversizedTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }
  TempDir runs_;
};

// The default (400000 bytes): cert-manager refuses to decode it and says so (Issuing=False
// InvalidCertificate, a Warning Event) while the old certificate is still served: passed.
TEST_F(OversizedTest, PastCertManagersLimitTheFailureIsVisible) {
  BaseDeployment b = deployBase("oversized-cm", BaseOptions{kScale, true, true, "1h"});
  ASSERT_FALSE(b.appUrl.empty());
  auto run = runOversized(b, runs_.path(), "");
  ASSERT_TRUE(run.report) << run.output.output;
  const auto& r = *run.report;
  const std::string all = timelineText(r);
  EXPECT_EQ(run.output.exitCode, 0) << run.output.output;
  EXPECT_EQ(r.verdict.result, VerdictResult::kPassed) << r.verdict.summary << "\n" << all;
  ASSERT_FALSE(r.proofOfInjection.empty()) << all;
  EXPECT_NE(r.proofOfInjection[0].evidence.find("ChaosOversized"), std::string::npos);
  const auto* failed = firstEntry(r, "IssuanceFailed");
  ASSERT_NE(failed, nullptr) << all;
  EXPECT_NE(failed->message.find("larger than the maximum 330000B"), std::string::npos)
      << failed->message;
  const auto* c = checkNamed(r, "signal-before-expiry");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->outcome, CheckOutcome::kHeld) << c->evidence;
  EXPECT_NE(c->evidence.find("Warning Event InvalidCertificate"), std::string::npos) << c->evidence;
  const auto* probes = checkNamed(r, "probes-valid");
  ASSERT_NE(probes, nullptr);
  EXPECT_EQ(probes->outcome, CheckOutcome::kHeld) << probes->evidence;
  for (const char* file : {"report.txt", "report.md", "report.html", "report.xml"}) {
    EXPECT_NE(readFile(run.dir + "/" + file).find("signal-before-expiry"), std::string::npos)
        << file;
  }
  EXPECT_NE(firstEntry(r, "BaseRestored"), nullptr) << all;
}

// 70000 bytes, under cert-manager's limit: the whole padded chain reaches the Secret and the
// application, and nothing tells anyone: failed, the missed signals named.
TEST_F(OversizedTest, UnderCertManagersLimitThePaddedChainIsStoredSilently) {
  BaseDeployment b = deployBase("oversized-silent", BaseOptions{kScale, true, true, "1h"});
  ASSERT_FALSE(b.appUrl.empty());
  auto run = runOversized(b, runs_.path(), "70000");
  ASSERT_TRUE(run.report) << run.output.output;
  const auto& r = *run.report;
  const std::string all = timelineText(r);
  EXPECT_EQ(run.output.exitCode, 10) << run.output.output;
  EXPECT_EQ(r.verdict.result, VerdictResult::kFailed) << r.verdict.summary << "\n" << all;
  EXPECT_EQ(r.verdict.failingStep, "signal-before-expiry");
  EXPECT_EQ(firstEntry(r, "IssuanceFailed"), nullptr) << all;
  EXPECT_NE(firstEntry(r, report::kinds::kSecretUpdated), nullptr) << all;
  const auto* c = checkNamed(r, "signal-before-expiry");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->outcome, CheckOutcome::kViolated) << c->evidence;
  EXPECT_NE(c->evidence.find("no CertificateRequest failed or was denied"), std::string::npos)
      << c->evidence;
  EXPECT_NE(firstEntry(r, "BaseRestored"), nullptr) << all;
}

TEST_F(OversizedTest, BadSizesAreRefusedNamingParameterValueAndRange) {
  BaseDeployment b = deployBase("oversized-bad", BaseOptions{kScale, true, true, "1h"});
  ASSERT_FALSE(b.appUrl.empty());
  auto huge = runOversized(b, runs_.path(), "2000000");
  EXPECT_NE(huge.output.exitCode, 0);
  EXPECT_FALSE(huge.report);
  for (const char* part : {"--set size", "from 1 to 1048576", "\"2000000\"", "etcd"}) {
    EXPECT_NE(huge.output.output.find(part), std::string::npos)
        << part << " in: " << huge.output.output;
  }
  auto negative = runOversized(b, runs_.path(), "-5");
  EXPECT_NE(negative.output.exitCode, 0);
  for (const char* part : {"size", "positive integer", "\"-5\""}) {
    EXPECT_NE(negative.output.output.find(part), std::string::npos)
        << part << " in: " << negative.output.output;
  }
}

}  // namespace
}  // namespace certchaos::testing
