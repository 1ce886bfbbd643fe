#include "certchaos/chaos/chaos_spec.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "certchaos/chaos/fault_engine.h"
#include "certchaos/common/duration.h"

namespace certchaos::chaos {
namespace {

using nlohmann::json;

// Collects every problem of a spec, so one apply shows them all.
class Problems {
 public:
  void add(const std::string& path, const std::string& expected, const json& found) {
    add(path + ": expected " + expected + ", found " + describe(found));
  }
  void add(std::string message) { items_.push_back(std::move(message)); }
  bool empty() const { return items_.empty(); }
  Error error() const {
    std::string message;
    for (const auto& i : items_) message += (message.empty() ? "" : "; ") + i;
    return makeError("InvalidSpec", message);
  }

 private:
  static std::string describe(const json& v) {
    std::string text = v.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return std::string(v.type_name()) + " " + text;
  }
  std::vector<std::string> items_;
};

void checkKnown(const json& obj, const std::string& path, const std::set<std::string>& known,
                Problems& problems) {
  for (const auto& [key, value] : obj.items()) {
    if (known.count(key) == 0) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      problems.add(path + "." + key + ": unknown field; expected one of: " + list);
    }
  }
}

std::map<std::string, std::string> stringMap(const json& v, const std::string& path,
                                             Problems& problems) {
  std::map<std::string, std::string> out;
  if (!v.is_object()) {
    problems.add(path, "a map of strings (e.g. {\"delay\": \"1h\"})", v);
    return out;
  }
  for (const auto& [key, value] : v.items()) {
    if (value.is_string()) {
      out[key] = value.get<std::string>();
    } else {
      problems.add(path + "." + key, "a string (quote numbers: \"" + value.dump() + "\")", value);
    }
  }
  return out;
}

// JSON from the API server stores 5 as unsigned; JSON built in code may store it as signed.
bool isNonNegativeInteger(const json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
}

std::optional<std::uint64_t> seedOf(const json& v, const std::string& path, Problems& problems) {
  if (isNonNegativeInteger(v)) return v.get<std::uint64_t>();
  problems.add(path, "a non-negative integer", v);
  return std::nullopt;
}

std::optional<double> probabilityOf(const json& v, const std::string& path, Problems& problems) {
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 ||
      v.get<double>() > 1) {
    problems.add(path, "a number from 0 to 1 (0.25 = a quarter of the requests)", v);
    return std::nullopt;
  }
  return v.get<double>();
}

}  // namespace

Result<ChaosSpec> parseChaosSpec(const json& spec) {
  Problems problems;
  ChaosSpec out;
  if (!spec.is_object()) {
    problems.add("spec", "an object", spec);
    return problems.error();
  }
  checkKnown(spec, "spec",
             {"selfSigned", "ca", "scenario", "parameters", "faults", "seed", "ttl", "timeScale"},
             problems);

  const bool hasSelfSigned = spec.contains("selfSigned");
  const bool hasCa = spec.contains("ca");
  if (hasSelfSigned == hasCa) {
    problems.add(std::string("spec: expected exactly one of selfSigned: {} or ca.secretName, "
                             "found ") +
                 (hasCa ? "both" : "neither"));
  }
  if (hasSelfSigned) {
    if (!spec["selfSigned"].is_object()) problems.add("spec.selfSigned", "{}", spec["selfSigned"]);
    out.ca.selfSigned = true;
  }
  if (hasCa) {
    const json& ca = spec["ca"];
    if (!ca.is_object() || !ca.contains("secretName") || !ca["secretName"].is_string() ||
        ca["secretName"].get<std::string>().empty()) {
      problems.add("spec.ca", "{secretName: <a Secret with tls.crt and tls.key>}", ca);
    } else {
      checkKnown(ca, "spec.ca", {"secretName"}, problems);
      out.ca.secretName = ca["secretName"].get<std::string>();
    }
  }

  if (spec.contains("scenario")) {
    const json& s = spec["scenario"];
    if (s.is_string()) {
      out.scenario = s.get<std::string>();
    } else if (isNonNegativeInteger(s)) {
      out.scenario = std::to_string(s.get<std::uint64_t>());
    } else {
      problems.add("spec.scenario", "a scenario number or name as a string (\"3\" or \"sleep\")",
                   s);
    }
  }
  if (spec.contains("parameters")) {
    out.parameters = stringMap(spec["parameters"], "spec.parameters", problems);
  }

  if (spec.contains("faults")) {
    const json& faults = spec["faults"];
    if (!faults.is_array()) {
      problems.add("spec.faults", "a list of faults", faults);
    } else {
      for (size_t i = 0; i < faults.size(); ++i) {
        const std::string path = "spec.faults[" + std::to_string(i) + "]";
        const json& f = faults[i];
        if (!f.is_object()) {
          problems.add(path, "an object {type, parameters, probability, seed}", f);
          continue;
        }
        checkKnown(f, path, {"type", "parameters", "probability", "seed"}, problems);
        FaultSpec fault;
        if (!f.contains("type") || !f["type"].is_string() || f["type"].get<std::string>().empty()) {
          problems.add(path + ".type", "a fault type such as \"sleep\"",
                       f.contains("type") ? f["type"] : json());
        } else {
          fault.type = f["type"].get<std::string>();
        }
        if (f.contains("parameters")) {
          fault.parameters = stringMap(f["parameters"], path + ".parameters", problems);
        }
        if (f.contains("probability")) {
          fault.probability = probabilityOf(f["probability"], path + ".probability", problems);
        }
        if (f.contains("seed")) fault.seed = seedOf(f["seed"], path + ".seed", problems);
        out.faults.push_back(std::move(fault));
      }
    }
  }

  if (spec.contains("seed")) out.seed = seedOf(spec["seed"], "spec.seed", problems);
  if (spec.contains("ttl")) {
    const json& ttl = spec["ttl"];
    auto d = ttl.is_string() ? parseGoDuration(ttl.get<std::string>())
                             : Result<std::chrono::nanoseconds>(makeError("", ""));
    if (!d && d.error().code == "OutOfRange") {
      problems.add("spec.ttl: " + d.error().message);
    } else if (!d || d->count() <= 0) {
      problems.add("spec.ttl", "a positive duration such as \"30m\" or \"2h\"", ttl);
    } else {
      out.ttl = *d;
    }
  }
  if (spec.contains("timeScale")) {
    const json& ts = spec["timeScale"];
    if (!isNonNegativeInteger(ts) || ts.get<std::uint64_t>() < 1) {
      problems.add("spec.timeScale", "an integer >= 1 (60 = one hour lasts one minute)", ts);
    } else {
      out.timeScale = static_cast<std::int64_t>(ts.get<std::uint64_t>());
    }
  }
  if (!problems.empty()) return problems.error();
  return out;
}

Result<ChaosSpec> parseChaosSpecText(std::string_view jsonText) {
  json spec = json::parse(jsonText, nullptr, false);
  if (spec.is_discarded()) {
    return makeError("InvalidSpec", "spec: expected a JSON object, found text that is not JSON");
  }
  return parseChaosSpec(spec);
}

Result<ChaosSpec> validateChaosSpec(const json& spec) {
  auto parsed = parseChaosSpec(spec);
  if (!parsed) return parsed;
  SeededRandom seeds(0);
  auto engine = FaultEngine::fromSpec(*parsed, seeds);
  if (!engine) return engine.error();
  return parsed;
}

}  // namespace certchaos::chaos
