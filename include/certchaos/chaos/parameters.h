// Fault parameters: their declared shape (for the catalog and validation) and their parsed,
// time-scaled values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "certchaos/common/result.h"

namespace certchaos::chaos {

enum class ParameterKind {
  kDuration,  // a Go duration ("90s", "1h30m"), never negative; divided by the time scale
  kInteger,   // a non-negative decimal integer
  kFraction,  // a decimal number from 0 to 1
  kEnum,      // one of `allowed`
  kText,      // free text
};

const char* parameterKindName(ParameterKind kind);  // "duration", "integer", ...

struct ParameterInfo {
  std::string name;
  ParameterKind kind = ParameterKind::kText;
  std::string defaultValue;  // as a user would write it
  std::string description;
  std::vector<std::string> allowed;  // kEnum
  bool positive = false;             // kDuration / kInteger: zero refused too
};

inline ParameterInfo param(std::string name, ParameterKind kind, std::string defaultValue,
                           std::string description, std::vector<std::string> allowed = {},
                           bool positive = false) {
  return ParameterInfo{std::move(name),    kind,    std::move(defaultValue), std::move(description),
                       std::move(allowed), positive};
}

// Parsed values, defaults filled in, durations already divided by the time scale.
class ParameterSet {
 public:
  using Value = std::variant<std::chrono::nanoseconds, std::int64_t, double, std::string>;

  // Parses `given` against `declared`; every problem is reported, each as
  // "<where>.<name>: expected ..., found ...". `where` is the path shown to the user
  // (e.g. "spec.faults[1].parameters").
  static Result<ParameterSet> parse(const std::vector<ParameterInfo>& declared,
                                    const std::map<std::string, std::string>& given,
                                    std::int64_t timeScale, const std::string& where);

  std::chrono::nanoseconds duration(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;
  double fraction(const std::string& name) const;
  const std::string& text(const std::string& name) const;  // kEnum and kText
  // The values as given (or defaulted), unscaled: for messages and reports.
  const std::map<std::string, std::string>& nominal() const { return nominal_; }
  std::int64_t timeScale() const { return timeScale_; }

 private:
  std::map<std::string, Value> values_;
  std::map<std::string, std::string> nominal_;
  std::int64_t timeScale_ = 1;
};

}  // namespace certchaos::chaos
