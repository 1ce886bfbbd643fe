#include "certchaos/common/duration.h"

#include <gtest/gtest.h>

namespace certchaos {
namespace {

using namespace std::chrono_literals;

std::chrono::nanoseconds parsed(std::string_view s) {
  auto r = parseGoDuration(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::chrono::nanoseconds(-999);
}

TEST(GoDuration, ParsesCertManagerDefaults) {
  EXPECT_EQ(parsed("2160h0m0s"), 2160h);
  EXPECT_EQ(parsed("720h"), 720h);
  EXPECT_EQ(parsed("1h30m"), 90min);
  EXPECT_EQ(parsed("1.5h"), 90min);
  EXPECT_EQ(parsed("300ms"), 300ms);
  EXPECT_EQ(parsed("-5s"), -5s);
  EXPECT_EQ(parsed("+5s"), 5s);
  EXPECT_EQ(parsed("0"), 0s);
  EXPECT_EQ(parsed("1us"), 1us);
  EXPECT_EQ(parsed("1\u00b5s"), 1us);
  EXPECT_EQ(parsed("7ns"), 7ns);
  EXPECT_EQ(parsed(".5s"), 500ms);
  EXPECT_EQ(parsed("1.s"), 1s);
  EXPECT_EQ(parsed("1h2m3.5s"), 1h + 2min + 3500ms);
  EXPECT_EQ(parsed("0.000000001s"), 1ns);
}

TEST(GoDuration, RejectsGarbageWithAClearMessage) {
  for (const char* bad : {"", "-", "h", "5", "1x", "1.5", "abc", "1h 30m", ".s", "1hh", "1e3s"}) {
    auto r = parseGoDuration(bad);
    ASSERT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
    EXPECT_EQ(r.error().code, "BadInput");
    EXPECT_NE(r.error().message.find("expected a Go duration"), std::string::npos);
    EXPECT_NE(r.error().message.find(std::string("\"") + bad + "\""), std::string::npos);
  }
}

// Well-formed but too long: said as out of range, not as a syntax error.
TEST(GoDuration, OutOfRangeSaysSo) {
  for (const char* big : {"9999999999999h", "2562048h", "99999999999999999999s", "-2562048h"}) {
    auto r = parseGoDuration(big);
    ASSERT_FALSE(r.ok()) << "accepted \"" << big << "\"";
    EXPECT_EQ(r.error().code, "OutOfRange");
    EXPECT_NE(r.error().message.find("is out of range"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("2562047h47m16.854775807s"), std::string::npos);
    EXPECT_EQ(r.error().message.find("such as"), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(parsed("2562047h"), std::chrono::hours(2562047));
}

TEST(GoDuration, FormatsLikeGo) {
  EXPECT_EQ(formatGoDuration(2160h), "2160h0m0s");
  EXPECT_EQ(formatGoDuration(90min), "1h30m0s");
  EXPECT_EQ(formatGoDuration(1500ms), "1.5s");
  EXPECT_EQ(formatGoDuration(300ms), "300ms");
  EXPECT_EQ(formatGoDuration(1500us), "1.5ms");
  EXPECT_EQ(formatGoDuration(2us), "2\u00b5s");
  EXPECT_EQ(formatGoDuration(7ns), "7ns");
  EXPECT_EQ(formatGoDuration(0s), "0s");
  EXPECT_EQ(formatGoDuration(-5s), "-5s");
  EXPECT_EQ(formatGoDuration(61s), "1m1s");
}

TEST(GoDuration, RoundTrips) {
  for (std::chrono::nanoseconds d :
       {std::chrono::nanoseconds(2160h + 1ns), std::chrono::nanoseconds(90min),
        std::chrono::nanoseconds(1500ms), std::chrono::nanoseconds(-3h - 1s),
        std::chrono::nanoseconds(1)}) {
    EXPECT_EQ(parsed(formatGoDuration(d)), d);
  }
}

}  // namespace
}  // namespace certchaos
