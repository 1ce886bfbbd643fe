#include "output.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "certchaos/common/utf8.h"

namespace certchaos::cli {

namespace {

void emit(YAML::Emitter& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) emit(out, item);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      // Quote what a reader would take for a number, a boolean or null.
      // YAML 1.1 readers (kubectl's) also take yes/No/ON, 0x1f and 1_000 for booleans and
      // numbers: quote every word of that kind and anything that starts like a number.
      std::string lower;
      for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      static const std::set<std::string> words = {"true", "false", "null", "~",  "yes",
                                                  "no",   "on",    "off",  "y",  "n",
                                                  ".inf", "-.inf", ".nan", "<<", "="};
      const char first = s.empty() ? '\0' : s[0];
      bool ambiguous = s.empty() || words.count(lower) > 0 ||
                       std::isdigit(static_cast<unsigned char>(first)) || first == '+' ||
                       first == '-' || first == '.';
      if (ambiguous) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      break;
    default:
      out << value.dump();
  }
}

// Limits that keep a hostile document from exhausting the stack (deep nesting, or an alias of
// a node inside itself) or memory (aliases that multiply a node: "a billion laughs").
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxValues = 100000;

std::string lineOf(const YAML::Node& node) {
  return "line " + std::to_string(node.Mark().line + 1);
}

Result<nlohmann::json> fromNode(const YAML::Node& node, const std::string& origin, int depth,
                                std::size_t& values) {
  if (depth > kMaxDepth) {
    return makeError("BadInput", origin + ", " + lineOf(node) + ": expected at most " +
                                     std::to_string(kMaxDepth) +
                                     " levels of nesting, found more (or an alias that contains "
                                     "itself); flatten the document");
  }
  if (++values > kMaxValues) {
    return makeError("BadInput", origin + ": expected at most " + std::to_string(kMaxValues) +
                                     " values, found more (aliases repeated too often?); write "
                                     "the document out without so many aliases");
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nlohmann::json(nullptr);
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& item : node) {
        if (!item.first.IsScalar()) {
          return makeError("BadInput", origin + ", " + lineOf(item.first) +
                                           ": expected a mapping key that is a plain string, "
                                           "found a " +
                                           (item.first.IsMap() ? "mapping" : "list or null") +
                                           "; use a string key");
        }
        auto value = fromNode(item.second, origin, depth + 1, values);
        if (!value) return value;
        object[item.first.Scalar()] = std::move(*value);
      }
      return object;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) {
        auto value = fromNode(item, origin, depth + 1, values);
        if (!value) return value;
        array.push_back(std::move(*value));
      }
      return array;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& s = node.Scalar();
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return nlohmann::json(s);
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nlohmann::json(nullptr);
  if (s == "true" || s == "True" || s == "TRUE") return nlohmann::json(true);
  if (s == "false" || s == "False" || s == "FALSE") return nlohmann::json(false);
  if (!s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '+' ||
                     s[0] == '.')) {
    auto number = nlohmann::json::parse(s[0] == '+' ? s.substr(1) : s, nullptr, false);
    if (number.is_number()) return number;
  }
  return nlohmann::json(s);
}

// Reads the stream's events without building nodes. yaml-cpp 0.7's LoadAll never returns when a
// ',' stands outside [ ] or { } at a document's top level (", a"; found by the issuer_file fuzz
// target): its parser then yields empty documents for ever without reading on. No stream has
// more documents than bytes, so more than that means the parser is stuck.
class StuckParserCheck final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override { ++documents; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
  std::size_t documents = 0;
};

bool parserGetsStuck(const std::string& text) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  StuckParserCheck check;
  while (parser.HandleNextDocument(check)) {
    if (check.documents > text.size() + 1) return true;
  }
  return false;
}

}  // namespace

std::string toYaml(const nlohmann::json& value) {
  YAML::Emitter out;
  emit(out, value);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

Result<std::vector<nlohmann::json>> yamlDocumentsToJson(const std::string& text,
                                                        const std::string& origin) {
  std::vector<nlohmann::json> documents;
  // YAML and JSON files are UTF-8: say where they are not, rather than what yaml-cpp makes of it.
  if (auto bad = firstInvalidUtf8(text)) {
    return makeError("BadInput", origin +
                                     ": expected UTF-8 text, found an invalid byte at offset " +
                                     std::to_string(*bad) + "; save the file as UTF-8");
  }
  try {
    if (parserGetsStuck(text)) {
      return makeError("BadInput", origin +
                                       ": expected YAML or JSON, found a ',' outside [ ] or { }; "
                                       "remove it or quote the value");
    }
    for (const auto& node : YAML::LoadAll(text)) {
      std::size_t values = 0;
      auto value = fromNode(node, origin, 0, values);
      if (!value) return value.error();
      if (!value->is_null()) documents.push_back(std::move(*value));
    }
  } catch (const YAML::Exception& e) {
    return makeError("BadInput", origin + ": expected YAML or JSON, found a syntax error at line " +
                                     std::to_string(e.mark.line + 1) + ", column " +
                                     std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return documents;
}

Result<nlohmann::json> yamlToJson(const std::string& text, const std::string& origin) {
  auto documents = yamlDocumentsToJson(text, origin);
  if (!documents) return documents.error();
  if (documents->size() != 1) {
    return makeError("BadInput", origin + ": expected one YAML document, found " +
                                     std::to_string(documents->size()));
  }
  return std::move(documents->front());
}

Result<void> checkFormat(const std::string& format, const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), format) != allowed.end()) return {};
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
  return makeError("BadInput", "-o: expected one of " + list + ", found '" + format + "'");
}

namespace {
std::size_t displayWidth(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}
}  // namespace

void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], displayWidth(row[i]));
    }
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - displayWidth(row[i]) + 3, ' ');
    }
    out << line << "\n";
  };
  print(header);
  for (const auto& row : rows) print(row);
}

std::string truncate(std::string_view text, std::size_t width) {
  if (displayWidth(text) <= width || width == 0) return std::string(text);
  std::string cut;
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (n + 1 == width) break;
      ++n;
    }
    cut += text[i];
  }
  return cut + "…";
}

}  // namespace certchaos::cli
