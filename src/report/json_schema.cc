#include "certchaos/report/json_schema.h"

#include <map>
#include <regex>
#include <set>

#include "certchaos/common/time.h"
#include "json_pointer.h"

namespace certchaos::report {
namespace {

using nlohmann::json;

const std::set<std::string, std::less<>> kAnnotations{
    "$schema", "$id", "$comment", "title", "description", "examples", "default"};
const std::set<std::string, std::less<>> kAssertions{
    "type",   "enum",     "const",   "required",         "properties", "additionalProperties",
    "items",  "minItems", "minimum", "exclusiveMinimum", "minLength",  "pattern",
    "format", "$ref",     "$defs"};

// Past this length a pattern is not evaluated: std::regex recurses per character and a hostile
// report could exhaust the stack. No field of a report needs a pattern on a longer string.
constexpr std::size_t kMaxPatternSubject = 4096;

std::string childPath(const std::string& path, std::string_view token) {
  return detail::childPointer(path, token);
}

// Follows "#/$defs/name" (or any "#/a/b" pointer) inside the root schema.
const json* resolve(const json& root, std::string_view ref) {
  if (!ref.starts_with("#")) return nullptr;
  try {
    const json& target = root.at(json::json_pointer(std::string(ref.substr(1))));
    return &target;
  } catch (const json::exception&) {
    return nullptr;
  }
}

// Checks that the schema only uses what validate() implements.
void checkSchema(const json& root, const json& s, const std::string& path,
                 std::vector<std::string>& problems) {
  if (s.is_boolean()) return;
  if (!s.is_object()) {
    problems.push_back(path + ": a schema must be an object or a boolean");
    return;
  }
  for (const auto& [key, value] : s.items()) {
    if (kAnnotations.count(key) != 0) continue;
    if (kAssertions.count(key) == 0) {
      problems.push_back(childPath(path, key) + ": keyword not supported by this validator");
      continue;
    }
    if (key == "properties" || key == "$defs") {
      if (!value.is_object()) {
        problems.push_back(childPath(path, key) + ": expected an object of schemas");
        continue;
      }
      for (const auto& [name, sub] : value.items()) {
        checkSchema(root, sub, childPath(childPath(path, key), name), problems);
      }
    } else if (key == "additionalProperties" || key == "items") {
      checkSchema(root, value, childPath(path, key), problems);
    } else if (key == "$ref") {
      if (!value.is_string() || resolve(root, value.get<std::string>()) == nullptr) {
        problems.push_back(childPath(path, key) +
                           ": the reference does not resolve inside "
                           "this schema");
      }
    } else if (key == "pattern") {
      try {
        std::regex re(value.get<std::string>(), std::regex::ECMAScript);
      } catch (const std::exception& e) {
        problems.push_back(childPath(path, key) + ": invalid pattern: " + e.what());
      }
    } else if (key == "required" && !value.is_array()) {
      problems.push_back(childPath(path, key) + ": expected an array of names");
    } else if (key == "enum" && !value.is_array()) {
      problems.push_back(childPath(path, key) + ": expected an array");
    }
  }
}

std::size_t codePoints(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool hasType(const json& v, std::string_view type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    if (v.is_number_integer()) return true;
    if (v.is_number_float()) {
      double d = v.get<double>();
      return d == static_cast<double>(static_cast<long long>(d));
    }
  }
  return false;
}

class Validation {
 public:
  Validation(const json& root, std::vector<SchemaViolation>& out) : root_(root), out_(out) {}

  void run(const json& s, const std::string& sp, const json& v, const std::string& ip, int depth) {
    if (depth > 64) {
      fail(ip, sp, "the schema nests deeper than 64 levels (a $ref cycle?)");
      return;
    }
    if (s.is_boolean()) {
      if (!s.get<bool>()) fail(ip, sp, "no value is allowed here");
      return;
    }
    if (auto it = s.find("$ref"); it != s.end()) {
      std::string ref = it->get<std::string>();
      run(*resolve(root_, ref), ref.substr(1), v, ip, depth + 1);
    }
    if (auto it = s.find("type"); it != s.end()) {
      bool ok = false;
      std::string expected;
      if (it->is_array()) {
        for (const auto& t : *it) {
          ok = ok || hasType(v, t.get<std::string>());
          expected += (expected.empty() ? "" : " or ") + t.get<std::string>();
        }
      } else {
        expected = it->get<std::string>();
        ok = hasType(v, expected);
      }
      if (!ok) {
        fail(ip, childPath(sp, "type"), "expected " + expected + ", found " + v.type_name());
        return;  // the other keywords would only repeat the type error
      }
    }
    if (auto it = s.find("const"); it != s.end() && *it != v) {
      fail(ip, childPath(sp, "const"), "expected " + it->dump() + ", found " + v.dump());
    }
    if (auto it = s.find("enum"); it != s.end()) {
      bool found = false;
      for (const auto& option : *it) found = found || option == v;
      if (!found) {
        fail(ip, childPath(sp, "enum"),
             "expected one of " + it->dump() + ", found " +
                 v.dump(-1, ' ', false, json::error_handler_t::replace));
      }
    }
    if (v.is_object()) object(s, sp, v, ip, depth);
    if (v.is_array()) array(s, sp, v, ip, depth);
    if (v.is_string()) string(s, sp, v.get<std::string>(), ip);
    if (v.is_number()) number(s, sp, v, ip);
  }

 private:
  void object(const json& s, const std::string& sp, const json& v, const std::string& ip,
              int depth) {
    if (auto it = s.find("required"); it != s.end()) {
      for (const auto& name : *it) {
        if (!v.contains(name.get<std::string>())) {
          fail(childPath(ip, name.get<std::string>()), childPath(sp, "required"),
               "required property is missing");
        }
      }
    }
    const json* properties = nullptr;
    if (auto it = s.find("properties"); it != s.end()) properties = &*it;
    const json* additional = nullptr;
    if (auto it = s.find("additionalProperties"); it != s.end()) additional = &*it;
    for (const auto& [key, value] : v.items()) {
      if (properties != nullptr && properties->contains(key)) {
        run((*properties)[key], childPath(childPath(sp, "properties"), key), value,
            childPath(ip, key), depth + 1);
      } else if (additional != nullptr) {
        if (additional->is_boolean() && !additional->get<bool>()) {
          fail(childPath(ip, key), childPath(sp, "additionalProperties"),
               "property not allowed here");
        } else {
          run(*additional, childPath(sp, "additionalProperties"), value, childPath(ip, key),
              depth + 1);
        }
      }
    }
  }

  void array(const json& s, const std::string& sp, const json& v, const std::string& ip,
             int depth) {
    if (auto it = s.find("minItems"); it != s.end() && v.size() < it->get<std::size_t>()) {
      fail(ip, childPath(sp, "minItems"),
           "expected at least " + it->dump() + " items, found " + std::to_string(v.size()));
    }
    if (auto it = s.find("items"); it != s.end()) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        run(*it, childPath(sp, "items"), v[i], childPath(ip, std::to_string(i)), depth + 1);
      }
    }
  }

  void string(const json& s, const std::string& sp, const std::string& v, const std::string& ip) {
    if (auto it = s.find("minLength"); it != s.end() && codePoints(v) < it->get<std::size_t>()) {
      fail(ip, childPath(sp, "minLength"),
           "expected at least " + it->dump() + " characters, found " +
               std::to_string(codePoints(v)));
    }
    if (auto it = s.find("pattern"); it != s.end()) {
      if (v.size() > kMaxPatternSubject) {
        fail(ip, childPath(sp, "pattern"),
             "the string is too long (" + std::to_string(v.size()) + " bytes) to check");
      } else {
        std::string pattern = it->get<std::string>();
        auto cached = patterns_.find(pattern);
        if (cached == patterns_.end()) {
          cached = patterns_.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
        }
        if (!std::regex_search(v, cached->second)) {
          fail(ip, childPath(sp, "pattern"),
               "\"" + v + "\" does not match the pattern " + it->dump());
        }
      }
    }
    if (auto it = s.find("format"); it != s.end() && *it == "date-time") {
      auto t = parseRfc3339(v);
      if (!t) fail(ip, childPath(sp, "format"), t.error().message);
    }
  }

  void number(const json& s, const std::string& sp, const json& v, const std::string& ip) {
    double d = v.get<double>();
    if (auto it = s.find("minimum"); it != s.end() && d < it->get<double>()) {
      fail(ip, childPath(sp, "minimum"), "expected at least " + it->dump() + ", found " + v.dump());
    }
    if (auto it = s.find("exclusiveMinimum"); it != s.end() && d <= it->get<double>()) {
      fail(ip, childPath(sp, "exclusiveMinimum"),
           "expected more than " + it->dump() + ", found " + v.dump());
    }
  }

  void fail(const std::string& ip, const std::string& sp, std::string message) {
    out_.push_back(
        SchemaViolation{ip.empty() ? "/" : ip, sp.empty() ? "/" : sp, std::move(message)});
  }

  const json& root_;
  std::vector<SchemaViolation>& out_;
  std::map<std::string, std::regex> patterns_;
};

}  // namespace

JsonSchemaValidator::JsonSchemaValidator(nlohmann::json schema)
    : schema_(std::make_shared<const nlohmann::json>(std::move(schema))) {}

Result<JsonSchemaValidator> JsonSchemaValidator::compile(nlohmann::json schema) {
  std::vector<std::string> problems;
  checkSchema(schema, schema, "", problems);
  if (!problems.empty()) {
    std::string message = "the JSON Schema uses what this validator cannot check:";
    for (const auto& p : problems) message += "\n  " + p;
    return makeError("BadSchema", message +
                                      "\nextend src/report/json_schema.cc or simplify the "
                                      "schema");
  }
  return JsonSchemaValidator(std::move(schema));
}

std::vector<SchemaViolation> JsonSchemaValidator::validate(const nlohmann::json& instance) const {
  std::vector<SchemaViolation> out;
  Validation(*schema_, out).run(*schema_, "", instance, "", 0);
  return out;
}

Result<void> validateReportJson(const nlohmann::json& instance) {
  static const Result<JsonSchemaValidator> validator = [] {
    json schema = json::parse(reportSchemaText(), nullptr, false);
    if (schema.is_discarded()) {
      return Result<JsonSchemaValidator>(
          makeError("BadSchema",
                    "the embedded report schema is not valid JSON; rebuild "
                    "certchaos from a clean schema/report.schema.json"));
    }
    return JsonSchemaValidator::compile(std::move(schema));
  }();
  if (!validator) return validator.error();
  auto violations = validator->validate(instance);
  if (violations.empty()) return {};
  std::string message = "report.json does not match schema/report.schema.json:";
  for (const auto& v : violations) {
    message += "\n  " + v.instancePath + ": " + v.message + " (schema " + v.schemaPath + ")";
  }
  return makeError("BadReport", message);
}

}  // namespace certchaos::report
