// JSON Pointer paths (RFC 6901) for error messages, private to src/report.
#pragma once

#include <string>
#include <string_view>

namespace certchaos::report::detail {

// `path` + "/" + token, with '~' and '/' in the token escaped as "~0" and "~1".
inline std::string childPointer(const std::string& path, std::string_view token) {
  std::string out = path + "/";
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace certchaos::report::detail
