#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "certchaos/report/duration_format.h"
#include "render_util.h"
#include "renderers.h"

namespace certchaos::report::detail {
namespace {

// Every string from the report goes through h(): the page must stay inert whatever a log line
// contains.
std::string h(std::string_view s) { return escapeXml(s); }

constexpr std::string_view kStyle = R"css(
:root { --fail: #c62828; --pass: #2e7d32; --warn: #ef6c00; --muted: #666; --line: #ddd; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; vertical-align: top; padding: .25em .6em; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
tr.failure td { color: var(--fail); }
.verdict { display: inline-block; padding: .2em .7em; border-radius: 4px; color: #fff; font-weight: 700; }
.verdict.passed { background: var(--pass); } .verdict.failed { background: var(--fail); }
.verdict.aborted, .verdict.inconclusive { background: var(--warn); }
.muted { color: var(--muted); }
svg { display: block; max-width: 100%; height: auto; font-family: system-ui, sans-serif; }
svg text { font-size: 11px; fill: #333; }
.diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; padding: .5em; }
)css";

std::string verdictSpan(VerdictResult v) {
  return fmt::format("<span class=\"verdict {0}\">{0}</span>", toString(v));
}

std::string sourceColour(Source s) {
  switch (s) {
    case Source::kIssuer:
      return "#6a1b9a";
    case Source::kCertManager:
      return "#1565c0";
    case Source::kKubernetesEvent:
      return "#00838f";
    case Source::kApplication:
      return "#2e7d32";
    case Source::kProbe:
      return "#ef6c00";
    case Source::kRunner:
      return "#455a64";
  }
  return "#455a64";
}

// A round tick interval (seconds) giving at most six ticks over `span` seconds.
double tickStep(double span) {
  static constexpr std::array<double, 23> kSteps{
      0.1, 0.2, 0.5,  1,    2,    5,     10,    15,    30,    60,     120,   300,
      600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800};
  for (double step : kSteps) {
    if (span / step <= 6) return step;
  }
  return span / 6;
}

// ---- the timeline chart: one lane per source, chain steps as vertical markers ----

std::string timelineSvg(const Report& r) {
  constexpr double kLeft = 130, kRight = 30, kWidth = 1000, kLane = 30, kChainBand = 64;
  constexpr double kCharWidth = 6.2;
  constexpr std::array<Source, 6> kLanes{Source::kRunner,      Source::kIssuer,
                                         Source::kCertManager, Source::kKubernetesEvent,
                                         Source::kApplication, Source::kProbe};
  const double top = kChainBand;
  const double lanesBottom = top + kLane * kLanes.size();
  const double height = lanesBottom + 48;
  const double plot = kWidth - kLeft - kRight;

  SystemTime start = r.run.startedAt;
  SystemTime end = std::max(r.run.endedAt, start + std::chrono::seconds(1));
  for (const auto& e : r.timeline) end = std::max(end, e.wallTime);
  const double span = std::chrono::duration<double>(end - start).count();
  auto xOf = [&](SystemTime t) {
    double f = std::chrono::duration<double>(t - start).count() / span;
    return kLeft + std::clamp(f, 0.0, 1.0) * plot;
  };
  auto laneOf = [&](Source s) {
    return static_cast<double>(std::find(kLanes.begin(), kLanes.end(), s) - kLanes.begin());
  };

  std::string o = fmt::format(
      "<svg id=\"timeline-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" "
      "width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"timeline of the run\">\n",
      kWidth, height, kWidth, height);

  // The outage: from the first sign of failure to recovery (or the end of the run).
  const ChainLink* outageStart = nullptr;
  const ChainLink* recovered = nullptr;
  for (const auto& link : r.chain) {
    if (outageStart == nullptr &&
        (link.step == steps::kCertificateExpired || link.step == steps::kProbeFailed)) {
      outageStart = &link;
    }
    if (link.step == steps::kRecovered) recovered = &link;
  }
  if (outageStart != nullptr) {
    double x0 = xOf(outageStart->at);
    double x1 = xOf(recovered != nullptr ? recovered->at : end);
    o += fmt::format(
        "<rect class=\"outage\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
        "fill=\"#c62828\" fill-opacity=\"0.10\"><title>outage: {}</title></rect>\n",
        x0, top, std::max(1.0, x1 - x0), lanesBottom - top,
        h(formatWallAndNominal(std::chrono::duration_cast<Duration>(
                                   (recovered != nullptr ? recovered->at : end) - outageStart->at),
                               r.run.timeScale)));
  }

  for (std::size_t i = 0; i < kLanes.size(); ++i) {
    double y = top + kLane * (static_cast<double>(i) + 0.5);
    o += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#e0e0e0\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
        kLeft, y, kWidth - kRight, y, kLeft - 8, y + 4, toString(kLanes[i]));
  }

  // Axis: round wall offsets (1, 2, 5, 10, 15, 30 s, minutes, hours...), at most 6 ticks, each
  // labelled with its wall offset above its nominal offset.
  o += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#999\"/>\n",
                   kLeft, lanesBottom, kWidth - kRight, lanesBottom);
  o += fmt::format(
      "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">wall</text>"
      "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">nominal</text>\n",
      kLeft - 8, lanesBottom + 16, kLeft - 8, lanesBottom + 32);
  const double step = tickStep(span);
  for (double t = 0; t <= span + 1e-9; t += step) {
    auto offset = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(t));
    double x = kLeft + plot * t / span;
    const char* anchor = t == 0 ? "start" : (x > kWidth - kRight - 30 ? "end" : "middle");
    o += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#999\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"{5}\">{4}</text>"
        "<text x=\"{0:.1f}\" y=\"{6:.1f}\" text-anchor=\"{5}\" fill=\"#666\">{7}</text>\n",
        x, lanesBottom, lanesBottom + 4, lanesBottom + 16, h(nominalLabel(offset)), anchor,
        lanesBottom + 32, h(nominalLabel(toNominal(r.run, offset))));
  }

  // Chain steps: a dashed line through the lanes, the label in the band above, in the first of
  // three rows where it does not overprint the previous label of that row.
  std::array<double, 3> rowEnd{-1e9, -1e9, -1e9};
  for (const auto& link : r.chain) {
    double x = xOf(link.at);
    bool failing = link.step == r.verdict.failingStep;
    double textWidth = static_cast<double>(displayWidth(link.step)) * kCharWidth;
    double left = std::clamp(x - textWidth / 2, 2.0, kWidth - 2 - textWidth);
    std::size_t row = 0;
    while (row + 1 < rowEnd.size() && rowEnd[row] > left - 6) ++row;
    if (rowEnd[row] > left - 6) {  // every row is taken: the least crowded one
      row =
          static_cast<std::size_t>(std::min_element(rowEnd.begin(), rowEnd.end()) - rowEnd.begin());
    }
    rowEnd[row] = left + textWidth;
    double labelY = 14 + 18 * static_cast<double>(row);
    std::string tip = link.step + " at " + clockTime(link.at) + " (" +
                      nominalLabel(nominalOffset(r.run, link.at)) + " nominal)";
    if (!link.message.empty()) tip += ": " + link.message;
    o += fmt::format(
        "<g class=\"chain-step\"><title>{0}</title>"
        "<line x1=\"{1:.1f}\" y1=\"{2:.1f}\" x2=\"{1:.1f}\" y2=\"{3:.1f}\" stroke=\"{4}\" "
        "stroke-dasharray=\"4 3\"/>"
        "<text x=\"{5:.1f}\" y=\"{6:.1f}\" fill=\"{4}\">{7}</text></g>\n",
        h(tip), x, labelY + 4, lanesBottom, failing ? "#c62828" : "#555", left, labelY,
        h(link.step));
  }

  for (const auto& e : r.timeline) {
    bool failure = isFailureKind(e.kind);
    std::string tip = clockTime(e.wallTime) + " (" + nominalLabel(e.nominalTime) + " nominal) " +
                      std::string(toString(e.source)) + " " + e.kind + ": " + e.message;
    o += fmt::format(
        "<circle class=\"event\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\">"
        "<title>{}</title></circle>\n",
        xOf(e.wallTime), top + kLane * (laneOf(e.source) + 0.5), failure ? 5 : 4,
        failure ? std::string("#c62828") : sourceColour(e.source), h(tip));
  }
  o += "</svg>\n";
  return o;
}

// ---- the sequence diagram: lifelines, arrows and notes drawn here, no script ----

std::string sequenceSvg(const Report& r) {
  constexpr double kTimeColumn = 110, kColumn = 190, kHeader = 46, kRow = 36, kCharWidth = 6.2;
  const auto messages = buildSequence(r);
  const double width = kTimeColumn + kColumn * kParticipants.size();
  const double height = kHeader + kRow * static_cast<double>(messages.size() + 1) + kHeader;
  auto centre = [&](Participant p) {
    auto i = std::find(kParticipants.begin(), kParticipants.end(), p) - kParticipants.begin();
    return kTimeColumn + kColumn * (static_cast<double>(i) + 0.5);
  };

  std::string o = fmt::format(
      "<svg id=\"sequence-diagram\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" "
      "width=\"{0}\" height=\"{1}\" role=\"img\" aria-label=\"sequence diagram of the run\">\n",
      width, height);
  o += "<defs>"
       "<marker id=\"seq-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
       "markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
       "fill=\"#333\"/></marker>"
       "<marker id=\"seq-cross\" viewBox=\"0 0 10 10\" refX=\"5\" refY=\"5\" markerWidth=\"10\" "
       "markerHeight=\"10\"><path d=\"M1,1 L9,9 M9,1 L1,9\" stroke=\"#c62828\" "
       "stroke-width=\"2\"/></marker>"
       "</defs>\n";

  // Participants at the top and the bottom, with their lifelines.
  for (auto p : kParticipants) {
    double x = centre(p);
    for (double y : {8.0, height - kHeader + 8}) {
      o += fmt::format(
          "<rect class=\"participant\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"28\" "
          "rx=\"4\" "
          "fill=\"#eef3fb\" stroke=\"#1565c0\"/><text x=\"{:.1f}\" y=\"{:.1f}\" "
          "text-anchor=\"middle\" font-weight=\"600\">{}</text>\n",
          x - 70, y, 140, x, y + 18, h(participantName(p)));
    }
    o += fmt::format(
        "<line class=\"lifeline\" x1=\"{0:.1f}\" y1=\"36\" x2=\"{0:.1f}\" y2=\"{1:.1f}\" "
        "stroke=\"#999\" stroke-dasharray=\"5 4\"/>\n",
        x, height - kHeader + 8);
  }

  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    double y = kHeader + kRow * static_cast<double>(i + 1);
    std::string label = m.label;
    if (m.count > 1) label = fmt::format("{}× {}", m.count, label);
    std::string tip =
        clockTime(m.at) + " (" + nominalLabel(m.nominal) + " nominal) " + m.kind + ": " + label;
    if (m.count > 1) tip += ", last at " + clockTime(m.lastAt);
    const char* colour = m.failure ? "#c62828" : "#333";

    o += fmt::format("<g class=\"{}\"><title>{}</title>", m.note ? "note" : "message", h(tip));
    o += fmt::format(
        "<text x=\"6\" y=\"{:.1f}\" class=\"time\">{}</text>"
        "<text x=\"6\" y=\"{:.1f}\" fill=\"#888\">wall {}</text>",
        y, h(nominalLabel(m.nominal)), y + 12, h(wallOffset(r, m.at)));
    if (m.note) {
      // Notes may span two columns: the text matters more than the neighbouring lifeline.
      double w = 2 * kColumn - 40;
      double x = std::clamp(centre(m.from), kTimeColumn + w / 2, width - w / 2 - 4);
      std::string text = truncate(label, static_cast<std::size_t>((w - 12) / kCharWidth));
      o += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"24\" fill=\"{}\" "
          "stroke=\"{}\"/><text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">"
          "{}</text>",
          x - w / 2, y - 14, w, m.failure ? "#fde0e0" : "#fff8d6",
          m.failure ? "#c62828" : "#c9b458", x, y + 2, colour, h(text));
    } else {
      double x1 = centre(m.from);
      double x2 = centre(m.to);
      double room = std::max(std::abs(x2 - x1), 2 * kColumn - 40.0);
      std::string text =
          truncate(label, static_cast<std::size_t>(std::max(8.0, room / kCharWidth)));
      o += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
          "stroke-width=\"1.5\" marker-end=\"url(#{})\"/>"
          // A white halo keeps the label readable where it crosses a lifeline.
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\" stroke=\"#fff\" "
          "stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
          x1, y + 6, x2, y + 6, colour, m.failure ? "seq-cross" : "seq-arrow",
          std::clamp((x1 + x2) / 2, kTimeColumn + room / 2, width - room / 2), y, colour, h(text));
    }
    o += "</g>\n";
  }
  o += "</svg>\n";
  return o;
}

class HtmlRenderer final : public ReportRenderer {
 public:
  std::string_view format() const override { return "html"; }
  std::string_view fileExtension() const override { return "html"; }

  std::string render(const Report& r) const override {
    std::string o;
    auto add = [&o](std::string_view s) {
      o += s;
      o += '\n';
    };
    auto row = [&](std::string_view label, const std::string& valueHtml) {
      add("<tr><th>" + std::string(label) + "</th><td>" + valueHtml + "</td></tr>");
    };

    add("<!DOCTYPE html>");
    add("<html lang=\"en\">");
    add("<head>");
    add("<meta charset=\"utf-8\"/>");
    // Nothing is loaded from anywhere: the page opens offline and runs no script.
    add("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\"/>");
    add(R"(<meta name="viewport" content="width=device-width, initial-scale=1"/>)");
    add(fmt::format("<title>certchaos report: scenario {} {} — {}</title>", r.run.scenario.number,
                    h(r.run.scenario.name), toString(r.verdict.result)));
    add("<style>" + std::string(kStyle) + "</style>");
    add("</head>");
    add("<body>");
    add(fmt::format("<h1>certchaos report: scenario {} {}</h1>", r.run.scenario.number,
                    h(r.run.scenario.name)));
    add("<p>" + verdictSpan(r.verdict.result) +
        (r.verdict.failingStep.empty() ? std::string()
                                       : " <span>failing step: <strong class=\"mono\">" +
                                             h(r.verdict.failingStep) + "</strong></span>") +
        "</p>");

    add("<section id=\"run\"><table>");
    for (const auto& fact : runFacts(r)) row(fact.label, h(fact.value));
    add("</table></section>");

    add("<section id=\"verdict\"><h2>Verdict</h2>");
    add("<p><strong>Hypothesis:</strong> " + h(r.verdict.hypothesis) + "</p>");
    if (!r.verdict.summary.empty()) add("<p>" + h(r.verdict.summary) + "</p>");
    add("<h3>Checks</h3>");
    if (r.verdict.checks.empty()) {
      add("<p class=\"muted\">None declared.</p>");
    } else {
      add("<table id=\"checks\"><tr><th>Outcome</th><th>Check</th><th>Hypothesis</th>"
          "<th>Tolerance</th><th>At (UTC)</th><th>Evidence</th></tr>");
      for (const auto& c : r.verdict.checks) {
        add(
            fmt::format("<tr{}><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td>"
                        "<td class=\"mono\">{}</td><td>{}</td></tr>",
                        c.outcome == CheckOutcome::kViolated ? " class=\"failure\"" : "",
                        h(checkOutcomeLabel(c.outcome)), h(c.name), h(c.description),
                        h(toleranceText(c)), h(checkTime(r, c)), h(c.evidence)));
      }
      add("</table>");
    }
    add("</section>");

    add("<section id=\"proof\"><h2>Proof of injection</h2>");
    if (r.proofOfInjection.empty()) {
      add("<p class=\"muted\">No evidence from the issuer that the fault was applied.</p>");
    } else {
      add("<table><tr><th>At (UTC)</th><th>Fault</th><th>Source</th><th>Evidence</th></tr>");
      for (const auto& p : r.proofOfInjection) {
        add(fmt::format("<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        clockTime(p.at), h(p.fault), toString(p.source), h(p.evidence)));
      }
      add("</table>");
    }
    add("</section>");

    add(R"(<section id="timeline-overview"><h2>Timeline</h2><div class="diagram">)");
    o += timelineSvg(r);
    add("</div></section>");

    add(R"(<section id="sequence"><h2>What happened</h2><div class="diagram">)");
    o += sequenceSvg(r);
    add("</div></section>");

    add("<section id=\"chain\"><h2>Causal chain</h2>");
    if (r.chain.empty()) {
      add("<p class=\"muted\">None recorded.</p>");
    } else {
      add("<table><tr><th>Step</th><th>At (UTC)</th><th>+Wall</th><th>Since previous</th>"
          "<th>Detail</th></tr>");
      for (const auto& link : r.chain) {
        add(fmt::format(
            "<tr{}><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            link.step == r.verdict.failingStep ? " class=\"failure\"" : "", h(link.step),
            clockTime(link.at), h(wallOffset(r, link.at)), h(sincePrevious(r, link).value_or("—")),
            h(link.message)));
      }
      add("</table>");
    }
    add("</section>");

    add("<section id=\"events\"><h2>Observations</h2>");
    add("<table><tr><th>Wall (UTC)</th><th>+Wall</th><th>+Nominal</th><th>Source</th>"
        "<th>Kind</th><th>Message</th><th>Object</th></tr>");
    for (const auto& e : r.timeline) {
      add(
          fmt::format("<tr{}><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                      "<td>{}</td><td class=\"mono\">{}</td></tr>",
                      isFailureKind(e.kind) ? " class=\"failure\"" : "", clockTime(e.wallTime),
                      h(wallOffset(r, e.wallTime)), h(nominalLabel(e.nominalTime)),
                      toString(e.source), h(e.kind), h(e.message), h(e.object)));
    }
    add("</table></section>");

    add("<section id=\"certificates\"><h2>Certificates</h2>");
    add("<table><tr><th></th><th>Before</th><th>After</th></tr>");
    for (const auto& certRow : certificateRows(r)) {
      auto cell = [](const std::optional<std::string>& v) {
        return v ? h(*v) : std::string("<span class=\"muted\">—</span>");
      };
      add("<tr><th>" + certRow.label + "</th><td class=\"mono\">" + cell(certRow.before) +
          "</td><td class=\"mono\">" + cell(certRow.after) + "</td></tr>");
    }
    add("</table>");
    add("</section>");

    add("<section id=\"outcome\"><h2>Outcome</h2><table>");
    for (const auto& fact : outcomeFacts(r)) row(fact.label, h(fact.value));
    add("</table></section>");

    add("<section id=\"prediction\"><h2>Prediction with production settings</h2>");
    if (r.prediction) {
      add("<p>" + h(r.prediction->text) + "</p><table>");
      for (const auto& [k, v] : r.prediction->assumptions) row(h(k), h(v));
      add("</table>");
    } else {
      add("<p class=\"muted\">None.</p>");
    }
    add("</section>");

    add("<section id=\"artifacts\"><h2>Artifacts</h2>");
    const auto logs = logLines(r);
    if (logs.empty()) {
      add("<p class=\"muted\">No logs collected.</p>");
    } else {
      add("<ul>");
      for (const auto& line : logs) add("<li class=\"mono\">" + h(line) + "</li>");
      add("</ul>");
    }
    add("</section>");
    add("</body>");
    add("</html>");
    return o;
  }
};

}  // namespace

std::unique_ptr<ReportRenderer> makeHtmlRenderer() { return std::make_unique<HtmlRenderer>(); }

}  // namespace certchaos::report::detail
