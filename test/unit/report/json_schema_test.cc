#include "certchaos/report/json_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "certchaos/report/report_json.h"
#include "sample_report.h"

namespace certchaos::report {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kSchemaFile = CERTCHAOS_REPORT_SCHEMA_FILE;

std::string schemaFileText() {
  std::ifstream in(kSchemaFile);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string describe(const std::vector<SchemaViolation>& violations) {
  std::string out;
  for (const auto& v : violations) out += v.instancePath + ": " + v.message + "\n";
  return out;
}

JsonSchemaValidator reportValidator() {
  auto v = JsonSchemaValidator::compile(json::parse(reportSchemaText()));
  EXPECT_TRUE(v.ok()) << v.error().message;
  return std::move(v).value();
}

TEST(ReportSchemaTest, EmbeddedSchemaIsTheFileInTheRepository) {
  std::string file = schemaFileText();
  ASSERT_FALSE(file.empty()) << kSchemaFile << " not found";
  EXPECT_EQ(json::parse(file), json::parse(reportSchemaText()));
  EXPECT_EQ(json::parse(file)["$schema"], "https://json-schema.org/draft/2020-12/schema");
}

TEST(ReportSchemaTest, ProducedReportsValidate) {
  auto validator = reportValidator();
  for (const Report& r : {testing::sampleSleepReport(), testing::minimalReport()}) {
    auto violations = validator.validate(toJson(r));
    EXPECT_TRUE(violations.empty()) << describe(violations);
    EXPECT_TRUE(validateReportJson(toJson(r)).ok());
  }
}

// Every field the writer can produce is described by the schema (additionalProperties false
// everywhere would catch a field the schema forgot; this checks the schema forgot none).
TEST(ReportSchemaTest, SchemaDescribesEveryProducedField) {
  json schema = json::parse(reportSchemaText());
  json j = toJson(testing::sampleSleepReport());
  for (const auto& [key, value] : j.items()) {
    EXPECT_TRUE(schema["properties"].contains(key)) << key;
  }
  for (const auto& key : schema["required"]) EXPECT_TRUE(j.contains(key.get<std::string>())) << key;
}

TEST(ReportSchemaTest, ViolationsNameInstanceAndSchemaPaths) {
  auto validator = reportValidator();
  json j = toJson(testing::sampleSleepReport());
  j["timeline"][2]["source"] = "kubelet";
  j["timeline"][3]["colour"] = "red";
  j["run"]["startedAt"] = "12:00";
  j["timeToFailure"] = "47 seconds";
  j["chain"][1]["step"] = "Request Held";
  j["run"]["timeScale"] = 0;
  j["verdict"].erase("hypothesis");
  j["certificateRequestCount"] = "2";
  auto violations = validator.validate(j);
  std::string text = describe(violations);
  EXPECT_EQ(violations.size(), 8U) << text;
  EXPECT_THAT(text, HasSubstr("/timeline/2/source: expected one of"));
  EXPECT_THAT(text, HasSubstr("/timeline/3/colour: property not allowed"));
  EXPECT_THAT(text, HasSubstr("/run/startedAt: invalid RFC 3339"));
  EXPECT_THAT(text, HasSubstr("/timeToFailure: \"47 seconds\" does not match"));
  EXPECT_THAT(text, HasSubstr("/chain/1/step"));
  EXPECT_THAT(text, HasSubstr("/run/timeScale: expected more than 0"));
  EXPECT_THAT(text, HasSubstr("/verdict/hypothesis: required property is missing"));
  EXPECT_THAT(text, HasSubstr("/certificateRequestCount: expected integer, found string"));
  bool sawSchemaPath = false;
  for (const auto& v : violations) {
    sawSchemaPath = sawSchemaPath || v.schemaPath == "/$defs/timelineEntry/properties/source/enum";
  }
  EXPECT_TRUE(sawSchemaPath) << text;
  EXPECT_THAT(validateReportJson(j).error().message, HasSubstr("/timeline/2/source"));
}

TEST(ReportJsonSchemaValidatorTest, RefusesKeywordsItCannotCheck) {
  auto v = JsonSchemaValidator::compile(
      json{{"type", "object"}, {"properties", {{"a", {{"oneOf", json::array()}}}}}});
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message, HasSubstr("/properties/a/oneOf"));
  auto dangling = JsonSchemaValidator::compile(json{{"$ref", "#/$defs/missing"}});
  ASSERT_FALSE(dangling.ok());
  EXPECT_THAT(dangling.error().message, HasSubstr("does not resolve"));
}

TEST(ReportJsonSchemaValidatorTest, SubsetSemantics) {
  auto v = JsonSchemaValidator::compile(json::parse(R"({
    "type": "object",
    "required": ["n"],
    "properties": {
      "n": {"type": "integer", "minimum": 1},
      "tags": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 2}},
      "kind": {"const": "x"},
      "either": {"type": ["string", "null"]}
    },
    "additionalProperties": {"type": "boolean"}
  })"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v->validate(json::parse(R"({"n": 2, "tags": ["ab"], "kind": "x", "flag": true,
                                           "either": null})"))
                  .empty());
  EXPECT_TRUE(v->validate(json::parse(R"({"n": 2.0})")).empty());  // 2.0 is an integer
  auto bad = v->validate(json::parse(R"({"n": 0, "tags": [], "kind": "y", "flag": 1,
                                         "either": 3})"));
  EXPECT_EQ(bad.size(), 5U) << describe(bad);
  auto tooShort = v->validate(json::parse(R"({"n": 1, "tags": ["é"]})"));
  EXPECT_EQ(tooShort.size(), 1U) << describe(tooShort);  // one code point, two bytes
}

// A second opinion from a complete implementation, where python3-jsonschema is installed.
TEST(ReportSchemaTest, ValidatesWithPythonJsonschemaWhenInstalled) {
  if (!testing::havePython() ||
      std::system("python3 -c 'import jsonschema' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 jsonschema not installed (Debian: python3-jsonschema)";
  }
  std::string schemaPath = kSchemaFile;
  std::string script = R"py(
import json, sys, jsonschema
schema = json.load(open(")py" +
                       schemaPath + R"py("))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
errors = list(validator.iter_errors(json.load(open(sys.argv[1]))))
for e in errors:
    print("/" + "/".join(str(p) for p in e.absolute_path), e.message)
sys.exit(1 if errors else 0)
)py";
  auto good = testing::runPythonOn(script, toJsonText(testing::sampleSleepReport()));
  EXPECT_EQ(good.exitCode, 0) << good.output;
  auto minimal = testing::runPythonOn(script, toJsonText(testing::minimalReport()));
  EXPECT_EQ(minimal.exitCode, 0) << minimal.output;
  json j = toJson(testing::sampleSleepReport());
  j["timeline"][0]["source"] = "kubelet";
  auto bad = testing::runPythonOn(script, j.dump());
  EXPECT_EQ(bad.exitCode, 1) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("/timeline/0/source"));
}

}  // namespace
}  // namespace certchaos::report
