// A validator for the subset of JSON Schema (draft 2020-12) that schema/report.schema.json uses,
// so report.json can be checked in-process: type, enum, const, required, properties,
// additionalProperties (false or a schema), items, minItems, minimum, exclusiveMinimum,
// minLength, pattern (ECMAScript), format "date-time" (RFC 3339), $ref to "#/$defs/...".
// Annotations ($schema, $id, $comment, title, description, examples, default) are ignored; any
// other keyword makes compile() fail, so the schema cannot silently rely on an unchecked rule.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "certchaos/common/result.h"

namespace certchaos::report {

struct SchemaViolation {
  std::string instancePath;  // JSON Pointer into the instance ("/timeline/0/source")
  std::string schemaPath;    // JSON Pointer into the schema ("/$defs/source/enum")
  std::string message;
};

class JsonSchemaValidator {
 public:
  static Result<JsonSchemaValidator> compile(nlohmann::json schema);

  // Every violation found (empty when the instance is valid).
  std::vector<SchemaViolation> validate(const nlohmann::json& instance) const;

 private:
  explicit JsonSchemaValidator(nlohmann::json schema);
  std::shared_ptr<const nlohmann::json> schema_;
};

// schema/report.schema.json, embedded at build time.
std::string_view reportSchemaText();

// Validates report.json against the embedded schema. Ok, or "BadReport" listing violations.
Result<void> validateReportJson(const nlohmann::json& instance);

}  // namespace certchaos::report
