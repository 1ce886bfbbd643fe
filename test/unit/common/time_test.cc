#include "certchaos/common/time.h"

#include <gtest/gtest.h>

#include <limits>

namespace certchaos {
namespace {

using namespace std::chrono;

SystemTime at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days(year(y) / mo / d) + hours(h) + minutes(mi) + seconds(s);
}

TEST(Rfc3339, ParsesUtcAndOffsets) {
  auto t = parseRfc3339("2024-05-01T12:00:00Z");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(*t, at(2024, 5, 1, 12, 0, 0));

  auto offset = parseRfc3339("2024-05-01T14:30:00+02:30");
  ASSERT_TRUE(offset.ok());
  EXPECT_EQ(*offset, at(2024, 5, 1, 12, 0, 0));

  auto negative = parseRfc3339("2024-04-30T23:00:00-13:00");
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(*negative, at(2024, 5, 1, 12, 0, 0));
}

TEST(Rfc3339, ParsesFractions) {
  auto micro = parseRfc3339("2024-05-01T12:00:00.123456Z");
  ASSERT_TRUE(micro.ok());
  EXPECT_EQ(*micro - at(2024, 5, 1, 12, 0, 0), microseconds(123456));
  auto nano = parseRfc3339("2024-05-01T12:00:00.000000001Z");
  ASSERT_TRUE(nano.ok());
  EXPECT_EQ(*nano - at(2024, 5, 1, 12, 0, 0), nanoseconds(1));
  auto half = parseRfc3339("2024-05-01T12:00:00.5+00:00");
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(*half - at(2024, 5, 1, 12, 0, 0), milliseconds(500));
}

TEST(Rfc3339, RejectsMalformed) {
  for (const char* bad :
       {"", "2024-05-01", "2024-05-01 12:00:00Z", "2024-02-30T12:00:00Z", "2024-05-01T24:00:00Z",
        "2024-05-01T12:00:00", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+0200",
        "2024-05-01T12:00:00Zjunk", "2024-13-01T12:00:00Z"}) {
    auto r = parseRfc3339(bad);
    ASSERT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
    EXPECT_NE(r.error().message.find("expected e.g."), std::string::npos);
  }
}

// Found by the duration fuzz target: a year past 2262 overflowed the nanosecond clock
// (undefined behaviour) instead of being refused.
TEST(Rfc3339, RefusesTimesTheClockCannotHold) {
  for (const char* far : {"3864-01-02T15:04:05+07:00", "9999-12-31T23:59:59Z",
                          "1677-09-21T00:12:43Z", "1677-09-21T04:12:43Z", "0000-01-01T00:00:00Z"}) {
    auto r = parseRfc3339(far);
    ASSERT_FALSE(r.ok()) << "accepted \"" << far << "\"";
    EXPECT_NE(r.error().message.find("1678 to 2262"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().code, "OutOfRange");
  }
  auto first = parseRfc3339("1677-09-22T00:00:00Z");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(formatRfc3339(*first), "1677-09-22T00:00:00Z");
  auto last = parseRfc3339("2262-04-11T23:47:15Z");
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_EQ(formatRfc3339(*last), "2262-04-11T23:47:15Z");
}

// X.509 times run to 9999 (found by the crl fuzz target: an overflow as for RFC 3339 above):
// seconds since the epoch saturate to the same first and last times that parseRfc3339 accepts.
TEST(UnixSeconds, SaturateToTheYearsTheClockHolds) {
  EXPECT_EQ(fromUnixSecondsSaturated(0), SystemTime{});
  EXPECT_EQ(fromUnixSecondsSaturated(1714564800), at(2024, 5, 1, 12, 0, 0));
  EXPECT_EQ(formatRfc3339(fromUnixSecondsSaturated(9223372035)), "2262-04-11T23:47:15Z");
  for (std::int64_t later : {std::int64_t{9223372036}, std::int64_t{253402300799},  // 9999-12-31
                             std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_EQ(formatRfc3339(fromUnixSecondsSaturated(later)), "2262-04-11T23:47:15Z") << later;
  }
  for (std::int64_t earlier : {std::int64_t{-9223372036}, std::int64_t{-62167219200},  // year 0
                               std::numeric_limits<std::int64_t>::min()}) {
    EXPECT_EQ(formatRfc3339(fromUnixSecondsSaturated(earlier)), "1677-09-22T00:00:00Z") << earlier;
  }
}

TEST(Rfc3339, Formats) {
  auto t = at(2024, 5, 1, 12, 3, 4) + microseconds(120);
  EXPECT_EQ(formatRfc3339(t), "2024-05-01T12:03:04Z");
  EXPECT_EQ(formatRfc3339(t, TimePrecision::kMicroseconds), "2024-05-01T12:03:04.000120Z");
  EXPECT_EQ(formatRfc3339(t, TimePrecision::kNanoseconds), "2024-05-01T12:03:04.00012Z");
  EXPECT_EQ(formatRfc3339(at(1999, 12, 31, 23, 59, 59), TimePrecision::kNanoseconds),
            "1999-12-31T23:59:59Z");
}

TEST(Rfc3339, RoundTrips) {
  auto t = at(2030, 1, 2, 3, 4, 5) + microseconds(678901);
  auto back = parseRfc3339(formatRfc3339(t, TimePrecision::kMicroseconds));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, t);
}

}  // namespace
}  // namespace certchaos
