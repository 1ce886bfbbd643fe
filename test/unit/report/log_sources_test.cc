// Where each collected log came from (artifacts.logSources): report.json, its schema, and the
// line every rendering that lists logs shows for it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "certchaos/report/json_schema.h"
#include "certchaos/report/redaction.h"
#include "certchaos/report/renderer.h"
#include "certchaos/report/report_json.h"
#include "sample_report.h"

namespace certchaos::report {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

Report reportWithLogSources() {
  Report r = testing::sampleSleepReport();
  r.artifacts.logs = {"runs/x/logs/cert-manager.log",
                      "runs/x/logs/issuer-certchaos-issuer-7d9f-abcde-issuer.log",
                      "runs/x/logs/issuer-certchaos-issuer-7d9f-abcde-issuer.previous.log"};
  r.artifacts.logSources = {
      {"cert-manager", "file", "/state/logs/cm-controller.log", false,
       "runs/x/logs/cert-manager.log", ""},
      {"issuer", "pods/log", "certchaos-system/certchaos-issuer-7d9f-abcde/issuer", false,
       "runs/x/logs/issuer-certchaos-issuer-7d9f-abcde-issuer.log", ""},
      {"issuer", "pods/log", "certchaos-system/certchaos-issuer-7d9f-abcde/issuer", true,
       "runs/x/logs/issuer-certchaos-issuer-7d9f-abcde-issuer.previous.log", ""},
      {"app", "pods/log", "demo/demo-app-5c6b-xyz12/demo-app", false, "",
       "get pods/log demo/demo-app-5c6b-xyz12: 403 Forbidden: pods \"demo-app-5c6b-xyz12\" is "
       "forbidden"}};
  return r;
}

std::string render(std::string_view format, const Report& r) {
  auto renderer = makeRenderer(format);
  EXPECT_TRUE(renderer.ok()) << renderer.error().message;
  return renderer.ok() ? (*renderer)->render(r) : "";
}

TEST(ReportLogSourcesTest, RoundTripAndMatchTheSchema) {
  const Report r = reportWithLogSources();
  const json j = toJson(r);
  ASSERT_EQ(j["artifacts"]["logSources"].size(), 4U);
  EXPECT_EQ(j["artifacts"]["logSources"][1],
            json::parse(R"({"component": "issuer", "origin": "pods/log",
                "from": "certchaos-system/certchaos-issuer-7d9f-abcde/issuer",
                "path": "runs/x/logs/issuer-certchaos-issuer-7d9f-abcde-issuer.log"})"));
  EXPECT_EQ(j["artifacts"]["logSources"][2]["previous"], true);
  EXPECT_FALSE(j["artifacts"]["logSources"][3].contains("path"));
  EXPECT_TRUE(validateReportJson(j).ok()) << validateReportJson(j).error().message;
  auto back = fromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->artifacts, r.artifacts);
}

// A second opinion on the schema from a complete implementation, where python3-jsonschema is.
TEST(ReportLogSourcesTest, PythonJsonschemaAgreesWhenInstalled) {
  if (!testing::havePython() ||
      std::system("python3 -c 'import jsonschema' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 jsonschema not installed (Debian: python3-jsonschema)";
  }
  const std::string script = R"py(
import json, sys, jsonschema
schema = json.load(open(")py" +
                             std::string(CERTCHAOS_REPORT_SCHEMA_FILE) +
                             R"py("))
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
errors = list(validator.iter_errors(json.load(open(sys.argv[1]))))
for e in errors:
    print("/" + "/".join(str(p) for p in e.absolute_path), e.message)
sys.exit(1 if errors else 0)
)py";
  json j = toJson(reportWithLogSources());
  auto good = testing::runPythonOn(script, j.dump());
  EXPECT_EQ(good.exitCode, 0) << good.output;
  j["artifacts"]["logSources"][0]["origin"] = "kubectl";
  auto bad = testing::runPythonOn(script, j.dump());
  EXPECT_EQ(bad.exitCode, 1) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("/artifacts/logSources/0/origin"));
}

TEST(ReportLogSourcesTest, ReportsWithoutSourcesStillReadAndOmitTheField) {
  const json j = toJson(testing::sampleSleepReport());
  EXPECT_FALSE(j["artifacts"].contains("logSources"));
  auto back = fromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->artifacts.logSources.empty());
}

TEST(ReportLogSourcesTest, AnUnknownOriginOrAMissingFieldIsRefusedWithItsPath) {
  json j = toJson(reportWithLogSources());
  j["artifacts"]["logSources"][1]["origin"] = "kubectl";
  auto bad = fromJson(j);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("/artifacts/logSources/1/origin"));
  EXPECT_THAT(bad.error().message, HasSubstr(R"(expected "file" or "pods/log", found "kubectl")"));
  EXPECT_FALSE(validateReportJson(j).ok());

  json missing = toJson(reportWithLogSources());
  missing["artifacts"]["logSources"][0].erase("from");
  auto noFrom = fromJson(missing);
  ASSERT_FALSE(noFrom.ok());
  EXPECT_THAT(noFrom.error().message, HasSubstr("/artifacts/logSources/0/from"));
  EXPECT_FALSE(validateReportJson(missing).ok());
}

// Every rendering that lists logs says, for each, where it came from — or why it is missing.
TEST(ReportLogSourcesTest, EveryRenderingShowsEachLogsSource) {
  const Report r = reportWithLogSources();
  for (const char* format : {"text", "md", "html"}) {
    const std::string out = render(format, r);
    const std::string arrow = " → ";
    EXPECT_THAT(out, HasSubstr("cert-manager: file /state/logs/cm-controller.log" + arrow +
                               "runs/x/logs/cert-manager.log"))
        << format;
    EXPECT_THAT(out, HasSubstr("issuer: pods/log certchaos-system/certchaos-issuer-7d9f-abcde/"
                               "issuer" +
                               arrow))
        << format;
    EXPECT_THAT(out, HasSubstr("issuer: pods/log certchaos-system/certchaos-issuer-7d9f-abcde/"
                               "issuer (previous)" +
                               arrow +
                               "runs/x/logs/issuer-certchaos-issuer-7d9f-abcde-issuer."
                               "previous.log"))
        << format;
    EXPECT_THAT(out, HasSubstr("app: pods/log demo/demo-app-5c6b-xyz12/demo-app could not be "
                               "read: get pods/log demo/demo-app-5c6b-xyz12: 403 Forbidden"))
        << format;
  }
  // A report from before the sources lists its paths, as it always did.
  EXPECT_THAT(render("text", testing::sampleSleepReport()),
              HasSubstr("  runs/20240501-120000-sleep-7f3a/logs/cert-manager.log"));
}

TEST(ReportLogSourcesTest, AnErrorIsEscapedInHtmlAndRedacted) {
  Report r = reportWithLogSources();
  r.artifacts.logSources[3].error = "<script>alert(1)</script> Authorization: Bearer s3cr3t-t0ken";
  Redactor redactor;
  ASSERT_TRUE(redactor.addSecret("s3cr3t-t0ken").ok());
  redactor.redact(r);
  EXPECT_THAT(r.artifacts.logSources[3].error, Not(HasSubstr("s3cr3t-t0ken")));
  const std::string html = render("html", r);
  EXPECT_THAT(html, Not(HasSubstr("<script>alert(1)")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;"));
}

}  // namespace
}  // namespace certchaos::report
