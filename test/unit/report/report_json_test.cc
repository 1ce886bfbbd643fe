#include "certchaos/report/report_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/report/json_schema.h"
#include "sample_report.h"

namespace certchaos::report {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ReportJsonTest, RoundTripKeepsEveryField) {
  Report original = testing::sampleSleepReport();
  auto parsed = fromJson(toJson(original));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, original);
}

TEST(ReportJsonTest, RoundTripThroughTextKeepsNanoseconds) {
  Report original = testing::sampleSleepReport();
  original.timeline[0].wallTime += std::chrono::nanoseconds(123456789);
  original.timeline[0].nominalTime = std::chrono::nanoseconds(7);
  original.run.timeScale = 1.5;
  auto parsed = parseReport(toJsonText(original));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, original);
}

TEST(ReportJsonTest, MinimalReportRoundTripsAndOmitsOptionalFields) {
  Report original = testing::minimalReport();
  json j = toJson(original);
  EXPECT_FALSE(j.contains("timeToFailure"));
  EXPECT_FALSE(j.contains("timeToRecovery"));
  EXPECT_FALSE(j.contains("prediction"));
  EXPECT_FALSE(j["verdict"].contains("failingStep"));
  EXPECT_TRUE(j["certificates"].empty());
  auto parsed = fromJson(j);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, original);
}

TEST(ReportJsonTest, WireFormatUsesRfc3339AndGoDurations) {
  json j = toJson(testing::sampleSleepReport());
  EXPECT_EQ(j["schemaVersion"], 1);
  EXPECT_EQ(j["run"]["startedAt"], "2024-05-01T12:00:00Z");
  EXPECT_EQ(j["run"]["scenario"]["number"], 3);
  EXPECT_EQ(j["run"]["scenario"]["name"], "sleep");
  EXPECT_EQ(j["run"]["scenario"]["seed"], 42);
  EXPECT_EQ(j["run"]["timeScale"], 60.0);
  EXPECT_EQ(j["verdict"]["result"], "failed");
  EXPECT_EQ(j["verdict"]["failingStep"], "probe-failed");
  EXPECT_EQ(j["timeToFailure"], "47s");
  EXPECT_EQ(j["timeToRecovery"], "15s");
  // The probe at +1.5 s wall is 1 min 30 s nominal at ×60.
  EXPECT_EQ(j["timeline"][2]["wallTime"], "2024-05-01T12:00:01.5Z");
  EXPECT_EQ(j["timeline"][2]["nominalTime"], "1m30s");
  EXPECT_EQ(j["timeline"][2]["source"], "probe");
  EXPECT_FALSE(j["timeline"][0].contains("object"));
  EXPECT_EQ(j["chain"][0]["step"], "fault-injected");
  EXPECT_FALSE(j["chain"][0].contains("durationFromPrevious"));
  EXPECT_EQ(j["chain"][2]["durationFromPrevious"], "46s");
  EXPECT_EQ(j["certificates"]["before"]["serial"], "3a1f09");
  EXPECT_EQ(j["proofOfInjection"][1]["source"], "issuer-metric");
}

TEST(ReportJsonTest, FinalizeTimesSortsAndScales) {
  Report r = testing::minimalReport();
  r.run.timeScale = 60;
  auto t0 = r.run.startedAt;
  r.timeline.push_back({t0 + std::chrono::seconds(60), {}, Source::kIssuer, "B", "", ""});
  r.timeline.push_back({t0 + std::chrono::seconds(2), {}, Source::kRunner, "A", "", ""});
  r.chain.push_back({"recovered", t0 + std::chrono::seconds(90), {}, ""});
  r.chain.push_back({"fault-injected", t0 + std::chrono::seconds(30), {}, ""});
  finalizeTimes(r);
  EXPECT_EQ(r.timeline[0].kind, "A");
  EXPECT_EQ(r.timeline[0].nominalTime, std::chrono::minutes(2));
  EXPECT_EQ(r.timeline[1].nominalTime, std::chrono::hours(1));
  EXPECT_EQ(r.chain[0].step, "fault-injected");
  EXPECT_FALSE(r.chain[0].durationFromPrevious.has_value());
  EXPECT_EQ(r.chain[1].durationFromPrevious, std::chrono::seconds(60));
}

// A report.json with one field replaced (or removed when `value` is discarded).
std::string parseErrorAfter(const std::string& pointer, const json& value) {
  json j = toJson(testing::sampleSleepReport());
  if (value.is_discarded()) {
    json::json_pointer p(pointer);
    j[p.parent_pointer()].erase(p.back());
  } else {
    j[json::json_pointer(pointer)] = value;
  }
  auto parsed = fromJson(j);
  if (parsed.ok()) return "parsed without error";
  EXPECT_EQ(parsed.error().code, "BadReport");
  return parsed.error().message;
}

TEST(ReportJsonTest, StrictParsingNamesThePathOfTheBadField) {
  EXPECT_THAT(parseErrorAfter("/timeline/3/colour", "red"),
              AllOf(HasSubstr("/timeline/3/colour"), HasSubstr("unknown field")));
  EXPECT_THAT(
      parseErrorAfter("/run/timeScale", "sixty"),
      AllOf(HasSubstr("/run/timeScale"), HasSubstr("expected a number"), HasSubstr("\"sixty\"")));
  EXPECT_THAT(parseErrorAfter("/run/timeScale", 0), HasSubstr("greater than 0"));
  EXPECT_THAT(
      parseErrorAfter("/verdict/result", "flaky"),
      AllOf(HasSubstr("/verdict/result"), HasSubstr("passed, failed, aborted, inconclusive")));
  EXPECT_THAT(parseErrorAfter("/timeline/5/source", "kubelet"),
              AllOf(HasSubstr("/timeline/5/source"), HasSubstr("kubernetes-event")));
  EXPECT_THAT(parseErrorAfter("/run/id", json(json::value_t::discarded)),
              AllOf(HasSubstr("/run/id"), HasSubstr("required field is missing")));
  EXPECT_THAT(parseErrorAfter("/run/startedAt", "yesterday"),
              AllOf(HasSubstr("/run/startedAt"), HasSubstr("RFC 3339")));
  EXPECT_THAT(parseErrorAfter("/timeline/0/nominalTime", "an hour"),
              HasSubstr("/timeline/0/nominalTime"));
  EXPECT_THAT(parseErrorAfter("/run/scenario/seed", -1),
              AllOf(HasSubstr("/run/scenario/seed"), HasSubstr("non-negative integer")));
  EXPECT_THAT(parseErrorAfter("/run/scenario/number", 3.5), HasSubstr("/run/scenario/number"));
  EXPECT_THAT(parseErrorAfter("/run/versions/kubernetes", 129),
              HasSubstr("/run/versions/kubernetes"));
  EXPECT_THAT(parseErrorAfter("/certificates/after/dnsNames/1", json::object()),
              HasSubstr("/certificates/after/dnsNames/1"));
  EXPECT_THAT(parseErrorAfter("/chain/2/step", "Certificate Expired"),
              AllOf(HasSubstr("/chain/2/step"), HasSubstr("kebab-case")));
  EXPECT_THAT(parseErrorAfter("/proofOfInjection/0", "evidence"),
              AllOf(HasSubstr("/proofOfInjection/0"), HasSubstr("expected an object")));
  EXPECT_THAT(parseErrorAfter("/circuitBreakerTripped", "no"), HasSubstr("/circuitBreakerTripped"));
  EXPECT_THAT(parseErrorAfter("/artifacts/logs", "a.log"), HasSubstr("/artifacts/logs"));
  EXPECT_THAT(
      parseErrorAfter("/verdict/checks/1/outcome", "passed"),
      AllOf(HasSubstr("/verdict/checks/1/outcome"), HasSubstr("held, violated, not-evaluated")));
  EXPECT_THAT(parseErrorAfter("/verdict/checks/0/name", "Renewed Before Expiry"),
              AllOf(HasSubstr("/verdict/checks/0/name"), HasSubstr("kebab-case")));
  EXPECT_THAT(parseErrorAfter("/verdict/checks/2/at", "later"), HasSubstr("/verdict/checks/2/at"));
  EXPECT_THAT(parseErrorAfter("/run/scenario/defaults/jitter", 0),
              HasSubstr("/run/scenario/defaults/jitter"));
}

TEST(ReportJsonTest, ChecksRoundTripAndReportsWithoutChecksStillRead) {
  Report r = testing::sampleSleepReport();
  r.verdict.checks.push_back({"signal-before-expiry",
                              "a signal exists before notAfter - margin",
                              {},
                              CheckOutcome::kNotEvaluated,
                              "no deadline passed",
                              std::nullopt});
  json j = toJson(r);
  ASSERT_EQ(j["verdict"]["checks"].size(), 4u);
  EXPECT_EQ(j["verdict"]["checks"][0]["outcome"], "violated");
  EXPECT_EQ(j["verdict"]["checks"][2]["outcome"], "held");
  EXPECT_FALSE(j["verdict"]["checks"][3].contains("at")) << "absent when not evaluated";
  EXPECT_EQ(j["run"]["scenario"]["defaults"]["jitter"], "0");
  auto back = fromJson(j);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->verdict.checks, r.verdict.checks);
  // A report written before checks existed.
  j["verdict"].erase("checks");
  j["run"]["scenario"].erase("defaults");
  auto old = fromJson(j);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_TRUE(old->verdict.checks.empty());
}

// A run's --check overrides are recorded on the checks they made: overridden (with the
// scenario's own tolerance) or added; the scenario's checks stay as they were on the wire.
TEST(ReportJsonTest, CheckOverridesRoundTripAndValidate) {
  Report r = testing::sampleSleepReport();
  r.verdict.checks[1].origin = CheckOrigin::kOverridden;
  r.verdict.checks[1].scenarioTolerance = r.verdict.checks[1].tolerance;
  r.verdict.checks[1].tolerance = {{"failures", "2"}};
  r.verdict.checks.push_back({"own-issuer-only",
                              "no certificate from another issuer reaches the Secret",
                              {},
                              CheckOutcome::kHeld,
                              "every certificate from CN=ca",
                              r.run.endedAt,
                              CheckOrigin::kAdded});
  json j = toJson(r);
  EXPECT_FALSE(j["verdict"]["checks"][0].contains("origin")) << "the scenario's own, as before";
  EXPECT_EQ(j["verdict"]["checks"][1]["origin"], "overridden");
  EXPECT_EQ(j["verdict"]["checks"][1]["scenarioTolerance"]["failures"], "0");
  EXPECT_EQ(j["verdict"]["checks"][1]["tolerance"]["failures"], "2");
  EXPECT_EQ(j["verdict"]["checks"].back()["origin"], "added");
  EXPECT_FALSE(j["verdict"]["checks"].back().contains("scenarioTolerance"));
  EXPECT_TRUE(validateReportJson(j).ok()) << validateReportJson(j).error().message;
  auto back = fromJson(j);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->verdict.checks, r.verdict.checks);
  j["verdict"]["checks"][1]["origin"] = "invented";
  auto bad = fromJson(j);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("/verdict/checks/1/origin"), std::string::npos)
      << bad.error().message;
}

TEST(ReportJsonTest, StrictParsingListsEveryProblem) {
  json j = toJson(testing::sampleSleepReport());
  j["run"]["cluster"] = 1;
  j["timeline"][1]["kind"] = "";
  j["extra"] = true;
  auto parsed = fromJson(j);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.error().message, AllOf(HasSubstr("3 problems"), HasSubstr("/run/cluster"),
                                            HasSubstr("/timeline/1/kind"), HasSubstr("/extra")));
}

TEST(ReportJsonTest, RejectsOtherSchemaVersionsWithOneClearMessage) {
  json j = toJson(testing::sampleSleepReport());
  j["schemaVersion"] = 2;
  auto parsed = fromJson(j);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.error().message,
              AllOf(HasSubstr("schemaVersion 2"), HasSubstr("reads version 1")));
}

TEST(ReportJsonTest, RejectsNonObjectsAndBadSyntax) {
  EXPECT_THAT(fromJson(json::array()).error().message, HasSubstr("expected an object"));
  auto bad = parseReport("{\"schemaVersion\": 1,");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, AllOf(HasSubstr("not valid JSON"), HasSubstr("line 1, column")));
}

// Found by the report_json fuzz target: a number too large for a double made json::parse throw
// out_of_range, which parseReport did not catch.
TEST(ReportJsonTest, ANumberTooLargeIsAnError) {
  auto huge = parseReport("{\"schemaVersion\": 1" + std::string(400, '0') + "e999}");
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error().message, HasSubstr("not valid JSON"));
}

TEST(ReportJsonTest, InvalidUtf8InLogLinesDoesNotBreakTheReport) {
  Report r = testing::sampleSleepReport();
  r.timeline[0].message = "bad byte \xff here";
  std::string text = toJsonText(r);
  EXPECT_THAT(text, HasSubstr("bad byte \xEF\xBF\xBD here"));
  EXPECT_TRUE(parseReport(text).ok());
}

TEST(ReportEnumsTest, WireNamesRoundTrip) {
  for (auto v : {VerdictResult::kPassed, VerdictResult::kFailed, VerdictResult::kAborted,
                 VerdictResult::kInconclusive}) {
    EXPECT_EQ(*parseVerdictResult(toString(v)), v);
  }
  for (auto s : {Source::kIssuer, Source::kCertManager, Source::kKubernetesEvent,
                 Source::kApplication, Source::kProbe, Source::kRunner}) {
    EXPECT_EQ(*parseSource(toString(s)), s);
  }
  EXPECT_THAT(parseSource("Issuer").error().message, HasSubstr("expected one of"));
  EXPECT_THAT(std::string(toString(EvidenceSource::kIssuerStatus)), Not(HasSubstr("unknown")));
  for (auto o : {CheckOutcome::kHeld, CheckOutcome::kViolated, CheckOutcome::kNotEvaluated}) {
    EXPECT_EQ(*parseCheckOutcome(toString(o)), o);
  }
  EXPECT_EQ(*parseEvidenceSource("runner-action"), EvidenceSource::kRunnerAction);
}

}  // namespace
}  // namespace certchaos::report
