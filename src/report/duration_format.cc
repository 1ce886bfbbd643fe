#include "certchaos/report/duration_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

namespace certchaos::report {
namespace {

struct Unit {
  std::int64_t nanos;
  const char* name;
};

constexpr std::int64_t kNs = 1;
constexpr std::int64_t kUs = 1000 * kNs;
constexpr std::int64_t kMs = 1000 * kUs;
constexpr std::int64_t kS = 1000 * kMs;
constexpr std::int64_t kMin = 60 * kS;
constexpr std::int64_t kH = 60 * kMin;
constexpr std::int64_t kD = 24 * kH;

constexpr std::array<Unit, 7> kUnits{
    {{kD, "d"}, {kH, "h"}, {kMin, "min"}, {kS, "s"}, {kMs, "ms"}, {kUs, "µs"}, {kNs, "ns"}}};

std::int64_t roundTo(std::int64_t v, std::int64_t step) {
  return (v + step / 2) / step * step;  // v >= 0
}

}  // namespace

std::string formatHumanDuration(std::chrono::nanoseconds d) {
  std::int64_t v = d.count();
  std::string sign;
  if (v < 0) {
    sign = "-";
    // A report read from outside may hold any value: INT64_MIN has no negation.
    v = v == std::numeric_limits<std::int64_t>::min() ? std::numeric_limits<std::int64_t>::max()
                                                      : -v;
  }
  // Rounding below adds up to half a unit; 146 years is far past any run and cannot overflow.
  v = std::min(v, std::numeric_limits<std::int64_t>::max() / 2);
  if (v == 0) return "0 s";

  // Between 1 s and 10 s one decimal says more than "1 s 500 ms".
  if (v >= kS && v < 10 * kS) {
    std::int64_t tenths = roundTo(v, 100 * kMs) / (100 * kMs);
    if (tenths < 100) {
      if (tenths % 10 == 0) return sign + fmt::format("{} s", tenths / 10);
      return sign + fmt::format("{}.{} s", tenths / 10, tenths % 10);
    }
    v = 10 * kS;
  }

  // Round to the second most significant unit, then print the (up to) two leading units; the
  // rounding may carry into a larger unit (59 min 59.7 s -> 1 h).
  std::size_t lead = 0;
  while (lead + 1 < kUnits.size() && v < kUnits[lead].nanos) ++lead;
  // Seconds and below print one unit ("12 s", "250 ms"); larger units print two ("1 h 2 min").
  constexpr std::size_t kSecondsIndex = 3;
  std::size_t next = lead < kSecondsIndex ? lead + 1 : lead;
  v = roundTo(v, kUnits[next].nanos);
  while (lead > 0 && v >= kUnits[lead - 1].nanos) --lead;

  std::string out = sign;
  std::int64_t leading = v / kUnits[lead].nanos;
  out += fmt::format("{} {}", leading, kUnits[lead].name);
  if (lead < kSecondsIndex) {
    std::int64_t rest = (v % kUnits[lead].nanos) / kUnits[lead + 1].nanos;
    if (rest != 0) out += fmt::format(" {} {}", rest, kUnits[lead + 1].name);
  }
  return out;
}

std::string formatTimeScale(double timeScale) {
  std::string s = fmt::format("{:.6f}", timeScale);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return "×" + s;
}

std::string formatWallAndNominal(std::chrono::nanoseconds wall, double timeScale) {
  std::string out = formatHumanDuration(wall);
  if (timeScale == 1.0 || wall.count() == 0) return out;
  long double nominal = static_cast<long double>(wall.count()) * timeScale;
  auto n = std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(nominal)));
  return out + " = " + formatHumanDuration(n) + " nominal";
}

}  // namespace certchaos::report
