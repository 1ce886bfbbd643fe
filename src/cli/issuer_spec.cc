#include "issuer_spec.h"

#include <charconv>

namespace certchaos::cli {

using nlohmann::json;

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
    auto kv = parseKeyValue(item, "--fault " + type);
    if (!kv) return makeError(kUsageError, kv.error().message + example);
    const auto& [key, value] = *kv;
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
                 (v.is_string() ? v.get<std::string>() : v.dump());
      }
      text += " (" + knobs + ")";
    }
  }
  if (spec.contains("faults") && spec["faults"].is_array() && !spec["faults"].empty()) {
    std::string types;
    for (const auto& f : spec["faults"]) {
      types += (types.empty() ? "" : ", ") + (f.is_object() && f.value("type", json()).is_string()
                                                  ? f["type"].get<std::string>()
                                                  : std::string("?"));
    }
    text += (text.empty() ? "" : " + ") + std::string("faults [") + types + "]";
  }
  return text;
}

}  // namespace certchaos::cli
