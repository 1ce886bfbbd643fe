#include "certchaos/report/renderer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "certchaos/report/report_json.h"
#include "sample_report.h"

namespace certchaos::report {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string render(std::string_view format, const Report& r, RenderOptions options = {}) {
  auto renderer = makeRenderer(format, options);
  EXPECT_TRUE(renderer.ok()) << renderer.error().message;
  return (*renderer)->render(r);
}

// Each needle appears, after the previous one.
void expectInOrder(const std::string& text, const std::vector<std::string>& needles) {
  std::size_t pos = 0;
  for (const auto& needle : needles) {
    std::size_t found = text.find(needle, pos);
    ASSERT_NE(found, std::string::npos) << "\"" << needle << "\" missing after offset " << pos;
    pos = found + needle.size();
  }
}

// The seed scenario's story, as the timeline tells it.
const std::vector<std::string> kSeedStory = {"serving certificate serial 3a1f09",
                                             "ChaosIssuer default/chaos Ready with scenario 3",
                                             "ManuallyTriggered",
                                             "request held until",
                                             "certificate serial 3a1f09 expired",
                                             "x509: certificate has expired",
                                             "signed CertificateRequest default/demo-2",
                                             "serving certificate serial 7bc2d4",
                                             "serves a valid certificate again"};

Report hostileReport() {
  Report r = testing::sampleSleepReport();
  r.verdict.hypothesis = testing::kHostile;
  r.verdict.summary = testing::kHostile;
  r.timeline[3].message = testing::kHostile;
  r.timeline[4].object = testing::kHostile;
  r.chain[1].message = testing::kHostile;
  r.run.scenario.parameters["note"] = testing::kHostile;
  r.artifacts.logs.push_back(testing::kHostile);
  r.verdict.checks[1].evidence = testing::kHostile;
  r.verdict.checks[2].description = testing::kHostile;
  return r;
}

// The sample's checks plus one the run could not evaluate.
Report reportWithEveryCheckOutcome() {
  Report r = testing::sampleSleepReport();
  r.verdict.checks.push_back({"signal-before-expiry",
                              "a signal (Ready=False, a Warning Event) exists before notAfter - "
                              "margin",
                              {{"margin", "5m"}},
                              CheckOutcome::kNotEvaluated,
                              "the run ended before the deadline without a signal",
                              std::nullopt});
  return r;
}

TEST(ReportRendererFactoryTest, KnowsEveryFormat) {
  std::vector<std::string> names;
  for (auto f : rendererFormats()) names.emplace_back(f);
  EXPECT_THAT(names, ::testing::ElementsAre("text", "md", "html", "json", "junit"));
  for (auto f : rendererFormats()) {
    auto renderer = makeRenderer(f);
    ASSERT_TRUE(renderer.ok()) << f;
    EXPECT_EQ((*renderer)->format(), f);
  }
  EXPECT_EQ((*makeRenderer("junit"))->fileExtension(), "xml");
  EXPECT_EQ((*makeRenderer("text"))->fileExtension(), "txt");
}

TEST(ReportRendererFactoryTest, UnknownFormatListsTheValidOnes) {
  auto renderer = makeRenderer("pdf");
  ASSERT_FALSE(renderer.ok());
  EXPECT_EQ(renderer.error().code, "BadInput");
  EXPECT_THAT(renderer.error().message,
              AllOf(HasSubstr("\"pdf\""), HasSubstr("text, md, html, json, junit")));
}

TEST(ReportTextRendererTest, ShowsTheWholeStory) {
  std::string text = render("text", testing::sampleSleepReport());
  EXPECT_THAT(text, HasSubstr("scenario 3 \"sleep\""));
  EXPECT_THAT(text, HasSubstr("20240501-120000-sleep-7f3a"));
  EXPECT_THAT(text, HasSubstr("seed 42"));
  EXPECT_THAT(text, HasSubstr("×60 (1 s wall = 1 min nominal)"));
  EXPECT_THAT(text, HasSubstr("VERDICT: FAILED (failing step: probe-failed)"));
  EXPECT_THAT(text, HasSubstr("Hypothesis"));
  EXPECT_THAT(text, HasSubstr("sleeps 1h before signing"));
  EXPECT_THAT(text, HasSubstr("certchaos_faults_injected_total"));
  expectInOrder(text, kSeedStory);
  // Wall and nominal columns: the failing probe at +51 s wall is 51 min nominal.
  EXPECT_THAT(text, HasSubstr("12:00:51.000  +51 s"));
  EXPECT_THAT(text, HasSubstr("+51 min"));
  EXPECT_THAT(text, HasSubstr("WALL (UTC)"));
  EXPECT_THAT(text, HasSubstr("+NOMINAL"));
  // The chain with durations between links: expiry 46 s after the request was held.
  expectInOrder(text, {"Causal chain", "fault-injected", "request-held", "certificate-expired",
                       "46 s = 46 min nominal", "probe-failed", "request-signed",
                       "13 s = 13 min nominal", "renewed-served", "recovered"});
  expectInOrder(text,
                {"Certificates", "Serial", "3a1f09", "7bc2d4", "Not after", "2024-05-01 12:00:50Z",
                 "2024-05-01 12:02:04Z", "demo.default.svc, localhost", "127.0.0.1"});
  EXPECT_THAT(text, HasSubstr("Time to failure      47 s = 47 min nominal"));
  EXPECT_THAT(text, HasSubstr("Time to recovery     15 s = 15 min nominal"));
  EXPECT_THAT(text, HasSubstr("CertificateRequests  2\n"));
  EXPECT_THAT(text, HasSubstr("Circuit breaker      not tripped"));
  EXPECT_THAT(text, HasSubstr("90-day certificates"));
  EXPECT_THAT(text, HasSubstr("firstRetryBackoff    1h0m0s"));
  EXPECT_THAT(text, HasSubstr("runs/20240501-120000-sleep-7f3a/logs/cert-manager.log"));
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
}

TEST(ReportTextRendererTest, ColourOnlyWhenAskedAndLogsCannotDriveTheTerminal) {
  std::string plain = render("text", hostileReport());
  EXPECT_THAT(plain, Not(HasSubstr("\x1b")));
  EXPECT_THAT(plain, HasSubstr("\\x1b[31mred"));
  std::string coloured = render("text", testing::sampleSleepReport(), {.colour = true});
  EXPECT_THAT(coloured, HasSubstr("\x1b[31m"));
  EXPECT_THAT(coloured, HasSubstr("\x1b[0m"));
}

TEST(ReportTextRendererTest, PassedRunWithoutOptionalParts) {
  Report r = testing::minimalReport();
  r.verdict.result = VerdictResult::kPassed;
  std::string text = render("text", r);
  EXPECT_THAT(text, HasSubstr("VERDICT: PASSED"));
  EXPECT_THAT(text, HasSubstr("- (no failure)"));
  EXPECT_THAT(text, HasSubstr("×1 (no compression)"));
  EXPECT_THAT(text, HasSubstr("no logs collected"));
}

TEST(ReportMarkdownRendererTest, ContentAndMermaidSequenceDiagram) {
  std::string md = render("md", testing::sampleSleepReport());
  EXPECT_THAT(md, HasSubstr("# certchaos report: scenario 3 sleep"));
  EXPECT_THAT(md, HasSubstr("**FAILED**"));
  EXPECT_THAT(md, HasSubstr("failing step: probe-failed"));
  EXPECT_THAT(md, HasSubstr("**Hypothesis:**"));
  EXPECT_THAT(md,
              HasSubstr("| Wall (UTC) | +Wall | +Nominal | Source | Kind | Message | Object |"));
  expectInOrder(md, {"```mermaid\nsequenceDiagram\n",
                     "participant Runner as Runner",
                     "participant Issuer as ChaosIssuer",
                     "participant CM as cert-manager",
                     "participant App as Application",
                     "participant Probe as Probe",
                     "Runner->>Issuer: [+2 min] ChaosIssuer default/chaos Ready",
                     "Runner->>CM: [+3 min]",
                     "CM->>Issuer:",
                     "Note over Issuer:",
                     "request held",
                     "Probe->>App:",
                     "(×5)",
                     "rect rgb(255, 221, 221)",
                     "Note over App: [+50 min] certificate serial 3a1f09 expired",
                     "Probe-xApp: [+51 min] x509: certificate has expired",
                     "(×5)",
                     "Issuer->>CM: [+1 h 4 min] signed",
                     "CM->>App:",
                     "Note over App:",
                     "Runner->>Issuer:",
                     "```\n"});
  expectInOrder(md, kSeedStory);
  expectInOrder(md, {"## Causal chain", "| **probe-failed** |", "13 s = 13 min nominal"});
  EXPECT_THAT(md, HasSubstr("| Serial | 3a1f09 | 7bc2d4 |"));
  EXPECT_THAT(md, HasSubstr("- Time to failure: 47 s = 47 min nominal"));
  EXPECT_THAT(md, HasSubstr("- CertificateRequests: 2"));
  EXPECT_THAT(md, HasSubstr("- renewBefore: 720h0m0s"));
  EXPECT_THAT(md, HasSubstr("- runs/20240501-120000-sleep-7f3a/logs/events.json"));
}

TEST(ReportMarkdownRendererTest, EscapesHostileStrings) {
  std::string md = render("md", hostileReport());
  EXPECT_THAT(md, Not(HasSubstr("<script>")));
  EXPECT_THAT(md, HasSubstr("\\<script\\>"));
  EXPECT_THAT(md, Not(HasSubstr("\x1b")));
  // Inside the diagram: no statement separator, no raw angle bracket, no fence-closing backtick.
  std::size_t begin = md.find("```mermaid");
  std::size_t end = md.find("```\n", begin + 3);
  std::string diagram = md.substr(begin, end - begin);
  EXPECT_THAT(diagram, Not(HasSubstr("<")));
  EXPECT_THAT(diagram, HasSubstr("#60;script#62;alert(#34;pwned#34;)"));
  EXPECT_THAT(diagram, HasSubstr("#59;"));
  EXPECT_THAT(diagram.substr(3), Not(HasSubstr("`")));
  // No table row was broken by a pipe from the data.
  for (std::size_t pos = md.find("\n|"); pos != std::string::npos; pos = md.find("\n|", pos + 1)) {
    std::string row = md.substr(pos + 1, md.find('\n', pos + 1) - pos - 1);
    if (row.find(R"(\|)") != std::string::npos) {
      EXPECT_THAT(row, HasSubstr(R"(\| \*em\*)"));
    }
  }
}

constexpr const char* kXmlSummaryScript = R"py(
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
def local(tag): return tag.split('}')[-1]
out = {"root": local(root.tag), "tags": {}, "text": "".join(root.itertext()), "attrs": []}
for e in root.iter():
    out["tags"][local(e.tag)] = out["tags"].get(local(e.tag), 0) + 1
    for k, v in e.attrib.items():
        out["attrs"].append([local(e.tag), k, v])
print(json.dumps(out))
)py";

// Parses the document with python3's XML parser and summarises it; skips without python3.
json xmlSummary(const std::string& document) {
  auto result = testing::runPythonOn(kXmlSummaryScript, document);
  EXPECT_EQ(result.exitCode, 0) << "not well-formed XML: " << result.output;
  if (result.exitCode != 0) return json::object();
  return json::parse(result.output);
}

std::vector<std::string> attributeValues(const json& summary, std::string_view tag,
                                         std::string_view name) {
  std::vector<std::string> out;
  for (const auto& a : summary["attrs"]) {
    if (a[0] == tag && a[1] == name) out.push_back(a[2]);
  }
  return out;
}

TEST(ReportHtmlRendererTest, SelfContainedPageWithInlineSvgDiagrams) {
  std::string html = render("html", testing::sampleSleepReport());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\"/>"));
  EXPECT_THAT(html, HasSubstr("default-src 'none'"));
  // Nothing loads from anywhere and nothing runs.
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr(" src=")));
  EXPECT_THAT(html, Not(HasSubstr("href=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(http")));
  EXPECT_THAT(html, HasSubstr("<span class=\"verdict failed\">failed</span>"));
  expectInOrder(html, kSeedStory);
  EXPECT_THAT(html, HasSubstr("47 s = 47 min nominal"));
  EXPECT_THAT(html, HasSubstr("90-day certificates"));

  if (!testing::havePython()) GTEST_SKIP() << "python3 not available for the XML checks";
  json summary = xmlSummary(html);  // the page is also well-formed XML
  ASSERT_EQ(summary["root"], "html");
  EXPECT_EQ(summary["tags"]["svg"], 2);
  EXPECT_FALSE(summary["tags"].contains("script"));
  auto ids = attributeValues(summary, "svg", "id");
  EXPECT_THAT(ids, ::testing::ElementsAre("timeline-chart", "sequence-diagram"));
  // Sequence diagram: five lifelines, one arrow per non-note message, participants named.
  auto classes = attributeValues(summary, "line", "class");
  EXPECT_EQ(std::count(classes.begin(), classes.end(), "lifeline"), 5);
  auto groups = attributeValues(summary, "g", "class");
  EXPECT_EQ(std::count(groups.begin(), groups.end(), "chain-step"), 7);
  EXPECT_GE(std::count(groups.begin(), groups.end(), "message"), 8);
  EXPECT_GE(std::count(groups.begin(), groups.end(), "note"), 4);
  auto markers = attributeValues(summary, "line", "marker-end");
  EXPECT_THAT(markers, ::testing::Contains("url(#seq-cross)"));  // the failed probes
  EXPECT_THAT(markers, ::testing::Contains("url(#seq-arrow)"));
  std::string text = summary["text"];
  for (const char* name : {"Runner", "ChaosIssuer", "cert-manager", "Application", "Probe"}) {
    EXPECT_THAT(text, HasSubstr(name));
  }
  auto circles = attributeValues(summary, "circle", "class");
  EXPECT_EQ(circles.size(), testing::sampleSleepReport().timeline.size());
  EXPECT_EQ(attributeValues(summary, "rect", "class").size(),
            11U);  // 10 participant boxes + outage
}

TEST(ReportHtmlRendererTest, EscapesHostileStrings) {
  std::string html = render("html", hostileReport());
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; "
                              "&#39;quotes&#39;"));
  EXPECT_THAT(html, Not(HasSubstr("\x1b")));
  if (!testing::havePython()) GTEST_SKIP() << "python3 not available for the XML checks";
  json summary = xmlSummary(html);
  EXPECT_FALSE(summary["tags"].contains("script"));
  // The hostile text survives as text, intact, in the tables and the diagram tooltips.
  std::string text = summary["text"];
  EXPECT_THAT(text, HasSubstr("<script>alert(\"pwned\")</script> & 'quotes'"));
}

TEST(ReportJunitRendererTest, FailedHypothesisIsAFailingTestcase) {
  std::string xml = render("junit", testing::sampleSleepReport());
  EXPECT_TRUE(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"the issuer held the renewal"));
  EXPECT_THAT(xml, HasSubstr("type=\"probe-failed\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"seed\" value=\"42\"/>"));
  EXPECT_THAT(xml, HasSubstr("timestamp=\"2024-05-01T12:00:00\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"timeScale\" value=\"60\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"scenario.name\" value=\"sleep\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"scenario.parameter.delay\" value=\"1h\"/>"));
  if (!testing::havePython()) GTEST_SKIP() << "python3 not available for the XML checks";
  json summary = xmlSummary(xml);
  ASSERT_EQ(summary["root"], "testsuites");
  EXPECT_EQ(summary["tags"]["testsuite"], 1);
  // The verdict, then one test case per check: two violated, one held.
  EXPECT_EQ(summary["tags"]["testcase"], 4);
  EXPECT_EQ(summary["tags"]["failure"], 3);
  EXPECT_FALSE(summary["tags"].contains("skipped"));
  EXPECT_THAT(attributeValues(summary, "testsuites", "failures"), ::testing::ElementsAre("3"));
  EXPECT_THAT(attributeValues(summary, "testsuite", "tests"), ::testing::ElementsAre("4"));
  EXPECT_THAT(attributeValues(summary, "testsuite", "time"), ::testing::ElementsAre("68.000"));
  EXPECT_THAT(attributeValues(summary, "testcase", "name"),
              ::testing::ElementsAre(
                  testing::sampleSleepReport().verdict.hypothesis,
                  "renewed-before-expiry: renewal completes before notAfter - margin",
                  "probes-valid: the application serves a valid certificate at every probe",
                  "max-requests: at most N CertificateRequests"));
  std::string text = summary["text"];
  expectInOrder(text, {"failing step: probe-failed", "fault-injected", "recovered"});
  expectInOrder(text, kSeedStory);  // system-out carries the timeline
}

TEST(ReportJunitRendererTest, PassedSkippedAndHostile) {
  Report passed = testing::sampleSleepReport();
  passed.verdict.result = VerdictResult::kPassed;
  passed.verdict.failingStep.clear();
  for (auto& check : passed.verdict.checks) check.outcome = CheckOutcome::kHeld;  // as passed has
  std::string ok = render("junit", passed);
  EXPECT_THAT(ok, Not(HasSubstr("<failure")));
  EXPECT_THAT(ok, Not(HasSubstr("<skipped")));
  EXPECT_THAT(ok, HasSubstr("failures=\"0\""));

  for (auto result : {VerdictResult::kAborted, VerdictResult::kInconclusive}) {
    Report r = testing::minimalReport();
    r.verdict.result = result;
    r.verdict.summary = "stopped by certchaos abort";
    std::string xml = render("junit", r);
    EXPECT_THAT(xml, HasSubstr("<skipped message=\"run " + std::string(toString(result)) +
                               ": stopped by certchaos abort\"/>"));
    EXPECT_THAT(xml, HasSubstr("skipped=\"1\""));
    EXPECT_THAT(xml, Not(HasSubstr("<failure")));
  }

  Report hostile = hostileReport();
  hostile.timeline[0].message += std::string("\x01\x02 nul-ish \xff");
  std::string xml = render("junit", hostile);
  EXPECT_THAT(xml, Not(HasSubstr("<script")));
  EXPECT_THAT(xml, Not(HasSubstr("\x1b")));
  if (!testing::havePython()) GTEST_SKIP() << "python3 not available for the XML checks";
  json summary = xmlSummary(xml);
  ASSERT_EQ(summary["root"], "testsuites");
  EXPECT_THAT(attributeValues(summary, "testcase", "name"),
              ::testing::ElementsAre(::testing::HasSubstr("<script>alert(\"pwned\")"),
                                     ::testing::StartsWith("renewed-before-expiry: "),
                                     ::testing::StartsWith("probes-valid: "),
                                     ::testing::HasSubstr("<script>alert(\"pwned\")")));
}

TEST(ReportJsonRendererTest, IsTheCanonicalReportJson) {
  Report r = testing::sampleSleepReport();
  std::string text = render("json", r);
  EXPECT_EQ(text, toJsonText(r));
  auto parsed = parseReport(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, r);
}

}  // namespace
}  // namespace certchaos::report

namespace certchaos::report {
namespace {

// Every renderer lists every check: its outcome, name, tolerance, time and evidence.
TEST(ReportCheckRenderingTest, TextListsEveryCheckWithOutcomeToleranceTimeAndEvidence) {
  std::string text = render("text", reportWithEveryCheckOutcome());
  expectInOrder(text, {"VERDICT: FAILED",
                       "Checks",
                       "VIOLATED",
                       "renewed-before-expiry",
                       "renewal completes before notAfter - margin",
                       "margin = 0s",
                       "12:00:50.000 (+50 s)",
                       "no renewed certificate served",
                       "VIOLATED",
                       "probes-valid",
                       "failures = 0",
                       "12:00:51.000",
                       "certificate has expired",
                       "HELD",
                       "max-requests",
                       "limit = 3",
                       "1 CertificateRequest",
                       "NOT EVALUATED",
                       "signal-before-expiry",
                       "margin = 5m",
                       "-",
                       "the run ended before the deadline",
                       "Proof of injection"});
}

TEST(ReportCheckRenderingTest, MarkdownAndHtmlListEveryCheck) {
  const Report r = reportWithEveryCheckOutcome();
  std::string md = render("md", r);
  expectInOrder(md, {"## Verdict", "### Checks", "| **VIOLATED** | renewed-before-expiry |",
                     "| **VIOLATED** | probes-valid |", "| HELD | max-requests |",
                     "| NOT EVALUATED | signal-before-expiry |", "## Proof of injection"});
  std::string html = render("html", r);
  expectInOrder(html, {"<h3>Checks</h3>", "<table id=\"checks\">", "<tr class=\"failure\">",
                       "renewed-before-expiry", "margin = 0s", "<td>HELD</td>", "max-requests",
                       "<td>NOT EVALUATED</td>", "signal-before-expiry", "</table>"});
}

TEST(ReportCheckRenderingTest, JunitHasATestCasePerCheckSkippedWhenNotEvaluated) {
  std::string xml = render("junit", reportWithEveryCheckOutcome());
  EXPECT_THAT(xml, HasSubstr(R"(tests="5" failures="3" errors="0" skipped="1")"));
  EXPECT_THAT(xml, HasSubstr("<skipped message=\"not evaluated: the run ended before the "
                             "deadline without a signal (tolerance: margin = 5m)\"/>"));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"probe failed: certificate has expired (serial "
                             "3a1f09) (tolerance: failures = 0)\" type=\"violated\"/>"));
  EXPECT_THAT(xml, HasSubstr("<system-out>held: 1 CertificateRequest during the run"));
}

TEST(ReportCheckRenderingTest, EveryRenderingSaysWhichChecksTheRunChangedOrAdded) {
  Report r = reportWithEveryCheckOutcome();
  r.verdict.checks[1].origin = CheckOrigin::kOverridden;
  r.verdict.checks[1].scenarioTolerance = {{"failures", "0"}};
  r.verdict.checks[1].tolerance = {{"failures", "2"}};
  r.verdict.checks[2].origin = CheckOrigin::kAdded;
  const std::string overridden =
      "failures = 2 (set by --check for this run; the scenario declares failures = 0)";
  const std::string added = "limit = 3 (added by --check for this run)";
  for (const char* format : {"text", "md", "html", "junit"}) {
    std::string out = render(format, r);
    EXPECT_THAT(out, AllOf(HasSubstr(overridden), HasSubstr(added))) << format;
  }
}

TEST(ReportCheckRenderingTest, ParametersShowTheDefaultsInForce) {
  std::string text = render("text", testing::sampleSleepReport());
  EXPECT_THAT(text, HasSubstr("delay = 1h; defaults: jitter = 0, probability = 1"));
  Report none = testing::minimalReport();
  none.run.scenario.defaults = {{"delay", "1h"}};
  EXPECT_THAT(render("text", none), HasSubstr("none given; defaults: delay = 1h"));
}

// Issue 13: the report says whether time compression covered cert-manager's failure back-off.
TEST(ReportBackoffRenderingTest, EveryRenderingSaysWhetherTheBackoffWasScaled) {
  Report scaled = testing::sampleSleepReport();
  for (const char* format : {"text", "md", "html"}) {
    EXPECT_THAT(render(format, scaled),
                HasSubstr("scaled ×60: minimum 1m0s (1h0m0s nominal), maximum 32m0s "
                          "(32h0m0s nominal). cm-controller of the local plane"))
        << format;
  }
  Report production = testing::sampleSleepReport();
  production.run.certManagerBackoff = CertManagerBackoff{
      false, std::chrono::hours(1), std::chrono::hours(32), "not the local plane"};
  for (const char* format : {"text", "md", "html"}) {
    EXPECT_THAT(
        render(format, production),
        HasSubstr("NOT scaled: minimum 1h0m0s, maximum 32h0m0s (wall). not the local plane"))
        << format;
  }
  EXPECT_THAT(render("text", testing::minimalReport()), Not(HasSubstr("backoff")));
}

}  // namespace
}  // namespace certchaos::report

namespace certchaos::report {
namespace {

// Issue 13: the README promised report.junit.xml while the runner writes report.<extension>, i.e.
// report.xml. Every report.<x> file the README names must be one the renderers write.
TEST(ReportFileNamesTest, ReadmeNamesTheFilesTheRunnerWrites) {
  const std::string schema = CERTCHAOS_REPORT_SCHEMA_FILE;
  const std::string readmePath = schema.substr(0, schema.rfind("/schema/")) + "/README.md";
  std::ifstream in(readmePath);
  ASSERT_TRUE(in) << readmePath;
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::set<std::string> written = {"report.json"};
  for (const auto& format : rendererFormats()) {
    written.insert("report." + std::string((*makeRenderer(format))->fileExtension()));
  }
  EXPECT_TRUE(written.count("report.xml")) << "the JUnit rendering";
  int named = 0;
  for (auto at = readme.find("report."); at != std::string::npos;
       at = readme.find("report.", at + 1)) {
    if (at > 0 && (std::isalnum(static_cast<unsigned char>(readme[at - 1])) != 0 ||
                   readme[at - 1] == '/' || readme[at - 1] == '_')) {
      continue;  // another word ending in "report." or a path such as schema/report.schema.json
    }
    auto end = at + 7;
    while (end < readme.size() &&
           (std::isalnum(static_cast<unsigned char>(readme[end])) != 0 || readme[end] == '.')) {
      ++end;
    }
    std::string name = readme.substr(at, end - at);
    while (!name.empty() && name.back() == '.') name.pop_back();
    if (name == "report" || name.find("schema") != std::string::npos) continue;
    ++named;
    EXPECT_TRUE(written.count(name)) << "README names " << name << ", which no renderer writes";
  }
  EXPECT_GE(named, 4);
}

}  // namespace
}  // namespace certchaos::report
