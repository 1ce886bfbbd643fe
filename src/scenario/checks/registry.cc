// The check kinds, the helpers they share, and the hypothesis and verdict built from them.
#include <algorithm>
#include <charconv>

#include "certchaos/common/duration.h"
#include "check_kind.h"

namespace certchaos::scenario {
namespace checks {

const std::vector<const CheckKind*>& checkKinds() {
  static const std::vector<const CheckKind*> kKinds = {
      &probesValid(),         &renewedBeforeExpiry(), &signalBeforeExpiry(), &maxRequests(),
      &ownIssuerOnly(),       &deniedNotStored(),     &clientsReject(),      &servedRenewal(),
      &retriedBeforeExpiry(), &recoveredWithin(),     &trustKept(),          &replacedWithin(),
      &stormConcurrency(),    &stormRetries(),        &oldClientRisk(),      &trustsNewRoot()};
  return kKinds;
}

const CheckKind* findKind(std::string_view name) {
  for (const auto* k : checkKinds()) {
    if (k->name == name) return k;
  }
  return nullptr;
}

namespace {

std::optional<int> parseCount(const std::string& text) {
  int value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::chrono::nanoseconds toleranceDuration(const chaos::CheckSpec& spec, std::string_view key) {
  auto it = spec.tolerance.find(std::string(key));
  if (it == spec.tolerance.end()) return std::chrono::nanoseconds(0);
  auto d = parseGoDuration(it->second);
  return d ? *d : std::chrono::nanoseconds(0);
}

int toleranceCount(const chaos::CheckSpec& spec, std::string_view key) {
  auto it = spec.tolerance.find(std::string(key));
  if (it == spec.tolerance.end()) return 0;
  return parseCount(it->second).value_or(0);
}

std::string toleranceText(const chaos::CheckSpec& spec, std::string_view key) {
  auto it = spec.tolerance.find(std::string(key));
  return it == spec.tolerance.end() ? "" : it->second;
}

std::chrono::nanoseconds toWall(std::chrono::nanoseconds nominal, const Evidence& e) {
  const double scale = e.timeScale >= 1 ? e.timeScale : 1;
  return std::chrono::nanoseconds(
      static_cast<std::chrono::nanoseconds::rep>(static_cast<double>(nominal.count()) / scale));
}

std::optional<SystemTime> renewalConcludedAt(const Evidence& e) {
  std::optional<SystemTime> at;
  auto earliest = [&at](SystemTime t) {
    if (!at || t < *at) at = t;
  };
  for (const auto& r : e.requests) {
    if ((r.failed || r.denied) && r.decidedAt) earliest(*r.decidedAt);
  }
  if (e.issuanceFailedAt) earliest(*e.issuanceFailedAt);
  for (const auto& s : e.secret) {
    if (s.serial == e.baseSerial) continue;
    if (!e.probing) {
      earliest(s.at);
      continue;
    }
    for (const auto& p : e.probes) {
      if (p.servedSerial == s.serial) {
        earliest(std::max(p.at, s.at));
        break;
      }
    }
  }
  return at;
}

CheckEvaluation heldThroughout(const Evidence& e, std::string evidence) {
  auto concluded = renewalConcludedAt(e);
  const bool settled = e.ended || (concluded && e.now - *concluded >= e.settleTime);
  return {report::CheckOutcome::kHeld, settled, std::move(evidence), e.now};
}

CheckEvaluation cannotEvaluate(std::string why) {
  return {report::CheckOutcome::kNotEvaluated, true, std::move(why), std::nullopt};
}

CheckEvaluation notProbed() {
  return cannotEvaluate("no application was probed (pass --app https://HOST:PORT)");
}

CheckEvaluation undecided(const Evidence& e, std::string why) {
  return {report::CheckOutcome::kNotEvaluated, e.ended, std::move(why), std::nullopt};
}

std::string timeText(SystemTime t) {
  std::string s = formatRfc3339(t, TimePrecision::kMicroseconds);
  auto tpos = s.find('T');
  return tpos == std::string::npos ? s : s.substr(tpos + 1);
}

std::string durationText(std::chrono::nanoseconds d) {
  return formatGoDuration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

}  // namespace checks

std::vector<std::string> checkKindNames() {
  std::vector<std::string> out;
  for (const auto* k : checks::checkKinds()) out.emplace_back(k->name);
  return out;
}

std::string checks::kindNamesText() {
  std::string names;
  for (const auto& n : checkKindNames()) names += (names.empty() ? "" : ", ") + n;
  return names;
}

Result<void> validateCheck(const chaos::CheckSpec& spec) {
  const auto* kind = checks::findKind(spec.kind);
  if (kind == nullptr) {
    return makeError("BadInput",
                     "check '" + spec.kind + "': expected one of " + checks::kindNamesText());
  }
  for (const auto& [key, value] : spec.tolerance) {
    auto it = std::find_if(kind->tolerance.begin(), kind->tolerance.end(),
                           [&](const auto& t) { return t.first == key; });
    if (it == kind->tolerance.end()) {
      std::string keys;
      for (const auto& t : kind->tolerance)
        keys += (keys.empty() ? "" : ", ") + std::string(t.first);
      return makeError("BadInput", "check '" + spec.kind + "': unknown tolerance '" + key +
                                       "'; expected " + (keys.empty() ? "none" : keys));
    }
    if (it->second == "duration" && !parseGoDuration(value)) {
      return makeError("BadInput", "check '" + spec.kind + "': tolerance " + key +
                                       " expects a duration such as 5m, found '" + value + "'");
    }
    if (it->second == "count" && !checks::parseCount(value)) {
      return makeError("BadInput", "check '" + spec.kind + "': tolerance " + key +
                                       " expects an integer >= 0, found '" + value + "'");
    }
  }
  return {};
}

CheckEvaluation evaluateCheck(const chaos::CheckSpec& spec, const Evidence& evidence) {
  if (auto valid = validateCheck(spec); !valid) {
    return checks::cannotEvaluate(valid.error().message);
  }
  return checks::findKind(spec.kind)->evaluate(spec, evidence);
}

CheckedHypothesis checkHypothesis(const std::vector<chaos::CheckSpec>& specs,
                                  const Evidence& evidence) {
  std::vector<RunCheck> checks;
  for (const auto& spec : specs) checks.push_back({spec, report::CheckOrigin::kScenario, {}});
  return checkHypothesis(checks, evidence);
}

CheckedHypothesis checkHypothesis(const std::vector<RunCheck>& checks, const Evidence& evidence) {
  CheckedHypothesis out;
  bool allSettled = true, violated = false;
  for (const auto& check : checks) {
    const auto& spec = check.spec;
    auto e = evaluateCheck(spec, evidence);
    allSettled = allSettled && e.settled;
    violated = violated || e.outcome == report::CheckOutcome::kViolated;
    report::CheckResult r;
    r.name = spec.kind;
    r.description = spec.statement;
    r.tolerance = spec.tolerance;
    r.outcome = e.outcome;
    r.evidence = e.evidence;
    r.at = e.outcome == report::CheckOutcome::kNotEvaluated ? std::nullopt : e.at;
    r.origin = check.origin;
    r.scenarioTolerance = check.scenarioTolerance;
    out.checks.push_back(std::move(r));
  }
  out.decided = violated || allSettled;
  return out;
}

report::Verdict decideVerdict(const VerdictInputs& in) {
  using report::CheckOutcome;
  using report::VerdictResult;
  report::Verdict v;
  v.hypothesis = in.hypothesis;
  v.checks = in.checks;
  std::vector<const report::CheckResult*> violated, notEvaluated;
  for (const auto& c : in.checks) {
    if (c.outcome == CheckOutcome::kViolated) violated.push_back(&c);
    if (c.outcome == CheckOutcome::kNotEvaluated) notEvaluated.push_back(&c);
  }
  // The first violation in time is the one that decided the run.
  std::stable_sort(violated.begin(), violated.end(), [](const auto* a, const auto* b) {
    return a->at.value_or(SystemTime::max()) < b->at.value_or(SystemTime::max());
  });
  auto listViolations = [&] {
    std::string out;
    for (const auto* c : violated) {
      out +=
          (out.empty() ? "" : "; ") + std::string("check ") + c->name + " violated: " + c->evidence;
    }
    return out;
  };
  if (in.aborted) {
    v.result = VerdictResult::kAborted;
    v.summary = "The run was aborted before a verdict; the issuer was rolled back.";
    return v;
  }
  if (in.circuitBreaker) {
    v.result = VerdictResult::kFailed;
    v.failingStep = "circuit-breaker";
    v.summary = "cert-manager created more than " + std::to_string(in.maxRequests) +
                " CertificateRequests: a re-issue loop; stopped to protect the cluster.";
    return v;
  }
  if (!in.injected) {
    v.result = VerdictResult::kInconclusive;
    v.summary = "No proof that the fault was injected (expected " + in.proofNeeded +
                "), so the checks say nothing about it.";
    if (!in.whyNotInjected.empty()) v.summary += " Likely why: " + in.whyNotInjected + ".";
    if (!violated.empty()) v.summary += " Seen nonetheless: " + listViolations() + ".";
    return v;
  }
  if (!violated.empty()) {
    v.result = VerdictResult::kFailed;
    v.failingStep = violated.front()->name;
    v.summary = "The hypothesis did not hold: " + listViolations() + ".";
    return v;
  }
  if (!notEvaluated.empty()) {
    v.result = VerdictResult::kInconclusive;
    v.summary = "No check was violated, but not every check could be evaluated:";
    for (const auto* c : notEvaluated) v.summary += " " + c->name + " (" + c->evidence + ")";
    v.summary += ".";
    return v;
  }
  if (in.checks.empty()) {
    v.result = VerdictResult::kInconclusive;
    v.summary = "The scenario declares no checks, so there is nothing to pass.";
    return v;
  }
  v.result = VerdictResult::kPassed;
  v.summary = "Every check held and the fault was proven injected:";
  for (const auto& c : in.checks) v.summary += " " + c.name + " (" + c.evidence + ")";
  v.summary += ".";
  return v;
}

}  // namespace certchaos::scenario
