#include "issuer_spec.h"

#include <charconv>

#include "certchaos/chaos/chaos_spec.h"
#include "input_checks.h"
#include "output.h"

namespace certchaos::cli {

using nlohmann::json;

namespace {

constexpr const char* kApiVersion = "certchaos.io/v1alpha1";

// "a string 'x'", "a list [1,2]": what a value is, for "found ..." (cut short).
std::string describeFound(const json& value) {
  // Replaces bytes that are not UTF-8 (yaml-cpp passes some through) instead of throwing.
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  switch (value.type()) {
    case json::value_t::object:
      return "a mapping " + text;
    case json::value_t::array:
      return "a list " + text;
    case json::value_t::string:
      return "a string " + text;
    case json::value_t::null:
      return "nothing (null)";
    case json::value_t::boolean:
      return "a boolean " + text;
    default:
      return "a number " + text;
  }
}

// "kind ChaosIssuer, name a" for the list of documents in a multi-document error.
std::string summarize(const json& doc) {
  if (!doc.is_object()) return describeFound(doc);
  std::string kind =
      doc.contains("kind") && doc["kind"].is_string() ? doc["kind"].get<std::string>() : "?";
  std::string name = "?";
  if (doc.contains("metadata") && doc["metadata"].is_object() && doc["metadata"].contains("name") &&
      doc["metadata"]["name"].is_string()) {
    name = doc["metadata"]["name"].get<std::string>();
  }
  return kind + " " + name;
}

}  // namespace

Result<IssuerManifest> parseIssuerManifest(std::string_view text, const std::string& origin) {
  const std::string example = "; examples/scenarios/03-sleep.yaml is one";
  auto documents = yamlDocumentsToJson(std::string(text), origin);
  if (!documents) return documents.error();
  if (documents->empty()) {
    return makeError("BadInput", origin +
                                     ": expected one ChaosIssuer or ChaosClusterIssuer document, "
                                     "found none (the file is empty or holds only comments)" +
                                     example);
  }
  if (documents->size() > 1) {
    std::string found;
    for (std::size_t i = 0; i < documents->size(); ++i) {
      found += (i == 0 ? "" : ", ") + std::to_string(i + 1) + ": " + summarize((*documents)[i]);
    }
    return makeError("BadInput", origin +
                                     ": expected one ChaosIssuer or ChaosClusterIssuer "
                                     "document, found " +
                                     std::to_string(documents->size()) + " (" + found +
                                     "); deploy one issuer per file, or apply the file with "
                                     "kubectl apply -f");
  }
  json& doc = documents->front();
  const std::string where = origin + ", document 1";
  auto bad = [&](const std::string& path, const std::string& expected, const json& found,
                 const std::string& todo) {
    return makeError("BadInput", where + (path.empty() ? "" : ", " + path) + ": expected " +
                                     expected + ", found " + describeFound(found) + "; " + todo);
  };
  if (!doc.is_object()) {
    return bad("", "a mapping with apiVersion, kind, metadata and spec", doc,
               "write the issuer as a YAML mapping" + example.substr(1));
  }
  const json absent = nullptr;
  auto field = [&](const json& object, const char* key) -> const json& {
    return object.contains(key) ? object[key] : absent;
  };

  const json& apiVersion = field(doc, "apiVersion");
  if (!apiVersion.is_string() || apiVersion.get<std::string>() != kApiVersion) {
    return bad("apiVersion", std::string("\"") + kApiVersion + "\"", apiVersion,
               std::string("set apiVersion: ") + kApiVersion);
  }
  const json& kind = field(doc, "kind");
  if (!kind.is_string() || (kind.get<std::string>() != "ChaosIssuer" &&
                            kind.get<std::string>() != "ChaosClusterIssuer")) {
    return bad("kind", "ChaosIssuer or ChaosClusterIssuer", kind,
               "deploy issuer deploys issuers only; apply other objects with kubectl apply -f");
  }
  IssuerManifest manifest;
  manifest.cluster = kind.get<std::string>() == "ChaosClusterIssuer";

  const json& meta = field(doc, "metadata");
  if (!meta.is_null()) {
    if (!meta.is_object()) {
      return bad("metadata", "a mapping with name (and namespace)", meta,
                 "write metadata: {name: my-issuer}");
    }
    const json& name = field(meta, "name");
    if (!name.is_null()) {
      if (!name.is_string()) {
        return bad("metadata.name", "the issuer's name as a string", name,
                   "write metadata.name: my-issuer");
      }
      if (auto valid = checkObjectName(name.get<std::string>(), where + ", metadata.name");
          !valid) {
        return valid.error();
      }
      manifest.name = name.get<std::string>();
    }
    const json& ns = field(meta, "namespace");
    if (!ns.is_null()) {
      if (!ns.is_string()) {
        return bad("metadata.namespace", "a namespace name as a string", ns,
                   "write metadata.namespace: demo, or leave it out and pass -n");
      }
      if (auto valid = checkNamespaceName(ns.get<std::string>(), where + ", metadata.namespace");
          !valid) {
        return valid.error();
      }
      manifest.ns = ns.get<std::string>();
    }
    for (const char* map : {"labels", "annotations"}) {
      const json& m = field(meta, map);
      if (m.is_null()) continue;
      const std::string path = std::string("metadata.") + map;
      if (!m.is_object()) return bad(path, "a mapping of strings", m, "quote its values");
      for (const auto& [key, value] : m.items()) {
        if (!value.is_string()) {
          std::string todo = "quote it: \"";
          todo += value.dump(-1, ' ', false, json::error_handler_t::replace) + "\"";
          return bad(path + "." + key, "a string", value, todo);
        }
      }
    }
  }

  const json& spec = field(doc, "spec");
  if (!spec.is_null()) {
    if (!spec.is_object()) {
      return bad("spec", "a mapping (selfSigned or ca, scenario, parameters, faults, ...)", spec,
                 "write spec: {selfSigned: {}, scenario: \"3\"}; 'certchaos scenarios' lists "
                 "the scenarios");
    }
    // A file may leave the CA source to deploy (the live issuer's, or selfSigned): check the
    // rest of the spec as the issuer will see it.
    json& writable = doc["spec"];
    if (writable.contains("scenario") && writable["scenario"].is_number_unsigned()) {
      // `scenario: 3` reads as a number in YAML; the CRD stores a string.
      writable["scenario"] = std::to_string(writable["scenario"].get<std::uint64_t>());
    }
    json checked = writable;
    if (!checked.contains("ca") && !checked.contains("selfSigned")) {
      checked["selfSigned"] = json::object();
    }
    if (auto valid = chaos::validateChaosSpec(checked); !valid) {
      return makeError("BadInput", where + ": the spec is not valid: " + valid.error().message +
                                       "; 'certchaos scenarios -o json' lists the scenarios, "
                                       "fault types and their parameters");
    }
  }
  manifest.object = std::move(doc);
  return manifest;
}

Result<std::pair<std::string, std::string>> parseKeyValue(const std::string& text,
                                                          const std::string& flag) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return makeError(kUsageError, flag + ": expected KEY=VALUE (e.g. " + flag +
                                      " delay=1h), found '" + text + "'");
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

Result<json> parseFaultFlag(const std::string& text) {
  const std::string example = " (e.g. --fault sleep:delay=10m,probability=0.5)";
  auto colon = text.find(':');
  std::string type = text.substr(0, colon);
  if (type.empty()) {
    return makeError(kUsageError,
                     "--fault: expected TYPE[:KEY=VALUE,...]" + example + ", found '" + text + "'");
  }
  json fault = {{"type", type}};
  if (colon == std::string::npos) return fault;
  json parameters = json::object();
  std::string rest = text.substr(colon + 1);
  std::size_t start = 0;
  while (start <= rest.size()) {
    auto comma = rest.find(',', start);
    std::string item = rest.substr(start, comma == std::string::npos ? comma : comma - start);
    start = comma == std::string::npos ? rest.size() + 1 : comma + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return makeError(kUsageError, "--fault " + text + ": expected TYPE:KEY=VALUE[,KEY=VALUE...]" +
                                        example + ", found '" + item + "' without KEY=VALUE");
    }
    const std::string key = item.substr(0, eq);
    const std::string value = item.substr(eq + 1);
    if (key == "probability") {
      char* end = nullptr;
      double p = std::strtod(value.c_str(), &end);
      if (value.empty() || end != value.c_str() + value.size()) {
        return makeError(kUsageError, "--fault " + type +
                                          ": expected probability to be a number from 0 to 1 "
                                          "such as 0.25, found '" +
                                          value + "'");
      }
      fault["probability"] = p;
    } else if (key == "seed") {
      std::int64_t seed = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seed);
      if (ec != std::errc() || end != value.data() + value.size()) {
        return makeError(kUsageError, "--fault " + type +
                                          ": expected seed to be a non-negative integer, found '" +
                                          value + "'");
      }
      fault["seed"] = seed;  // a negative one is left to the spec validation's message
    } else {
      parameters[key] = value;
    }
  }
  if (!parameters.empty()) fault["parameters"] = parameters;
  return fault;
}

bool isHealthyScenario(const std::string& scenario) {
  return scenario.empty() || scenario == "healthy" || scenario == "none" || scenario == "0";
}

const std::vector<std::string>& chaosFields() {
  static const std::vector<std::string> fields = {"scenario", "parameters", "faults", "seed",
                                                  "ttl"};
  return fields;
}

Result<json> buildIssuer(const IssuerFlags& flags, json base, const json& live) {
  json object = base.is_object() ? std::move(base) : json::object();
  const std::string kind = flags.cluster ? "ChaosClusterIssuer" : "ChaosIssuer";
  object["apiVersion"] = "certchaos.io/v1alpha1";
  object["kind"] = kind;
  auto& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  meta["name"] = flags.name;
  if (flags.cluster) {
    meta.erase("namespace");
  } else {
    meta["namespace"] = flags.ns;
  }
  // Server-side apply owns what it sends: no server-set fields.
  for (const char* f :
       {"resourceVersion", "uid", "generation", "creationTimestamp", "managedFields", "selfLink"}) {
    meta.erase(f);
  }
  object.erase("status");
  auto& spec = object["spec"];
  if (!spec.is_object()) spec = json::object();

  if (flags.scenario) {
    if (isHealthyScenario(*flags.scenario)) {
      if (!flags.sets.empty() || !flags.faults.empty()) {
        return makeError(kUsageError, "--scenario " + *flags.scenario +
                                          " clears the chaos, but --set or --fault was given too; "
                                          "drop them, or name a scenario");
      }
      for (const auto& f : chaosFields()) spec.erase(f);
    } else {
      spec["scenario"] = *flags.scenario;
    }
  }
  if (!flags.sets.empty()) {
    if (!spec.contains("scenario")) {
      return makeError(kUsageError,
                       "--set: expected a scenario to set knobs of (--scenario N), found none; "
                       "name one, or put parameters on a --fault TYPE:KEY=VALUE");
    }
    auto& parameters = spec["parameters"];
    if (!parameters.is_object()) parameters = json::object();
    for (const auto& s : flags.sets) {
      auto kv = parseKeyValue(s, "--set");
      if (!kv) return kv.error();
      parameters[kv->first] = kv->second;
    }
  }
  if (!flags.faults.empty()) {
    auto& faults = spec["faults"];
    if (!faults.is_array()) faults = json::array();
    for (const auto& f : flags.faults) {
      auto fault = parseFaultFlag(f);
      if (!fault) return fault.error();
      faults.push_back(*fault);
    }
  }
  if (flags.seed) spec["seed"] = *flags.seed;
  if (flags.ttl) spec["ttl"] = *flags.ttl;

  const json liveSpec = live.is_object() ? live.value("spec", json::object()) : json::object();
  if (flags.timeScale) {
    spec["timeScale"] = *flags.timeScale;
  } else if (!spec.contains("timeScale") && liveSpec.contains("timeScale")) {
    spec["timeScale"] = liveSpec["timeScale"];
  }
  if (!flags.caSecret.empty()) {
    spec.erase("selfSigned");
    spec["ca"] = {{"secretName", flags.caSecret}};
  } else if (!spec.contains("ca") && !spec.contains("selfSigned")) {
    if (liveSpec.contains("ca")) {
      spec["ca"] = liveSpec["ca"];
    } else {
      spec["selfSigned"] = json::object();
    }
  }
  return object;
}

bool specHasChaos(const json& spec) {
  if (!spec.is_object()) return false;
  bool scenario = spec.contains("scenario") && spec["scenario"].is_string() &&
                  !isHealthyScenario(spec["scenario"].get<std::string>());
  bool faults = spec.contains("faults") && spec["faults"].is_array() && !spec["faults"].empty();
  return scenario || faults;
}

std::string describeChaos(const json& spec) {
  if (!specHasChaos(spec)) return "healthy";
  std::string text;
  if (spec.contains("scenario") && spec["scenario"].is_string()) {
    text = "scenario " + spec["scenario"].get<std::string>();
    if (spec.contains("parameters") && spec["parameters"].is_object() &&
        !spec["parameters"].empty()) {
      std::string knobs;
      for (const auto& [k, v] : spec["parameters"].items()) {
        knobs += (knobs.empty() ? "" : ", ") + k + "=" +
                 (v.is_string() ? v.get<std::string>()
                                : v.dump(-1, ' ', false, json::error_handler_t::replace));
      }
      text += " (" + knobs + ")";
    }
  }
  if (spec.contains("faults") && spec["faults"].is_array() && !spec["faults"].empty()) {
    std::string types;
    for (const auto& f : spec["faults"]) {
      const bool typed = f.is_object() && f.contains("type") && f["type"].is_string();
      types += (types.empty() ? "" : ", ") + (typed ? f["type"].get<std::string>() : "?");
    }
    text += (text.empty() ? "" : " + ") + std::string("faults [") + types + "]";
  }
  return text;
}

}  // namespace certchaos::cli
