#include "certchaos/obs/metrics.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace certchaos::obs
