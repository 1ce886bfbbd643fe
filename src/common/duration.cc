#include "certchaos/common/duration.h"

#include <cstdint>
#include <limits>

namespace certchaos {
namespace {

constexpr std::uint64_t kNanosPerUnit[] = {
    1, 1000, 1000'000, 1000'000'000, 60'000'000'000, 3600'000'000'000};

// Returns the unit's length in nanoseconds, or 0 for an unknown unit.
std::uint64_t unitNanos(std::string_view unit) {
  if (unit == "ns") return kNanosPerUnit[0];
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return kNanosPerUnit[1];
  if (unit == "ms") return kNanosPerUnit[2];
  if (unit == "s") return kNanosPerUnit[3];
  if (unit == "m") return kNanosPerUnit[4];
  if (unit == "h") return kNanosPerUnit[5];
  return 0;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

Error invalid(std::string_view text, std::string_view why) {
  return makeError("BadInput", "invalid duration \"" + std::string(text) +
                                   "\": " + std::string(why) +
                                   "; expected a Go duration such as \"1h30m\", \"1.5h\", "
                                   "\"300ms\" or \"2160h0m0s\" (units ns, us, ms, s, m, h)");
}

// A duration past what Go (and std::chrono::nanoseconds) can hold: said as such, not as a
// syntax error.
Error outOfRange(std::string_view text) {
  return makeError("OutOfRange", "duration \"" + std::string(text) +
                                     "\" is out of range: a Go duration is at most "
                                     "2562047h47m16.854775807s (about 292 years)");
}

// Formats v / 10^prec with trailing zeros (and a lone '.') removed; returns v / 10^prec in v.
std::string fracPart(std::uint64_t& v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    int digit = static_cast<int>(v % 10);
    print = print || digit != 0;
    if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  return print ? "." + digits : "";
}

}  // namespace

Result<std::chrono::nanoseconds> parseGoDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return invalid(text, "found no number");

  constexpr std::uint64_t kMax = static_cast<std::uint64_t>(1) << 63;  // |INT64_MIN|
  std::uint64_t total = 0;
  while (!s.empty()) {
    // The integer part.
    std::uint64_t whole = 0;
    std::size_t i = 0;
    bool overflow = false;
    for (; i < s.size() && isDigit(s[i]); ++i) {
      if (whole > (kMax - 9) / 10) overflow = true;
      whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
    bool hadWhole = i > 0;
    s.remove_prefix(i);
    // The fraction, kept as digits/scale with as many digits as fit.
    std::uint64_t frac = 0;
    std::uint64_t scale = 1;
    bool hadFrac = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      std::size_t j = 0;
      for (; j < s.size() && isDigit(s[j]); ++j) {
        if (scale <= std::numeric_limits<std::uint64_t>::max() / 100) {  // drop what cannot count
          frac = frac * 10 + static_cast<std::uint64_t>(s[j] - '0');
          scale *= 10;
        }
      }
      hadFrac = j > 0;
      s.remove_prefix(j);
    }
    if (!hadWhole && !hadFrac) return invalid(text, "expected a number before each unit");
    if (overflow) return outOfRange(text);

    std::size_t u = 0;
    while (u < s.size() && s[u] != '.' && !isDigit(s[u])) ++u;
    if (u == 0) return invalid(text, "a number has no unit");
    std::uint64_t unit = unitNanos(s.substr(0, u));
    if (unit == 0) return invalid(text, "unknown unit \"" + std::string(s.substr(0, u)) + "\"");
    s.remove_prefix(u);

    if (whole > kMax / unit) return outOfRange(text);
    std::uint64_t value = whole * unit;
    if (frac > 0) {
      // frac/scale * unit without overflow: unit <= 3.6e12 and frac < scale <= 1.8e17, so
      // use long double for the product; the rounding is below a nanosecond.
      value += static_cast<std::uint64_t>(static_cast<long double>(frac) *
                                          static_cast<long double>(unit) /
                                          static_cast<long double>(scale));
    }
    total += value;
    if (total > kMax) return outOfRange(text);
  }
  if (!negative && total == kMax) return outOfRange(text);
  auto signedTotal =
      negative ? -static_cast<std::int64_t>(total - 1) - 1 : static_cast<std::int64_t>(total);
  return std::chrono::nanoseconds(signedTotal);
}

std::string formatGoDuration(std::chrono::nanoseconds d) {
  std::int64_t count = d.count();
  if (count == 0) return "0s";
  bool negative = count < 0;
  std::uint64_t u =
      negative ? static_cast<std::uint64_t>(-(count + 1)) + 1 : static_cast<std::uint64_t>(count);
  std::string out;
  if (u < kNanosPerUnit[3]) {
    if (u < kNanosPerUnit[1]) {
      out = std::to_string(u) + "ns";
    } else if (u < kNanosPerUnit[2]) {
      std::string frac = fracPart(u, 3);
      out = std::to_string(u) + frac + "\u00b5s";
    } else {
      std::string frac = fracPart(u, 6);
      out = std::to_string(u) + frac + "ms";
    }
  } else {
    std::string frac = fracPart(u, 9);  // u is now whole seconds
    out = std::to_string(u % 60) + frac + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

}  // namespace certchaos
