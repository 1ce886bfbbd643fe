#include "input_checks.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace certchaos::cli {

namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return isLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// Quotes a found value for a message, visibly even when it is empty or holds control characters.
std::string shown(std::string_view value) {
  std::string out = "'";
  for (char c : value.substr(0, 80)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += hex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  if (value.size() > 80) out += "...";
  return out + "'";
}

// A label of lowercase letters, digits and '-', starting and ending with a letter or digit.
bool isRfc1123Label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (!isLowerAlnum(label.front()) || !isLowerAlnum(label.back())) return false;
  for (char c : label) {
    if (!isLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

Result<void> checkNamespaceName(std::string_view value, const std::string& what) {
  if (isRfc1123Label(value)) return {};
  return makeError("BadInput",
                   what +
                       ": expected a namespace name (lowercase letters, digits and '-', starting "
                       "and ending with a letter or digit, at most 63 characters), found " +
                       shown(value) + "; e.g. -n demo (kubectl get namespaces lists them)");
}

Result<void> checkObjectName(std::string_view value, const std::string& what) {
  bool valid = !value.empty() && value.size() <= 253;
  for (std::size_t start = 0; valid && start <= value.size();) {
    auto dot = value.find('.', start);
    auto label = value.substr(start, dot == std::string_view::npos ? dot : dot - start);
    valid = isRfc1123Label(label);
    start = dot == std::string_view::npos ? value.size() + 1 : dot + 1;
  }
  if (valid) return {};
  return makeError("BadInput",
                   what +
                       ": expected a Kubernetes object name (lowercase letters, digits, '-' and "
                       "'.', starting and ending with a letter or digit, at most 253 "
                       "characters), found " +
                       shown(value) + "; e.g. demo-issuer");
}

Result<void> checkDnsName(std::string_view value, const std::string& what) {
  std::string_view rest = value;
  if (rest.substr(0, 2) == "*.") rest.remove_prefix(2);
  bool valid = !rest.empty() && value.size() <= 253;
  for (std::size_t start = 0; valid && start <= rest.size();) {
    auto dot = rest.find('.', start);
    auto label = rest.substr(start, dot == std::string_view::npos ? dot : dot - start);
    valid = !label.empty() && label.size() <= 63 && isAlnum(label.front()) && isAlnum(label.back());
    for (char c : label) valid = valid && (isAlnum(c) || c == '-');
    start = dot == std::string_view::npos ? rest.size() + 1 : dot + 1;
  }
  if (valid) return {};
  return makeError("BadInput", what +
                                   ": expected a DNS name (labels of letters, digits and '-' "
                                   "joined by '.', optionally starting with '*.'), found " +
                                   shown(value) + "; e.g. " + what + " web.demo.local");
}

Result<void> checkIpAddress(std::string_view value, const std::string& what) {
  const std::string text(value);
  std::array<unsigned char, sizeof(in6_addr)> buffer{};
  if (::inet_pton(AF_INET, text.c_str(), buffer.data()) == 1 ||
      ::inet_pton(AF_INET6, text.c_str(), buffer.data()) == 1) {
    return {};
  }
  return makeError("BadInput", what +
                                   ": expected an IPv4 or IPv6 address such as 127.0.0.1 or "
                                   "::1, found " +
                                   shown(value));
}

Result<std::uint64_t> parseSeed(std::string_view text, const std::string& what) {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t seed = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seed);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || seed > kMax) {
    return makeError("BadInput", what + ": expected a whole number from 0 to " +
                                     std::to_string(kMax) +
                                     " (the same seed makes the same "
                                     "choices), found " +
                                     shown(text));
  }
  return seed;
}

Result<double> parseTimeScale(std::string_view text, const std::string& what, bool fractional) {
  const std::string copy(text);
  char* end = nullptr;
  double value = copy.empty() ? 0 : std::strtod(copy.c_str(), &end);
  const bool number = !copy.empty() && end == copy.c_str() + copy.size() && std::isfinite(value);
  const bool whole = number && value == std::floor(value) && value <= 1e12;
  if (number && value >= 1 && (fractional || whole)) return value;
  return makeError(
      "BadInput",
      what + ": expected " +
          (fractional ? std::string("a number >= 1") : std::string("a whole number >= 1")) +
          " that divides every duration (60: one hour lasts one minute), found " + shown(text));
}

}  // namespace certchaos::cli
