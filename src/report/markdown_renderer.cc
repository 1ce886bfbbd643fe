#include <fmt/format.h>

#include "certchaos/report/duration_format.h"
#include "render_util.h"
#include "renderers.h"

namespace certchaos::report::detail {
namespace {

// Text in Markdown (and in GFM table cells): no raw HTML, no emphasis or links from data, no
// line breaks that would end a table row.
std::string md(std::string_view raw) {
  std::string s = sanitizeUtf8(raw);
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (u < 0x20 || u == 0x7F) {
      continue;
    } else if (std::string_view("\\`*_[]<>|&~#!").find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

// Inside a Mermaid statement: ';' ends a statement, '#' starts an entity, and a backtick could
// close the code fence; all go as Mermaid entity codes.
std::string mermaid(std::string_view raw) {
  std::string s = sanitizeUtf8(raw);
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case ';':
        out += "#59;";
        break;
      case '#':
        out += "#35;";
        break;
      case '<':
        out += "#60;";
        break;
      case '>':
        out += "#62;";
        break;
      case '&':
        out += "#38;";
        break;
      case '"':
        out += "#34;";
        break;
      case '`':
        out += "#96;";
        break;
      case '%':
        out += "#37;";
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string messageLabel(const SequenceMessage& m) {
  std::string label = "[" + nominalLabel(m.nominal) + "] " + truncate(m.label, 90);
  if (m.count > 1) label += fmt::format(" (×{})", m.count);
  return label;
}

std::string sequenceDiagram(const Report& r) {
  std::string out = "```mermaid\nsequenceDiagram\n";
  for (auto p : kParticipants) {
    out += fmt::format("    participant {} as {}\n", participantId(p), participantName(p));
  }
  for (const auto& m : buildSequence(r)) {
    std::string body;
    if (m.note) {
      body = fmt::format("Note over {}: {}", participantId(m.from), mermaid(messageLabel(m)));
    } else {
      body = fmt::format("{}{}{}: {}", participantId(m.from), m.failure ? "-x" : "->>",
                         participantId(m.to), mermaid(messageLabel(m)));
    }
    if (m.failure) {
      out += "    rect rgb(255, 221, 221)\n        " + body + "\n    end\n";
    } else {
      out += "    " + body + "\n";
    }
  }
  out += "```\n";
  return out;
}

std::string verdictBadge(VerdictResult v) {
  switch (v) {
    case VerdictResult::kPassed:
      return "✅ **PASSED**";
    case VerdictResult::kFailed:
      return "❌ **FAILED**";
    case VerdictResult::kAborted:
      return "⏹ **ABORTED**";
    case VerdictResult::kInconclusive:
      return "❔ **INCONCLUSIVE**";
  }
  return "";
}

class MarkdownRenderer final : public ReportRenderer {
 public:
  std::string_view format() const override { return "md"; }
  std::string_view fileExtension() const override { return "md"; }

  std::string render(const Report& r) const override {
    std::string o;
    auto add = [&o](std::string_view s) {
      o += s;
      o += '\n';
    };

    add(fmt::format("# certchaos report: scenario {} {} — {}", r.run.scenario.number,
                    md(r.run.scenario.name), verdictBadge(r.verdict.result)));
    add("");
    add("| | |");
    add("|---|---|");
    for (const auto& fact : runFacts(r)) add("| " + fact.label + " | " + md(fact.value) + " |");
    add("");
    add("## Verdict");
    add("");
    std::string verdict = verdictBadge(r.verdict.result);
    if (!r.verdict.failingStep.empty()) verdict += " — failing step: " + md(r.verdict.failingStep);
    add(verdict);
    add("");
    add("**Hypothesis:** " + md(r.verdict.hypothesis));
    if (!r.verdict.summary.empty()) {
      add("");
      add("> " + md(r.verdict.summary));
    }
    add("");
    add("### Checks");
    add("");
    if (r.verdict.checks.empty()) {
      add("None declared.");
    } else {
      add("| Outcome | Check | Hypothesis | Tolerance | At (UTC) | Evidence |");
      add("|---|---|---|---|---|---|");
      for (const auto& c : r.verdict.checks) {
        std::string outcome = checkOutcomeLabel(c.outcome);
        if (c.outcome == CheckOutcome::kViolated) outcome = fmt::format("**{}**", outcome);
        add(fmt::format("| {} | {} | {} | {} | {} | {} |", outcome, md(c.name), md(c.description),
                        md(toleranceText(c)), md(checkTime(r, c)), md(c.evidence)));
      }
    }

    add("");
    add("## Proof of injection");
    add("");
    if (r.proofOfInjection.empty()) {
      add("No evidence from the issuer that the fault was applied.");
    } else {
      add("| At (UTC) | Fault | Source | Evidence |");
      add("|---|---|---|---|");
      for (const auto& p : r.proofOfInjection) {
        add(fmt::format("| {} | {} | {} | {} |", clockTime(p.at), md(p.fault), toString(p.source),
                        md(p.evidence)));
      }
    }

    add("");
    add("## What happened");
    add("");
    add(sequenceDiagram(r));

    add("## Timeline");
    add("");
    add("| Wall (UTC) | +Wall | +Nominal | Source | Kind | Message | Object |");
    add("|---|---|---|---|---|---|---|");
    for (const auto& e : r.timeline) {
      std::string kind = md(e.kind);
      if (isFailureKind(e.kind)) kind = fmt::format("**{}**", kind);
      add(fmt::format("| {} | {} | {} | {} | {} | {} | {} |", clockTime(e.wallTime),
                      wallOffset(r, e.wallTime), nominalLabel(e.nominalTime), toString(e.source),
                      kind, md(e.message), md(e.object)));
    }

    add("");
    add("## Causal chain");
    add("");
    if (r.chain.empty()) {
      add("None recorded.");
    } else {
      add("| Step | At (UTC) | +Wall | Since previous | Detail |");
      add("|---|---|---|---|---|");
      for (const auto& link : r.chain) {
        std::string step = md(link.step);
        if (link.step == r.verdict.failingStep) step = fmt::format("**{}**", step);
        add(fmt::format("| {} | {} | {} | {} | {} |", step, clockTime(link.at),
                        wallOffset(r, link.at), sincePrevious(r, link).value_or("—"),
                        md(link.message)));
      }
    }

    add("");
    add("## Certificates");
    add("");
    add("| | Before | After |");
    add("|---|---|---|");
    for (const auto& row : certificateRows(r)) {
      add("| " + row.label + " | " + (row.before ? md(*row.before) : "—") + " | " +
          (row.after ? md(*row.after) : "—") + " |");
    }
    add("");
    add("## Outcome");
    add("");
    for (const auto& fact : outcomeFacts(r)) add("- " + fact.label + ": " + md(fact.value));
    add("");
    add("## Prediction with production settings");
    add("");
    if (r.prediction) {
      add(md(r.prediction->text));
      add("");
      for (const auto& [k, v] : r.prediction->assumptions) add("- " + md(k) + ": " + md(v));
    } else {
      add("None.");
    }

    add("");
    add("## Artifacts");
    add("");
    const auto logs = logLines(r);
    if (logs.empty()) add("No logs collected.");
    for (const auto& line : logs) add("- " + md(line));
    return o;
  }
};

}  // namespace

std::unique_ptr<ReportRenderer> makeMarkdownRenderer() {
  return std::make_unique<MarkdownRenderer>();
}

}  // namespace certchaos::report::detail
