// Output formats (-o json|yaml|wide|text), YAML <-> JSON for -f files, and plain tables.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/common/result.h"

namespace certchaos::cli {

// JSON as YAML (block style; strings that would read as something else are quoted).
std::string toYaml(const nlohmann::json& value);
// YAML (or JSON, which is YAML) to JSON: plain scalars become null/bool/number when they read as
// one, quoted scalars stay strings. Errors name the file and the line.
Result<nlohmann::json> yamlToJson(const std::string& text, const std::string& origin);
// Every document of a YAML stream (documents separated by ---), empty ones skipped.
Result<std::vector<nlohmann::json>> yamlDocumentsToJson(const std::string& text,
                                                        const std::string& origin);

// Checks an -o value against the formats a command supports; the error lists them.
Result<void> checkFormat(const std::string& format, const std::vector<std::string>& allowed);

// Prints rows as left-aligned columns separated by three spaces, the header first.
void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// Cuts `text` to `width` characters (UTF-8 aware), ending with "…" when cut.
std::string truncate(std::string_view text, std::size_t width);

}  // namespace certchaos::cli
