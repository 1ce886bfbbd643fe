#include <fmt/format.h>

#include "certchaos/report/duration_format.h"
#include "render_util.h"
#include "renderers.h"

namespace certchaos::report::detail {
namespace {

std::string seconds(Duration d) {
  return fmt::format("{:.3f}", std::chrono::duration<double>(d).count());
}

// JUnit schemas (Ant's, Jenkins') want an ISO 8601 time without a zone; it is UTC.
std::string junitTimestamp(SystemTime t) {
  std::string s = formatRfc3339(t, TimePrecision::kSeconds);
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  return s;
}

// The chain and the timeline as plain text for the failure body and system-out.
std::string details(const Report& r) {
  std::string out = r.verdict.summary + "\n";
  if (!r.verdict.failingStep.empty()) out += "failing step: " + r.verdict.failingStep + "\n";
  out += "\ncausal chain:\n";
  for (const auto& link : r.chain) {
    out += "  " + clockTime(link.at) + "  " + link.step;
    if (auto since = sincePrevious(r, link)) out += " (+" + *since + ")";
    if (!link.message.empty()) out += ": " + link.message;
    out += "\n";
  }
  if (r.timeToFailure) {
    out += "time to failure: " + formatWallAndNominal(*r.timeToFailure, r.run.timeScale) + "\n";
  }
  if (r.timeToRecovery) {
    out += "time to recovery: " + formatWallAndNominal(*r.timeToRecovery, r.run.timeScale) + "\n";
  }
  return out;
}

std::string timelineText(const Report& r) {
  std::string out;
  for (const auto& e : r.timeline) {
    out += fmt::format("{} {} {} {} {}", clockTime(e.wallTime), nominalLabel(e.nominalTime),
                       toString(e.source), e.kind, e.message);
    if (!e.object.empty()) out += " [" + e.object + "]";
    out += "\n";
  }
  return out;
}

class JunitRenderer final : public ReportRenderer {
 public:
  std::string_view format() const override { return "junit"; }
  std::string_view fileExtension() const override { return "xml"; }

  std::string render(const Report& r) const override {
    const bool failed = r.verdict.result == VerdictResult::kFailed;
    const bool skipped = r.verdict.result == VerdictResult::kAborted ||
                         r.verdict.result == VerdictResult::kInconclusive;
    const std::string time =
        seconds(std::chrono::duration_cast<Duration>(r.run.endedAt - r.run.startedAt));
    const std::string suite =
        "certchaos.scenario-" + std::to_string(r.run.scenario.number) + "-" + r.run.scenario.name;
    int violated = 0, notEvaluated = 0;
    for (const auto& c : r.verdict.checks) {
      violated += c.outcome == CheckOutcome::kViolated ? 1 : 0;
      notEvaluated += c.outcome == CheckOutcome::kNotEvaluated ? 1 : 0;
    }
    const std::string counts = fmt::format(R"(tests="{}" failures="{}" errors="0" skipped="{}")",
                                           1 + r.verdict.checks.size(), (failed ? 1 : 0) + violated,
                                           (skipped ? 1 : 0) + notEvaluated);
    auto x = [](std::string_view s) { return escapeXml(s); };

    std::string o = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    o += fmt::format("<testsuites name=\"certchaos\" {} time=\"{}\">\n", counts, time);
    o += fmt::format("  <testsuite name=\"{}\" {} time=\"{}\" timestamp=\"{}\">\n", x(suite),
                     counts, time, junitTimestamp(r.run.startedAt));
    o += "    <properties>\n";
    auto property = [&](std::string_view name, std::string_view value) {
      o += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", x(name), x(value));
    };
    property("run.id", r.run.id);
    property("scenario.number", std::to_string(r.run.scenario.number));
    property("scenario.name", r.run.scenario.name);
    for (const auto& [k, v] : r.run.scenario.parameters) property("scenario.parameter." + k, v);
    property("seed", std::to_string(r.run.scenario.seed));
    property("timeScale", fmt::format("{}", r.run.timeScale));
    property("cluster", r.run.cluster);
    for (const auto& [k, v] : r.run.versions) property("version." + k, v);
    property("verdict", toString(r.verdict.result));
    property("certificateRequestCount", std::to_string(r.certificateRequestCount));
    property("circuitBreakerTripped", r.circuitBreakerTripped ? "true" : "false");
    if (r.timeToFailure) property("timeToFailure", formatGoDurationForJunit(*r.timeToFailure));
    if (r.timeToRecovery) property("timeToRecovery", formatGoDurationForJunit(*r.timeToRecovery));
    o += "    </properties>\n";

    o += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\">\n", x(suite),
                     x(r.verdict.hypothesis), time);
    if (failed) {
      std::string message =
          r.verdict.summary.empty() ? "the hypothesis did not hold" : r.verdict.summary;
      o += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", x(message),
                       x(r.verdict.failingStep.empty() ? "failed" : r.verdict.failingStep),
                       x(details(r)));
    } else if (skipped) {
      std::string message = std::string("run ") + std::string(toString(r.verdict.result));
      if (!r.verdict.summary.empty()) message += ": " + r.verdict.summary;
      o += fmt::format("      <skipped message=\"{}\"/>\n", x(message));
    }
    o += "      <system-out>" + x(timelineText(r)) + "</system-out>\n";
    o += "    </testcase>\n";
    // One test case per check of the hypothesis: violated fails, not evaluated is skipped.
    for (const auto& c : r.verdict.checks) {
      o += fmt::format("    <testcase classname=\"{}.checks\" name=\"{}: {}\" time=\"0\">\n",
                       x(suite), x(c.name), x(c.description));
      std::string detail = c.evidence;
      if (!c.tolerance.empty() || c.origin != CheckOrigin::kScenario) {
        detail += " (tolerance: " + toleranceText(c) + ")";
      }
      if (c.outcome == CheckOutcome::kViolated) {
        o += fmt::format("      <failure message=\"{}\" type=\"violated\"/>\n", x(detail));
      } else if (c.outcome == CheckOutcome::kNotEvaluated) {
        o += fmt::format("      <skipped message=\"not evaluated: {}\"/>\n", x(detail));
      } else {
        o += "      <system-out>held: " + x(detail) + "</system-out>\n";
      }
      o += "    </testcase>\n";
    }
    o += "  </testsuite>\n";
    o += "</testsuites>\n";
    return o;
  }

 private:
  static std::string formatGoDurationForJunit(Duration d) { return seconds(d) + "s"; }
};

}  // namespace

std::unique_ptr<ReportRenderer> makeJunitRenderer() { return std::make_unique<JunitRenderer>(); }

}  // namespace certchaos::report::detail
