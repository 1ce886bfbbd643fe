// Scenario 28 (renewal-storm) end to end through the certchaos CLI on the real local plane, where
// `certchaos run` scales cert-manager's failure back-off (×240: 15 s for 1h). The run copies the
// Certificate under test, renews the copies and it together, reports the requests in flight over
// time, the issuance rate and the requests each Certificate needed, and deletes the copies. With a
// rate-limit fault composed, the Certificates over the limit fail, cert-manager backs off before
// asking again, and the request count stays bounded: the report says so.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "certchaos/api/cert_manager.h"
#include "certchaos/report/json_schema.h"
#include "certchaos/report/report_json.h"
#include "plane.h"
#include "scenario_base.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
using report::CheckOutcome;
namespace res = kube::resources;
namespace fs = std::filesystem;

constexpr int kScale = 240;  // back-off 15 s; the base certificate (8h nominal) lives 120 s

CliRun runStorm(const BaseDeployment& b, const std::vector<std::string>& sets,
                const std::string& runsDir) {
  return runCli(b, "renewal-storm", kScale, "120s", sets, runsDir);
}

int countOf(const report::Report& r, std::string_view kind) {
  int n = 0;
  for (const auto& e : r.timeline) n += e.kind == kind ? 1 : 0;
  return n;
}

// A number the summary states before `what` ("12 request(s)").
int figure(const std::string& text, const std::string& what) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("(\\d+) " + what))) return -1;
  return std::stoi(m[1].str());
}

// Nothing of the copies is left in the namespace.
void expectCopiesGone(const BaseDeployment& b) {
  auto admin = SharedPlane::get().admin();
  auto certificates =
      admin->listAll(api::kCertificate, b.ns, {.labelSelector = "certchaos.io/storm-of=app"});
  ASSERT_TRUE(certificates);
  EXPECT_TRUE(certificates->items.empty());
  auto requests = admin->listAll(api::kCertificateRequest, b.ns);
  ASSERT_TRUE(requests);
  for (const auto& cr : requests->items) {
    const std::string of = cr["metadata"]
                               .value("annotations", json::object())
                               .value("cert-manager.io/certificate-name", "");
    EXPECT_EQ(of, "app") << "left: CertificateRequest " << cr["metadata"].value("name", "");
  }
  auto secret = admin->get(res::kSecret, b.ns, "app-storm-1-tls");
  EXPECT_FALSE(secret) << "the copies' Secrets are deleted";
}

class RenewalStormTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }
  TempDir runs_;
};

// Each Certificate renews with one request, as a rule. cert-manager itself sometimes makes a
// second one for a Certificate in the same storm (seen on this 2-core machine under the sanitizer
// suite, about 1 run in 4, for cert-manager's CA issuer too in fleet_bench: its controllers' caches
// lag behind one another); the report counts what happened, so the test checks that the counts
// agree with each other, that every request was answered and issued, and that no Certificate
// retried after a failure.
TEST_F(RenewalStormTest, FiveCertificatesRenewTogetherEveryRequestIssued) {
  BaseDeployment b = deployBase("storm", BaseOptions{kScale, true, true, "8h"});
  ASSERT_FALSE(b.appUrl.empty());
  auto run = runStorm(b, {"count=5"}, runs_.path());
  ASSERT_TRUE(run.report) << run.output.output;
  const auto& r = *run.report;
  const std::string all = timelineText(r);
  EXPECT_EQ(run.output.exitCode, 0) << run.output.output;
  EXPECT_EQ(r.verdict.result, report::VerdictResult::kPassed) << r.verdict.summary << "\n" << all;
  ASSERT_NE(firstEntry(r, "StormCopiesReady"), nullptr) << all;
  const auto* summary = firstEntry(r, "StormSummary");
  ASSERT_NE(summary, nullptr) << all;
  EXPECT_EQ(figure(summary->message, "Certificates renewed together"), 5) << summary->message;
  const int requests = figure(summary->message, "request\\(s\\),");
  EXPECT_GE(requests, 5) << summary->message;
  EXPECT_LE(requests, 10) << summary->message;
  EXPECT_EQ(figure(summary->message, "issued"), requests) << summary->message;
  EXPECT_EQ(figure(summary->message, "failed"), 0) << summary->message;
  EXPECT_NE(summary->message.find("0 retries after a failure"), std::string::npos)
      << summary->message;
  EXPECT_NE(summary->message.find("5 of 5 answered"), std::string::npos) << summary->message;
  // "Certificates × requests": five Certificates in all, whose requests add up to the total.
  int certificates = 0, requestsSum = 0;
  std::string distribution;
  {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(summary->message, m,
                                  std::regex(R"(\(Certificates × requests\): ([^;]+);)")))
        << summary->message;
    distribution = m[1].str();
    const std::regex pair(R"((\d+) × (\d+))");
    for (std::sregex_iterator it(distribution.begin(), distribution.end(), pair), end; it != end;
         ++it) {
      const int n = std::stoi((*it)[1].str()), each = std::stoi((*it)[2].str());
      EXPECT_GE(each, 1) << distribution;
      certificates += n;
      requestsSum += n * each;
    }
  }
  EXPECT_EQ(certificates, 5) << distribution;
  EXPECT_EQ(requestsSum, requests) << distribution;
  const int peak = figure(summary->message, "request\\(s\\) in flight");
  EXPECT_GE(peak, 1) << summary->message;
  EXPECT_LE(peak, 5) << summary->message;
  // Requests in flight over time, a sample a second: the storm rises and ends with none in
  // flight and all five issued. A healthy issuer can answer the whole storm within one second
  // (541 ms once), and then one sample carries both the peak and the end.
  EXPECT_GE(countOf(r, "StormInFlight"), 1) << all;
  const report::TimelineEntry* last = nullptr;
  for (const auto& e : r.timeline) {
    if (e.kind == "StormInFlight") last = &e;
  }
  ASSERT_NE(last, nullptr) << all;
  EXPECT_EQ(last->message.rfind("0 request(s) in flight", 0), 0u) << last->message;
  EXPECT_NE(last->message.find(std::to_string(requests) + " issued, 0 failed so far"),
            std::string::npos)
      << last->message;
  // The samples' peaks are the summary's peak.
  int samplesPeak = 0;
  for (const auto& e : r.timeline) {
    std::smatch m;
    if (e.kind == "StormInFlight" &&
        std::regex_search(e.message, m, std::regex(R"(at most (\d+) within)"))) {
      samplesPeak = std::max(samplesPeak, std::stoi(m[1].str()));
    }
  }
  EXPECT_EQ(samplesPeak, peak) << all;
  const auto* concurrency = checkNamed(r, "storm-concurrency");
  ASSERT_NE(concurrency, nullptr);
  EXPECT_EQ(concurrency->outcome, CheckOutcome::kHeld) << concurrency->evidence;
  EXPECT_NE(concurrency->evidence.find("issued/s"), std::string::npos) << concurrency->evidence;
  const auto* retries = checkNamed(r, "storm-retries");
  ASSERT_NE(retries, nullptr);
  EXPECT_EQ(retries->outcome, CheckOutcome::kHeld) << retries->evidence;
  EXPECT_NE(retries->evidence.find("0 retries after a failure"), std::string::npos)
      << retries->evidence;
  if (requests == 5) {
    EXPECT_NE(retries->evidence.find("5 Certificate(s) with 1"), std::string::npos)
        << retries->evidence;
  }
  ASSERT_NE(firstEntry(r, "StormCopiesDeleted"), nullptr) << all;
  EXPECT_NE(firstEntry(r, "BaseRestored"), nullptr) << all;
  expectCopiesGone(b);
  for (const char* file : {"report.txt", "report.md", "report.html", "report.xml"}) {
    const std::string text = readFile(run.dir + "/" + file);
    EXPECT_NE(text.find("storm-concurrency"), std::string::npos) << file;
    EXPECT_NE(text.find("storm-retries"), std::string::npos) << file;
  }
  for (const char* file : {"report.txt", "report.md", "report.html"}) {
    EXPECT_NE(readFile(run.dir + "/" + file).find("in flight"), std::string::npos) << file;
  }
}

TEST_F(RenewalStormTest, RateLimitedStormBacksOffAndStaysBounded) {
  BaseDeployment b = deployBase("storm-rl", BaseOptions{kScale, true, true, "8h"});
  ASSERT_FALSE(b.appUrl.empty());
  // A window (6 min at ×240) far longer than the run: the storm's three over the limit are
  // refused however slowly the machine lets the six through (with 2 min, the sanitizer suite's
  // load once let a fourth through after the first issuance had left the window).
  auto run = runStorm(b, {"count=6", "fault=rate-limit", "limit=3", "window=24h"}, runs_.path());
  ASSERT_TRUE(run.report) << run.output.output;
  const auto& r = *run.report;
  const std::string all = timelineText(r);
  EXPECT_EQ(run.output.exitCode, 0) << run.output.output;
  EXPECT_EQ(r.verdict.result, report::VerdictResult::kPassed) << r.verdict.summary << "\n" << all;
  ASSERT_TRUE(r.run.certManagerBackoff && r.run.certManagerBackoff->scaled);
  // The issuer refused the Certificates over its limit.
  EXPECT_NE(firstEntry(r, report::kinds::kFaultInjected), nullptr) << all;
  const auto* summary = firstEntry(r, "StormSummary");
  ASSERT_NE(summary, nullptr) << all;
  EXPECT_GE(figure(summary->message, "failed"), 1) << summary->message;
  // Bounded: one request each. The three over the limit failed; cert-manager backs off and,
  // the certificates being still valid, does not ask again for them: no storm of retries.
  EXPECT_EQ(figure(summary->message, "request\\(s\\),"), 6) << summary->message;
  EXPECT_EQ(figure(summary->message, "issued"), 3) << summary->message;
  EXPECT_EQ(figure(summary->message, "failed"), 3) << summary->message;
  EXPECT_NE(summary->message.find("6 × 1"), std::string::npos) << summary->message;
  const auto* retries = checkNamed(r, "storm-retries");
  ASSERT_NE(retries, nullptr);
  EXPECT_EQ(retries->outcome, CheckOutcome::kHeld) << retries->evidence;
  EXPECT_NE(retries->evidence.find("none asked again within the back-off of 15s"),
            std::string::npos)
      << retries->evidence;
  EXPECT_NE(retries->evidence.find("back-off held"), std::string::npos) << retries->evidence;
  // The check watched past the back-off after the last failure before it settled.
  const auto* decided = firstEntry(r, "VerdictDecided");
  ASSERT_NE(decided, nullptr) << all;
  std::optional<SystemTime> lastFailure;
  for (const auto& e : r.timeline) {
    if (e.kind == "StormInFlight" && figure(e.message, "failed") == 3 && !lastFailure) {
      lastFailure = e.wallTime;
    }
  }
  ASSERT_TRUE(lastFailure) << all;
  EXPECT_GE(decided->wallTime - *lastFailure, std::chrono::seconds(15)) << all;
  const auto* concurrency = checkNamed(r, "storm-concurrency");
  ASSERT_NE(concurrency, nullptr);
  EXPECT_EQ(concurrency->outcome, CheckOutcome::kHeld) << concurrency->evidence;
  EXPECT_EQ(firstEntry(r, "BaseRestoreFailed"), nullptr) << all;
  EXPECT_NE(firstEntry(r, "BaseRestored"), nullptr) << all;
  expectCopiesGone(b);
  for (const char* file : {"report.txt", "report.md", "report.html", "report.xml"}) {
    EXPECT_NE(readFile(run.dir + "/" + file).find("back-off held"), std::string::npos) << file;
  }
}

TEST_F(RenewalStormTest, BadCountNamesParameterValueAndRange) {
  BaseDeployment b = deployBase("storm-bad", BaseOptions{kScale, true, true, "8h"});
  auto run = runStorm(b, {"count=500"}, runs_.path());
  EXPECT_NE(run.output.exitCode, 0);
  EXPECT_NE(run.output.output.find("--set count: expected 2 to 200"), std::string::npos)
      << run.output.output;
  EXPECT_NE(run.output.output.find("found 500"), std::string::npos) << run.output.output;
  EXPECT_FALSE(run.report);
  auto bad = runStorm(b, {"fault=storm"}, runs_.path());
  EXPECT_NE(bad.output.exitCode, 0);
  EXPECT_NE(bad.output.output.find("fault"), std::string::npos) << bad.output.output;
  EXPECT_NE(bad.output.output.find("rate-limit+fail-transient"), std::string::npos)
      << bad.output.output;
}

}  // namespace
}  // namespace certchaos::testing
