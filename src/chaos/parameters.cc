#include "certchaos/chaos/parameters.h"

#include <charconv>
#include <cmath>
#include <set>

#include "certchaos/common/duration.h"

namespace certchaos::chaos {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

const char* parameterKindName(ParameterKind kind) {
  switch (kind) {
    case ParameterKind::kDuration:
      return "duration";
    case ParameterKind::kInteger:
      return "integer";
    case ParameterKind::kFraction:
      return "fraction";
    case ParameterKind::kEnum:
      return "enum";
    case ParameterKind::kText:
      return "text";
  }
  return "text";
}

Result<ParameterSet> ParameterSet::parse(const std::vector<ParameterInfo>& declared,
                                         const std::map<std::string, std::string>& given,
                                         std::int64_t timeScale, const std::string& where) {
  std::vector<std::string> problems;
  std::set<std::string> known;
  for (const auto& p : declared) known.insert(p.name);
  for (const auto& [name, value] : given) {
    if (known.count(name) == 0) {
      std::vector<std::string> names(known.begin(), known.end());
      problems.push_back(where + "." + name + ": unknown parameter; expected " +
                         (names.empty() ? "no parameters" : "one of: " + joined(names)));
    }
  }

  ParameterSet out;
  out.timeScale_ = timeScale < 1 ? 1 : timeScale;
  for (const auto& p : declared) {
    auto it = given.find(p.name);
    const std::string& text = it != given.end() ? it->second : p.defaultValue;
    const std::string at = where + "." + p.name;
    out.nominal_[p.name] = text;
    switch (p.kind) {
      case ParameterKind::kDuration: {
        auto d = parseGoDuration(text);
        if (!d && d.error().code == "OutOfRange") {
          problems.push_back(at + ": " + d.error().message);
        } else if (!d) {
          problems.push_back(at +
                             ": expected a duration such as \"90s\", \"15m\" or \"1h30m\", "
                             "found \"" +
                             text + "\"");
        } else if (d->count() < 0 || (p.positive && d->count() == 0)) {
          problems.push_back(at + ": expected a " + (p.positive ? "positive" : "non-negative") +
                             " duration, found \"" + text + "\"");
        } else {
          out.values_[p.name] = *d / out.timeScale_;
        }
        break;
      }
      case ParameterKind::kInteger: {
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || v < 0 ||
            (p.positive && v == 0)) {
          problems.push_back(at + ": expected a " + (p.positive ? "positive" : "non-negative") +
                             " integer, found \"" + text + "\"");
        } else {
          out.values_[p.name] = v;
        }
        break;
      }
      case ParameterKind::kFraction: {
        double v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < 0 ||
            v > 1) {
          problems.push_back(at + ": expected a number from 0 to 1, found \"" + text + "\"");
        } else {
          out.values_[p.name] = v;
        }
        break;
      }
      case ParameterKind::kEnum: {
        bool ok = false;
        for (const auto& a : p.allowed) ok = ok || a == text;
        if (!ok) {
          problems.push_back(at + ": expected one of " + joined(p.allowed) + ", found \"" + text +
                             "\"");
        } else {
          out.values_[p.name] = text;
        }
        break;
      }
      case ParameterKind::kText:
        out.values_[p.name] = text;
        break;
    }
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
    return makeError("InvalidSpec", message);
  }
  return out;
}

std::chrono::nanoseconds ParameterSet::duration(const std::string& name) const {
  return std::get<std::chrono::nanoseconds>(values_.at(name));
}
std::int64_t ParameterSet::integer(const std::string& name) const {
  return std::get<std::int64_t>(values_.at(name));
}
double ParameterSet::fraction(const std::string& name) const {
  return std::get<double>(values_.at(name));
}
const std::string& ParameterSet::text(const std::string& name) const {
  return std::get<std::string>(values_.at(name));
}

}  // namespace certchaos::chaos
