#include "certchaos/common/time.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace certchaos {
namespace {

Error invalid(std::string_view text, std::string_view why) {
  return makeError("BadInput", "invalid RFC 3339 time \"" + std::string(text) +
                                   "\": " + std::string(why) +
                                   "; expected e.g. \"2024-05-01T12:00:00Z\" or "
                                   "\"2024-05-01T14:00:00.5+02:00\"");
}

// SystemTime counts nanoseconds in 64 bits: years 1678 to 2262 (found by fuzzing, the
// conversion overflowed), in whole seconds.
constexpr auto kMaxSeconds =
    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max()) -
    std::chrono::seconds(1);
// From a whole day on: formatRfc3339 floors to the day, which must be representable too.
constexpr auto kMinSeconds = std::chrono::duration_cast<std::chrono::seconds>(
    std::chrono::ceil<std::chrono::days>(std::chrono::system_clock::duration::min()));

// Reads exactly n digits at pos; returns -1 if they are not all digits.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool charAt(std::string_view s, std::size_t pos, char a, char b = 0) {
  return pos < s.size() && (s[pos] == a || (b != 0 && s[pos] == b));
}

}  // namespace

Result<SystemTime> parseRfc3339(std::string_view s) {
  using namespace std::chrono;
  int year = digits(s, 0, 4);
  int month = digits(s, 5, 2);
  int day = digits(s, 8, 2);
  int hour = digits(s, 11, 2);
  int minute = digits(s, 14, 2);
  int second = digits(s, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 ||
      !charAt(s, 4, '-') || !charAt(s, 7, '-') || !charAt(s, 10, 'T', 't') || !charAt(s, 13, ':') ||
      !charAt(s, 16, ':')) {
    return invalid(s, "the layout is not YYYY-MM-DDTHH:MM:SS");
  }
  year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return invalid(s, "the date does not exist");
  if (hour > 23 || minute > 59 || second > 59) return invalid(s, "the time of day is out of range");

  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (charAt(s, pos, '.') || charAt(s, pos, ',')) {
    ++pos;
    std::size_t start = pos;
    std::int64_t scale = 100'000'000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return invalid(s, "a '.' is not followed by digits");
    if (pos - start > 9) return invalid(s, "the fraction has more than 9 digits");
  }

  int offsetMinutes = 0;
  if (charAt(s, pos, 'Z', 'z')) {
    ++pos;
  } else if (charAt(s, pos, '+', '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    int oh = digits(s, pos + 1, 2);
    int om = digits(s, pos + 4, 2);
    if (oh < 0 || om < 0 || !charAt(s, pos + 3, ':') || oh > 23 || om > 59) {
      return invalid(s, "the zone offset is not +hh:mm or -hh:mm");
    }
    offsetMinutes = sign * (oh * 60 + om);
    pos += 6;
  } else {
    return invalid(s, "the zone is missing (expected 'Z' or an offset such as +02:00)");
  }
  if (pos != s.size()) return invalid(s, "there is trailing text after the zone");

  auto local = sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second);
  auto utc = local - minutes(offsetMinutes);  // in seconds: no overflow for years 0..9999
  if (utc.time_since_epoch() > kMaxSeconds || utc.time_since_epoch() < kMinSeconds) {
    Error error = invalid(s, "the time is outside the years 1678 to 2262 that can be represented");
    error.code = "OutOfRange";  // well-formed: a caller may read it as "never" (an expiry)
    return error;
  }
  return time_point_cast<system_clock::duration>(utc + nanoseconds(nanos));
}

SystemTime fromUnixSecondsSaturated(std::int64_t seconds) {
  const std::chrono::seconds s{seconds};
  return SystemTime(std::clamp(s, kMinSeconds, kMaxSeconds));
}

std::string formatRfc3339(SystemTime t, TimePrecision precision) {
  using namespace std::chrono;
  auto ns = time_point_cast<nanoseconds>(t);
  auto day = floor<days>(ns);
  year_month_day ymd{day};
  auto sinceMidnight = ns - day;
  auto h = duration_cast<hours>(sinceMidnight);
  auto m = duration_cast<minutes>(sinceMidnight - h);
  auto sec = duration_cast<seconds>(sinceMidnight - h - m);
  auto frac = (sinceMidnight - h - m - sec).count();

  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d",
                        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                        static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                        static_cast<int>(m.count()), static_cast<int>(sec.count()));
  std::string out(buf, static_cast<std::size_t>(n));
  if (precision == TimePrecision::kMicroseconds) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac / 1000));
    out += buf;
  } else if (precision == TimePrecision::kNanoseconds && frac != 0) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(frac));
    std::string f(buf);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

}  // namespace certchaos
