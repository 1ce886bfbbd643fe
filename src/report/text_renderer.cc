#include <fmt/format.h>

#include "certchaos/report/duration_format.h"
#include "render_util.h"
#include "renderers.h"

namespace certchaos::report::detail {
namespace {

constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kDim = "\x1b[2m";
constexpr std::string_view kReset = "\x1b[0m";

class Writer {
 public:
  explicit Writer(bool colour) : colour_(colour) {}

  std::string paint(std::string_view code, std::string_view text) const {
    if (!colour_) return std::string(text);
    return std::string(code) + std::string(text) + std::string(kReset);
  }
  void heading(std::string_view title) { out_ += "\n" + paint(kBold, title) + "\n"; }
  void line(std::string_view text = {}) {
    out_ += text;
    out_ += '\n';
  }
  // "  label   value", labels aligned to `width`.
  void field(std::string_view label, std::string_view value, std::size_t width = 21) {
    std::string l(label);
    l.resize(std::max(width, l.size()), ' ');
    line("  " + paint(kDim, l) + std::string(value));
  }

  struct Row {
    std::vector<std::string> cells;
    std::string_view colour;  // empty: none
  };
  // Columns padded to their widest cell; the last one is never padded (messages run long).
  void table(const std::vector<std::string>& headers, const std::vector<Row>& rows) {
    std::vector<std::size_t> widths(headers.size(), 0);
    for (std::size_t c = 0; c < headers.size(); ++c) widths[c] = displayWidth(headers[c]);
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.cells.size() && c < widths.size(); ++c) {
        widths[c] = std::max(widths[c], displayWidth(row.cells[c]));
      }
    }
    auto render = [&](const std::vector<std::string>& cells) {
      std::string text = "  ";
      for (std::size_t c = 0; c < cells.size(); ++c) {
        text += cells[c];
        if (c + 1 < cells.size()) text += std::string(widths[c] - displayWidth(cells[c]) + 2, ' ');
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      return text;
    };
    line(paint(kDim, render(headers)));
    for (const auto& row : rows) {
      std::string text = render(row.cells);
      line(row.colour.empty() ? text : paint(row.colour, text));
    }
  }

  std::string take() { return std::move(out_); }

 private:
  bool colour_;
  std::string out_;
};

std::string_view verdictColour(VerdictResult v) {
  switch (v) {
    case VerdictResult::kPassed:
      return kGreen;
    case VerdictResult::kFailed:
      return kRed;
    default:
      return kYellow;
  }
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

class TextRenderer final : public ReportRenderer {
 public:
  explicit TextRenderer(RenderOptions options) : options_(options) {}
  std::string_view format() const override { return "text"; }
  std::string_view fileExtension() const override { return "txt"; }

  std::string render(const Report& r) const override {
    Writer w(options_.colour);

    w.line(w.paint(
        kBold, fmt::format("certchaos report — scenario {} \"{}\" — run {}", r.run.scenario.number,
                           printable(r.run.scenario.name), printable(r.run.id))));
    for (const auto& fact : runFacts(r)) {
      if (fact.label != "Run") w.field(fact.label, printable(fact.value));
    }

    // Verdict first: the line a developer looks for.
    std::string verdict = "VERDICT: " + upper(toString(r.verdict.result));
    if (!r.verdict.failingStep.empty()) {
      verdict += " (failing step: " + printable(r.verdict.failingStep) + ")";
    }
    w.line();
    w.line(w.paint(kBold, w.paint(verdictColour(r.verdict.result), verdict)));
    w.field("Hypothesis", printable(r.verdict.hypothesis));
    if (!r.verdict.summary.empty()) w.field("Summary", printable(r.verdict.summary));

    w.heading("Checks");
    if (r.verdict.checks.empty()) {
      w.line("  none declared");
    } else {
      std::vector<Writer::Row> rows;
      for (const auto& c : r.verdict.checks) {
        rows.push_back({{checkOutcomeLabel(c.outcome), printable(c.name), printable(c.description),
                         printable(toleranceText(c)), checkTime(r, c), printable(c.evidence)},
                        c.outcome == CheckOutcome::kViolated ? kRed : std::string_view{}});
      }
      w.table({"OUTCOME", "CHECK", "HYPOTHESIS", "TOLERANCE", "AT (UTC)", "EVIDENCE"}, rows);
    }

    w.heading("Proof of injection");
    if (r.proofOfInjection.empty()) {
      w.line("  none: no evidence from the issuer that the fault was applied");
    } else {
      std::vector<Writer::Row> rows;
      for (const auto& p : r.proofOfInjection) {
        rows.push_back({{clockTime(p.at), printable(p.fault), std::string(toString(p.source)),
                         printable(p.evidence)},
                        {}});
      }
      w.table({"AT (UTC)", "FAULT", "SOURCE", "EVIDENCE"}, rows);
    }

    w.heading("Timeline");
    {
      std::vector<Writer::Row> rows;
      for (const auto& e : r.timeline) {
        std::string message = printable(e.message);
        if (!e.object.empty()) message += " [" + printable(e.object) + "]";
        rows.push_back(
            {{clockTime(e.wallTime), wallOffset(r, e.wallTime), nominalLabel(e.nominalTime),
              std::string(toString(e.source)), printable(e.kind), message},
             isFailureKind(e.kind) ? kRed : std::string_view{}});
      }
      w.table({"WALL (UTC)", "+WALL", "+NOMINAL", "SOURCE", "KIND", "MESSAGE"}, rows);
    }

    w.heading("Causal chain");
    if (r.chain.empty()) {
      w.line("  none recorded");
    } else {
      std::vector<Writer::Row> rows;
      for (const auto& link : r.chain) {
        std::string since = sincePrevious(r, link).value_or("-");
        rows.push_back({{printable(link.step), clockTime(link.at), wallOffset(r, link.at), since,
                         printable(link.message)},
                        link.step == r.verdict.failingStep ? kRed : std::string_view{}});
      }
      w.table({"STEP", "AT (UTC)", "+WALL", "SINCE PREVIOUS", "DETAIL"}, rows);
    }

    w.heading("Certificates");
    {
      std::vector<Writer::Row> rows;
      for (const auto& row : certificateRows(r)) {
        rows.push_back({{row.label, row.before ? printable(*row.before) : "-",
                         row.after ? printable(*row.after) : "-"},
                        {}});
      }
      w.table({"", "BEFORE", "AFTER"}, rows);
    }

    w.heading("Outcome");
    for (const auto& fact : outcomeFacts(r)) {
      bool alarm = fact.label == "Circuit breaker" && r.circuitBreakerTripped;
      w.field(fact.label, alarm ? w.paint(kRed, fact.value) : fact.value);
    }

    w.heading("Prediction with production settings");
    if (r.prediction) {
      w.line("  " + printable(r.prediction->text));
      for (const auto& [k, v] : r.prediction->assumptions) w.field(printable(k), printable(v));
    } else {
      w.line("  none");
    }

    w.heading("Artifacts");
    const auto logs = logLines(r);
    if (logs.empty()) w.line("  no logs collected");
    for (const auto& line : logs) w.line("  " + printable(line));
    return w.take();
  }

 private:
  RenderOptions options_;
};

}  // namespace

std::unique_ptr<ReportRenderer> makeTextRenderer(RenderOptions options) {
  return std::make_unique<TextRenderer>(options);
}

}  // namespace certchaos::report::detail
