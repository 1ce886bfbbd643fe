#include "render_util.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdint>

#include "certchaos/common/duration.h"
#include "certchaos/common/utf8.h"
#include "certchaos/report/duration_format.h"

namespace certchaos::report::detail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

std::string sanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8SequenceLength(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string escapeXml(std::string_view raw) {
  std::string s = sanitizeUtf8(raw);
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
      case '\r':
        out += c;
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          out += kReplacement;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string printable(std::string_view raw) {
  std::string s = sanitizeUtf8(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += ' ';
    } else if (u < 0x20 || u == 0x7F) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

std::size_t displayWidth(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string truncate(std::string_view s, std::size_t maxChars) {
  if (displayWidth(s) <= maxChars) return std::string(s);
  std::size_t chars = 0;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == maxChars - 1) break;
      ++chars;
    }
  }
  return std::string(s.substr(0, i)) + "…";
}

std::string clockTime(SystemTime t) {
  using namespace std::chrono;
  auto ms = floor<milliseconds>(t);
  auto day = floor<days>(ms);
  hh_mm_ss<milliseconds> hms(ms - day);
  return fmt::format("{:02}:{:02}:{:02}.{:03}", hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count(), hms.subseconds().count());
}

std::string dateTime(SystemTime t) {
  std::string s = formatRfc3339(t, TimePrecision::kSeconds);  // 2024-05-01T12:00:05Z
  if (s.size() > 10 && s[10] == 'T') s[10] = ' ';
  return s;
}

std::string wallOffset(const Report& r, SystemTime t) {
  auto d = std::chrono::duration_cast<Duration>(t - r.run.startedAt);
  std::string h = formatHumanDuration(d);
  return h.starts_with("-") ? h : "+" + h;
}

std::string nominalLabel(Duration nominal) {
  std::string h = formatHumanDuration(nominal);
  return h.starts_with("-") ? h : "+" + h;
}

std::string joinMap(const std::map<std::string, std::string>& m) {
  if (m.empty()) return "none";
  std::string out;
  for (const auto& [k, v] : m) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} = {}", k, v);
  }
  return out;
}

std::string joinList(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

namespace {

// The parameters given, then the defaults in force: "delay = 1h; defaults: jitter = 0".
std::string parametersText(const Scenario& s) {
  if (s.parameters.empty() && s.defaults.empty()) return "none";
  std::string out = s.parameters.empty() ? "none given" : joinMap(s.parameters);
  if (!s.defaults.empty()) out += "; defaults: " + joinMap(s.defaults);
  return out;
}

}  // namespace

std::string checkOutcomeLabel(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kHeld:
      return "HELD";
    case CheckOutcome::kViolated:
      return "VIOLATED";
    case CheckOutcome::kNotEvaluated:
      return "NOT EVALUATED";
  }
  return "NOT EVALUATED";
}

std::string toleranceText(const CheckResult& check) {
  const std::string out = joinMap(check.tolerance);
  switch (check.origin) {
    case CheckOrigin::kScenario:
      return out;
    case CheckOrigin::kOverridden:
      return out + " (set by --check for this run; the scenario declares " +
             joinMap(check.scenarioTolerance) + ")";
    case CheckOrigin::kAdded:
      return out + " (added by --check for this run)";
  }
  return out;
}

std::string checkTime(const Report& r, const CheckResult& check) {
  if (!check.at) return "-";
  return clockTime(*check.at) + " (" + wallOffset(r, *check.at) + ")";
}

namespace {

std::string backoffText(const CertManagerBackoff& b, double scale) {
  // Go durations, as cert-manager's flags and docs write them (32h, not "1 d 8 h").
  auto nominal = [scale](Duration wall) {
    const auto n = std::llround(static_cast<long double>(wall.count()) * scale / 1e9L);
    return formatGoDuration(std::chrono::seconds(n));
  };
  if (b.scaled) {
    return "scaled " + formatTimeScale(scale) + ": minimum " + formatGoDuration(b.minimum) + " (" +
           nominal(b.minimum) + " nominal), maximum " + formatGoDuration(b.maximum) + " (" +
           nominal(b.maximum) + " nominal). " + b.note;
  }
  return "NOT scaled: minimum " + formatGoDuration(b.minimum) + ", maximum " +
         formatGoDuration(b.maximum) + " (wall). " + b.note;
}

}  // namespace

std::vector<Fact> runFacts(const Report& r) {
  const double scale = r.run.timeScale;
  auto span = std::chrono::duration_cast<Duration>(r.run.endedAt - r.run.startedAt);
  std::vector<Fact> facts = {
      {"Run", r.run.id},
      {"Scenario", fmt::format("{} {} (seed {})", r.run.scenario.number, r.run.scenario.name,
                               r.run.scenario.seed)},
      {"Parameters", parametersText(r.run.scenario)},
      {"Time scale",
       scale == 1.0 ? std::string("×1 (no compression)")
                    : fmt::format("{} (1 s wall = {} nominal)", formatTimeScale(scale),
                                  formatHumanDuration(toNominal(r.run, std::chrono::seconds(1))))},
      {"Cluster", r.run.cluster.empty() ? "-" : r.run.cluster},
      {"Versions", joinMap(r.run.versions)},
      {"Started", dateTime(r.run.startedAt)},
      {"Ended", dateTime(r.run.endedAt) + " (after " + formatWallAndNominal(span, scale) + ")"},
  };
  if (r.run.certManagerBackoff) {
    // Right after the time scale: what the compression covered.
    facts.insert(facts.begin() + 4,
                 {"cert-manager backoff", backoffText(*r.run.certManagerBackoff, scale)});
  }
  return facts;
}

std::vector<Fact> outcomeFacts(const Report& r) {
  const double scale = r.run.timeScale;
  return {
      {"Time to failure",
       r.timeToFailure ? formatWallAndNominal(*r.timeToFailure, scale) : "- (no failure)"},
      {"Time to recovery", r.timeToRecovery ? formatWallAndNominal(*r.timeToRecovery, scale)
                                            : "- (no recovery observed)"},
      {"CertificateRequests", std::to_string(r.certificateRequestCount)},
      {"Circuit breaker",
       r.circuitBreakerTripped ? "TRIPPED (runaway requests stopped)" : "not tripped"},
  };
}

std::vector<CertificateRow> certificateRows(const Report& r) {
  using Get = std::string (*)(const CertificateInfo&);
  auto row = [&r](std::string label, Get get) {
    CertificateRow out{std::move(label), std::nullopt, std::nullopt};
    if (r.certificates.before) out.before = get(*r.certificates.before);
    if (r.certificates.after) out.after = get(*r.certificates.after);
    return out;
  };
  using C = const CertificateInfo&;
  return {
      row("Serial", [](C c) { return c.serial; }),
      row("Not before", [](C c) { return dateTime(c.notBefore); }),
      row("Not after", [](C c) { return dateTime(c.notAfter); }),
      row("Issuer", [](C c) { return c.issuer; }),
      row("Subject", [](C c) { return c.subject; }),
      row("DNS names", [](C c) { return joinList(c.dnsNames); }),
      row("IP addresses", [](C c) { return joinList(c.ipAddresses); }),
  };
}

std::optional<std::string> sincePrevious(const Report& r, const ChainLink& link) {
  if (!link.durationFromPrevious) return std::nullopt;
  return formatWallAndNominal(*link.durationFromPrevious, r.run.timeScale);
}

std::string_view participantName(Participant p) {
  switch (p) {
    case Participant::kRunner:
      return "Runner";
    case Participant::kIssuer:
      return "ChaosIssuer";
    case Participant::kCertManager:
      return "cert-manager";
    case Participant::kApplication:
      return "Application";
    case Participant::kProbe:
      return "Probe";
  }
  return "Runner";
}

std::string_view participantId(Participant p) {
  switch (p) {
    case Participant::kRunner:
      return "Runner";
    case Participant::kIssuer:
      return "Issuer";
    case Participant::kCertManager:
      return "CM";
    case Participant::kApplication:
      return "App";
    case Participant::kProbe:
      return "Probe";
  }
  return "Runner";
}

bool isFailureKind(std::string_view kind) {
  return kind == kinds::kProbeFailed || kind == kinds::kCertificateExpired ||
         kind == kinds::kCircuitBreakerTripped || kind == kinds::kAborted;
}

namespace {

Participant actorOf(const TimelineEntry& e) {
  switch (e.source) {
    case Source::kIssuer:
      return Participant::kIssuer;
    case Source::kCertManager:
      return Participant::kCertManager;
    case Source::kApplication:
      return Participant::kApplication;
    case Source::kProbe:
      return Participant::kProbe;
    case Source::kRunner:
      return Participant::kRunner;
    case Source::kKubernetesEvent:
      // Events are mostly cert-manager's; the issuer's own are on ChaosIssuer objects.
      if (e.object.starts_with("ChaosIssuer") || e.object.starts_with("ChaosClusterIssuer")) {
        return Participant::kIssuer;
      }
      return Participant::kCertManager;
  }
  return Participant::kRunner;
}

struct Arrow {
  std::string_view kind;
  Participant from;
  Participant to;
};

constexpr std::array<Arrow, 8> kArrows{{
    {kinds::kScenarioDeployed, Participant::kRunner, Participant::kIssuer},
    {kinds::kRenewalForced, Participant::kRunner, Participant::kCertManager},
    {kinds::kRolledBack, Participant::kRunner, Participant::kIssuer},
    {kinds::kRequestCreated, Participant::kCertManager, Participant::kIssuer},
    {kinds::kRequestSigned, Participant::kIssuer, Participant::kCertManager},
    {kinds::kSecretUpdated, Participant::kCertManager, Participant::kApplication},
    {kinds::kProbeSucceeded, Participant::kProbe, Participant::kApplication},
    {kinds::kProbeFailed, Participant::kProbe, Participant::kApplication},
}};

}  // namespace

std::vector<SequenceMessage> buildSequence(const Report& r) {
  std::vector<SequenceMessage> out;
  for (const auto& e : r.timeline) {
    SequenceMessage m;
    m.kind = e.kind;
    m.label = e.message.empty() ? e.kind : e.message;
    // A probe error is a chain of wrapped errors; the x509 part is the one that explains it.
    if (e.source == Source::kProbe) {
      if (auto pos = m.label.find("x509: "); pos != std::string::npos && pos > 0) {
        m.label = m.label.substr(pos);
      }
    }
    m.at = m.lastAt = e.wallTime;
    m.nominal = e.nominalTime;
    m.failure = isFailureKind(e.kind);
    m.note = true;
    m.from = m.to = actorOf(e);
    for (const auto& a : kArrows) {
      if (a.kind == e.kind) {
        m.note = false;
        m.from = a.from;
        m.to = a.to;
      }
    }
    // What the application serves (or fails to) is shown on its lifeline, whoever saw it.
    if (m.note && (e.kind == kinds::kCertificateExpired || e.kind == kinds::kCertificateServed)) {
      m.from = m.to = Participant::kApplication;
    }
    if (!out.empty()) {
      SequenceMessage& last = out.back();
      bool probe = m.kind == kinds::kProbeSucceeded || m.kind == kinds::kProbeFailed;
      if (last.kind == m.kind && last.from == m.from && last.to == m.to && last.note == m.note &&
          (probe || last.label == m.label)) {
        ++last.count;
        last.lastAt = m.at;
        continue;
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::string> logLines(const Report& r) {
  if (r.artifacts.logSources.empty()) return r.artifacts.logs;
  std::vector<std::string> lines;
  for (const auto& log : r.artifacts.logSources) {
    std::string line = log.component + ": " + log.describe();
    if (!log.error.empty()) {
      line += " could not be read: " + log.error;
    } else if (!log.path.empty()) {
      line += " → " + log.path;
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace certchaos::report::detail
