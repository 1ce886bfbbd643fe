#include "certchaos/kube/query.h"

namespace certchaos::kube {

std::string urlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Query& Query::add(std::string_view key, std::string_view value) {
  if (!value.empty()) pairs_.emplace_back(key, value);
  return *this;
}

Query& Query::add(std::string_view key, long long value) {
  return add(key, std::string_view(std::to_string(value)));
}

Query& Query::addBool(std::string_view key, bool value) {
  if (value) pairs_.emplace_back(key, "true");
  return *this;
}

std::string Query::encode() const {
  std::string out;
  for (const auto& [k, v] : pairs_) {
    if (!out.empty()) out += '&';
    out += urlEncode(k) + "=" + urlEncode(v);
  }
  return out;
}

}  // namespace certchaos::kube
