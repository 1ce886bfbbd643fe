#include "certchaos/report/report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace certchaos::report {
namespace {

template <typename E, std::size_t N>
Result<E> parseEnum(std::string_view text,
                    const std::array<std::pair<E, std::string_view>, N>& names,
                    std::string_view what) {
  std::string valid;
  for (const auto& [value, name] : names) {
    if (name == text) return value;
    valid += valid.empty() ? "" : ", ";
    valid += name;
  }
  return makeError("BadInput", "invalid " + std::string(what) + " \"" + std::string(text) +
                                   "\"; expected one of: " + valid);
}

template <typename E, std::size_t N>
std::string_view nameOf(E value, const std::array<std::pair<E, std::string_view>, N>& names) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

constexpr std::array<std::pair<VerdictResult, std::string_view>, 4> kVerdictNames{{
    {VerdictResult::kPassed, "passed"},
    {VerdictResult::kFailed, "failed"},
    {VerdictResult::kAborted, "aborted"},
    {VerdictResult::kInconclusive, "inconclusive"},
}};

constexpr std::array<std::pair<Source, std::string_view>, 6> kSourceNames{{
    {Source::kIssuer, "issuer"},
    {Source::kCertManager, "cert-manager"},
    {Source::kKubernetesEvent, "kubernetes-event"},
    {Source::kApplication, "application"},
    {Source::kProbe, "probe"},
    {Source::kRunner, "runner"},
}};

constexpr std::array<std::pair<EvidenceSource, std::string_view>, 5> kEvidenceNames{{
    {EvidenceSource::kIssuerEvent, "issuer-event"},
    {EvidenceSource::kIssuerMetric, "issuer-metric"},
    {EvidenceSource::kIssuerLog, "issuer-log"},
    {EvidenceSource::kIssuerStatus, "issuer-status"},
    {EvidenceSource::kRunnerAction, "runner-action"},
}};

constexpr std::array<std::pair<CheckOutcome, std::string_view>, 3> kCheckOutcomeNames{{
    {CheckOutcome::kHeld, "held"},
    {CheckOutcome::kViolated, "violated"},
    {CheckOutcome::kNotEvaluated, "not-evaluated"},
}};

constexpr std::array<std::pair<CheckOrigin, std::string_view>, 3> kCheckOriginNames{{
    {CheckOrigin::kScenario, "scenario"},
    {CheckOrigin::kOverridden, "overridden"},
    {CheckOrigin::kAdded, "added"},
}};

}  // namespace

std::string CollectedLog::describe() const {
  return origin + " " + from + (previous ? " (previous)" : "");
}

std::string_view toString(VerdictResult v) { return nameOf(v, kVerdictNames); }
std::string_view toString(Source s) { return nameOf(s, kSourceNames); }
std::string_view toString(EvidenceSource s) { return nameOf(s, kEvidenceNames); }
std::string_view toString(CheckOutcome o) { return nameOf(o, kCheckOutcomeNames); }
std::string_view toString(CheckOrigin o) { return nameOf(o, kCheckOriginNames); }

Result<VerdictResult> parseVerdictResult(std::string_view text) {
  return parseEnum(text, kVerdictNames, "verdict result");
}
Result<Source> parseSource(std::string_view text) {
  return parseEnum(text, kSourceNames, "timeline source");
}
Result<EvidenceSource> parseEvidenceSource(std::string_view text) {
  return parseEnum(text, kEvidenceNames, "evidence source");
}

Result<CheckOutcome> parseCheckOutcome(std::string_view text) {
  return parseEnum(text, kCheckOutcomeNames, "check outcome");
}

Result<CheckOrigin> parseCheckOrigin(std::string_view text) {
  return parseEnum(text, kCheckOriginNames, "check origin");
}

Duration toNominal(const Run& run, Duration wall) {
  // long double keeps nanosecond precision for the spans a run can have (days × large scales).
  long double scaled = static_cast<long double>(wall.count()) * run.timeScale;
  return Duration(static_cast<Duration::rep>(std::llround(scaled)));
}

Duration nominalOffset(const Run& run, SystemTime wall) {
  return toNominal(run, std::chrono::duration_cast<Duration>(wall - run.startedAt));
}

void finalizeTimes(Report& report) {
  std::stable_sort(
      report.timeline.begin(), report.timeline.end(),
      [](const TimelineEntry& a, const TimelineEntry& b) { return a.wallTime < b.wallTime; });
  for (auto& entry : report.timeline) entry.nominalTime = nominalOffset(report.run, entry.wallTime);

  std::stable_sort(report.chain.begin(), report.chain.end(),
                   [](const ChainLink& a, const ChainLink& b) { return a.at < b.at; });
  for (std::size_t i = 0; i < report.chain.size(); ++i) {
    if (i == 0) {
      report.chain[i].durationFromPrevious.reset();
    } else {
      report.chain[i].durationFromPrevious =
          std::chrono::duration_cast<Duration>(report.chain[i].at - report.chain[i - 1].at);
    }
  }
}

}  // namespace certchaos::report
