// report.json: the canonical serialisation of a Report, and its strict reader.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "certchaos/common/result.h"
#include "certchaos/report/report.h"

namespace certchaos::report {

// Times are RFC 3339 in UTC with up to nanoseconds; durations are Go duration strings
// ("1h0m0s"); optional fields and empty optional strings are left out.
nlohmann::json toJson(const Report& report);

// Strict: every required field present with the right type, no unknown field, enums and times
// and durations valid, the schema version supported. The error (code "BadReport") lists every
// problem found, each prefixed with the JSON Pointer of the bad field ("/timeline/3/source").
Result<Report> fromJson(const nlohmann::json& json);

// Parses report.json text (syntax errors name the line and column), then fromJson.
Result<Report> parseReport(std::string_view text);

// Pretty-printed report.json text, with a trailing newline.
std::string toJsonText(const Report& report);

}  // namespace certchaos::report
