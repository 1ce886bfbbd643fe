// The quantities of a spec: fault parameters (durations, integers, fractions, enums) as users
// write them in spec.parameters and spec.faults[].parameters. Lines of "name=value"; the first
// line is the time scale. Parsed values must respect their declared ranges.
#include <map>
#include <string>

#include "certchaos/chaos/parameters.h"
#include "fuzz_check.h"

using certchaos::fuzz::check;
using namespace certchaos::chaos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<ParameterInfo> declared = {
      param("delay", ParameterKind::kDuration, "1m", "a duration"),
      param("period", ParameterKind::kDuration, "1s", "a positive duration", {}, true),
      param("count", ParameterKind::kInteger, "0", "an integer"),
      param("attempts", ParameterKind::kInteger, "1", "a positive integer", {}, true),
      param("jitter", ParameterKind::kFraction, "0", "a fraction"),
      param("mode", ParameterKind::kEnum, "a", "an enum", {"a", "b"}),
      param("note", ParameterKind::kText, "", "free text"),
  };
  std::string_view text = certchaos::fuzz::asText(data, size);
  std::int64_t timeScale = 1;
  std::map<std::string, std::string> given;
  bool first = true;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (first) {
      first = false;
      timeScale = 0;
      for (char c : line.substr(0, 12)) timeScale = timeScale * 10 + (c & 0x0f);
      continue;
    }
    auto eq = line.find('=');
    given[std::string(line.substr(0, eq))] =
        eq == std::string_view::npos ? "" : std::string(line.substr(eq + 1));
  }
  auto set = ParameterSet::parse(declared, given, timeScale, "spec.parameters");
  if (!set) {
    check(!set.error().message.empty(), "a refused parameter says why");
    return 0;
  }
  check(set->duration("delay").count() >= 0, "delay is non-negative");
  check(set->duration("period").count() > 0 || timeScale > 1, "period is positive");
  check(set->integer("count") >= 0, "count is non-negative");
  check(set->integer("attempts") > 0, "attempts is positive");
  check(set->fraction("jitter") >= 0 && set->fraction("jitter") <= 1, "jitter is in 0..1");
  check(set->text("mode") == "a" || set->text("mode") == "b", "mode is allowed");
  return 0;
}
