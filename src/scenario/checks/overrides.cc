// A run's own changes to its scenario's checks (certchaos run --check NAME[=TOLERANCE]): a new
// tolerance for a check the scenario declares, or a check of another kind added for the run.
#include <algorithm>
#include <set>

#include "check_kind.h"

namespace certchaos::scenario {
namespace {

// "an integer >= 0 (limit)": what a kind's tolerance value must be, for the error messages.
std::string expectedValue(const checks::CheckKind& kind) {
  if (kind.tolerance.empty()) return "no value";
  const auto& [key, type] = kind.tolerance.front();
  const std::string what = type == "duration" ? "a duration such as 5m"
                           : type == "count"  ? "an integer >= 0"
                                              : "text (alternatives separated by '|')";
  return what + " (its " + std::string(key) + ")";
}

std::string usage(const checks::CheckKind& kind) {
  if (kind.tolerance.empty()) return "--check " + std::string(kind.name);
  return "--check " + std::string(kind.name) + "=" + std::string(kind.tolerance.front().first);
}

}  // namespace

Result<CheckOverride> parseCheckOverride(std::string_view text) {
  const auto eq = text.find('=');
  CheckOverride out;
  out.kind = std::string(text.substr(0, eq));
  if (eq != std::string_view::npos) out.value = std::string(text.substr(eq + 1));
  if (out.kind.empty()) {
    return makeError("BadInput", "--check: expected NAME or NAME=TOLERANCE with NAME one of " +
                                     checks::kindNamesText() + ", found '" + std::string(text) +
                                     "'");
  }
  return out;
}

Result<std::vector<RunCheck>> applyCheckOverrides(const std::vector<chaos::CheckSpec>& scenario,
                                                  const std::vector<CheckOverride>& overrides) {
  std::vector<RunCheck> out;
  for (const auto& spec : scenario) out.push_back({spec, report::CheckOrigin::kScenario, {}});
  std::set<std::string> given;
  for (const auto& o : overrides) {
    const std::string flag = "--check " + o.kind + (o.value ? "=" + *o.value : "");
    const auto* kind = checks::findKind(o.kind);
    if (kind == nullptr) {
      return makeError("BadInput", flag + ": expected a check named one of " +
                                       checks::kindNamesText() +
                                       " ('certchaos scenarios -o json' lists them with their "
                                       "tolerances)");
    }
    if (!given.insert(o.kind).second) {
      return makeError("BadInput",
                       flag + ": check " + o.kind + " is given twice; give each check once");
    }
    if (o.value && kind->tolerance.empty()) {
      return makeError("BadInput", flag + ": check " + o.kind + " takes no tolerance, found '" +
                                       *o.value + "'; use " + usage(*kind));
    }
    auto declared = std::find_if(out.begin(), out.end(),
                                 [&](const RunCheck& c) { return c.spec.kind == o.kind; });
    if (declared != out.end() && !o.value) {
      return makeError(
          "BadInput",
          flag + ": the scenario already checks " + o.kind +
              (kind->tolerance.empty() ? ", which takes no tolerance: nothing to change; remove it"
                                       : "; give its new tolerance, " + usage(*kind) + " with " +
                                             expectedValue(*kind)));
    }
    RunCheck changed;
    if (declared != out.end()) {
      changed = *declared;
      changed.origin = report::CheckOrigin::kOverridden;
      changed.scenarioTolerance = declared->spec.tolerance;
    } else {
      const auto* base = chaos::findCheck(o.kind);
      changed.spec = base != nullptr ? *base : chaos::CheckSpec{o.kind, o.kind, {}};
      changed.origin = report::CheckOrigin::kAdded;
    }
    if (o.value) {
      changed.spec.tolerance = {{std::string(kind->tolerance.front().first), *o.value}};
    }
    if (auto valid = validateCheck(changed.spec); !valid) {
      return makeError("BadInput", flag + ": expected " + expectedValue(*kind) + ", found '" +
                                       o.value.value_or("") + "' (" + valid.error().message + ")");
    }
    if (declared != out.end()) {
      *declared = std::move(changed);
    } else {
      out.push_back(std::move(changed));
    }
  }
  return out;
}

}  // namespace certchaos::scenario
