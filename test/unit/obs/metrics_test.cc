#include "certchaos/obs/metrics.h"

#include <gtest/gtest.h>

#include <limits>

#include "certchaos/issuer/runtime.h"
#include "promtool.h"

namespace certchaos::obs {
namespace {

TEST(MetricsTest, RendersCountersGaugesAndCumulativeHistogramBuckets) {
  Registry r;
  auto& requests = r.counter("certchaos_requests_total", "Requests by outcome.");
  auto& depth = r.gauge("certchaos_queue_depth", "Keys waiting.");
  auto& latency = r.histogram("certchaos_sign_seconds", "Signing latency.", {0.01, 0.1, 1});
  requests.inc({{"outcome", "issued"}});
  requests.inc({{"outcome", "issued"}});
  requests.inc({{"outcome", "failed \"x\""}});
  depth.set(3);
  latency.observe(0.005);
  latency.observe(0.05);
  latency.observe(5);
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE certchaos_requests_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("certchaos_requests_total{outcome=\"issued\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("certchaos_requests_total{outcome=\"failed \\\"x\\\"\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("certchaos_queue_depth 3\n"), std::string::npos);
  EXPECT_NE(text.find("certchaos_sign_seconds_bucket{le=\"0.01\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("certchaos_sign_seconds_bucket{le=\"0.1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("certchaos_sign_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("certchaos_sign_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("certchaos_sign_seconds_count 3\n"), std::string::npos);
  EXPECT_EQ(requests.value({{"outcome", "issued"}}), 2);
  EXPECT_EQ(latency.count(), 3u);
}

// The issuer's own metric families with the label values and numbers they take, checked by
// Prometheus' promtool (format and lint): what a scrape of /metrics must pass.
TEST(MetricsTest, PromtoolFindsNoProblemInTheIssuersMetrics) {
  Registry r;
  issuer::IssuerMetrics m(r);
  for (const char* outcome : {"issued", "failed", "denied", "pending"}) {
    m.requests.inc({{"outcome", outcome}});
  }
  m.requests.inc({{"outcome", "issued"}}, 12345678);  // beyond the stream's default 6 digits
  m.faults.inc({{"fault", "sleep"}});
  m.faults.inc({{"fault", "odd \"name\"\\with\nnewline"}});  // escaping
  m.signingSeconds.observe(0.0004);
  m.signingSeconds.observe(0.02);
  m.signingSeconds.observe(7);
  m.queueDepth.set(3, {{"queue", "requests"}});
  m.queueDepth.set(0, {{"queue", "issuers"}});
  m.heldRequests.set(2);
  m.issuersReady.set(1);
  std::string text = r.render();
  auto checked = testing::promtoolCheckMetrics(text);
  EXPECT_EQ(checked.exitCode, 0) << checked.output << "\n--- exposition:\n" << text;
  EXPECT_EQ(checked.output, "") << "\n--- exposition:\n" << text;
  EXPECT_NE(text.find("certchaos_issuer_requests_total{outcome=\"issued\"} 12345679\n"),
            std::string::npos)
      << text;
}

// promtool is not a check that cannot fail: it refuses what Prometheus would.
TEST(MetricsTest, PromtoolRefusesABrokenExposition) {
  auto checked = testing::promtoolCheckMetrics(
      "# HELP certchaos_x_total X.\n# TYPE certchaos_x_total counter\ncertchaos_x_total{a=\"1\"\n");
  EXPECT_NE(checked.exitCode, 0) << checked.output;
  auto lint =
      testing::promtoolCheckMetrics("# TYPE certchaos_requests counter\ncertchaos_requests 1\n");
  EXPECT_NE(lint.exitCode, 0) << lint.output;  // no HELP, and a counter without _total
}

}  // namespace
}  // namespace certchaos::obs
