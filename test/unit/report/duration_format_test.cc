#include "certchaos/report/duration_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

namespace certchaos::report {
namespace {

using namespace std::chrono_literals;

TEST(ReportDurationFormatTest, HumanDurations) {
  EXPECT_EQ(formatHumanDuration(0s), "0 s");
  EXPECT_EQ(formatHumanDuration(250ms), "250 ms");
  EXPECT_EQ(formatHumanDuration(1500ms), "1.5 s");
  EXPECT_EQ(formatHumanDuration(2s), "2 s");
  EXPECT_EQ(formatHumanDuration(9960ms), "10 s");
  EXPECT_EQ(formatHumanDuration(12300ms), "12 s");
  EXPECT_EQ(formatHumanDuration(59s), "59 s");
  EXPECT_EQ(formatHumanDuration(60s), "1 min");
  EXPECT_EQ(formatHumanDuration(5min + 3s), "5 min 3 s");
  EXPECT_EQ(formatHumanDuration(1h), "1 h");
  EXPECT_EQ(formatHumanDuration(1h + 2min + 3s), "1 h 2 min");
  EXPECT_EQ(formatHumanDuration(59min + 59700ms), "1 h");  // rounding carries into hours
  EXPECT_EQ(formatHumanDuration(24h * 90), "90 d");
  EXPECT_EQ(formatHumanDuration(51h), "2 d 3 h");
  EXPECT_EQ(formatHumanDuration(-90s), "-1 min 30 s");
  EXPECT_EQ(formatHumanDuration(1500us), "2 ms");
  EXPECT_EQ(formatHumanDuration(12ns), "12 ns");
}

TEST(ReportDurationFormatTest, WallAndNominal) {
  EXPECT_EQ(formatWallAndNominal(60s, 60), "1 min = 1 h nominal");
  EXPECT_EQ(formatWallAndNominal(47s, 60), "47 s = 47 min nominal");
  EXPECT_EQ(formatWallAndNominal(1500ms, 60), "1.5 s = 1 min 30 s nominal");
  EXPECT_EQ(formatWallAndNominal(60s, 1), "1 min");
  EXPECT_EQ(formatTimeScale(60), "×60");
  EXPECT_EQ(formatTimeScale(1.5), "×1.5");
}

// A report read from outside may hold any duration (found by the report_json fuzz target:
// negating INT64_MIN was undefined behaviour; the extremes also overflowed the rounding).
TEST(ReportDurationFormatTest, ExtremesFormatWithoutOverflow) {
  const auto min = std::chrono::nanoseconds(std::numeric_limits<std::int64_t>::min());
  const auto max = std::chrono::nanoseconds(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(formatHumanDuration(min).front(), '-');
  EXPECT_EQ(formatHumanDuration(min).substr(1), formatHumanDuration(max));
  EXPECT_THAT(formatHumanDuration(max), ::testing::HasSubstr(" d"));
}

}  // namespace
}  // namespace certchaos::report
