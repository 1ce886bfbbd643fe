#include "certchaos/chaosrun/chaos_run.h"

#include "certchaos/chaos/catalog.h"
#include "certchaos/common/duration.h"

namespace certchaos::chaosrun {

using nlohmann::json;

namespace {

std::string str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

// o[key] when it is an object, else an empty object: a run read from outside (the fuzzer's, or
// an object without metadata) never throws or trips nlohmann's assertion on a missing key.
template <typename T>
T number(const json& o, const char* key, T fallback) {
  auto it = o.find(key);
  return it != o.end() && it->is_number_integer() ? it->get<T>() : fallback;
}

const json& object(const json& o, const char* key) {
  static const json kEmpty = json::object();
  if (!o.is_object()) return kEmpty;
  auto it = o.find(key);
  return it != o.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace

std::string runKey(const json& run) {
  const auto& m = object(run, "metadata");
  return str(m, "namespace") + "/" + str(m, "name");
}

std::string phaseOf(const json& run) { return str(object(run, "status"), "phase"); }

bool abortRequested(const json& run) {
  const json& annotations = object(object(run, "metadata"), "annotations");
  return str(annotations, kAbortAnnotation) == "true";
}

bool finished(const std::string& phase) { return phase == kCompleted || phase == kAborted; }

std::string reportConfigMapName(const std::string& runName) {
  constexpr std::size_t kMaxName = 253;
  const std::string suffix = "-report";
  return runName.substr(0, kMaxName - suffix.size()) + suffix;
}

Result<scenario::RunOptions> runOptionsFor(const json& run) {
  const json& spec = object(run, "spec");
  const std::string ns = str(object(run, "metadata"), "namespace");
  scenario::RunOptions o;
  o.scenario = str(spec, "scenario");
  const auto* info = chaos::findScenario(o.scenario);
  if (info == nullptr || info->status == chaos::ScenarioStatus::kPlanned) {
    return makeError("BadSpec",
                     "spec.scenario: expected a scenario that can run ('certchaos "
                     "scenarios'), found '" +
                         o.scenario + "'");
  }
  const json& parameters = object(spec, "parameters");
  for (const auto& [k, v] : parameters.items()) {
    if (!v.is_string()) {
      return makeError("BadSpec",
                       "spec.parameters." + k + ": expected a string, found " + v.dump());
    }
    o.parameters[k] = v.get<std::string>();
  }
  if (auto valid = chaos::issuerScenarioFor(*info, o.parameters); !valid) {
    return makeError("BadSpec", "spec.parameters: " + valid.error().message);
  }
  const auto checksAt = spec.find("checks");
  const json checks = checksAt != spec.end() && checksAt->is_array() ? *checksAt : json::array();
  for (const auto& c : checks) {
    auto parsed = scenario::parseCheckOverride(c.is_string() ? c.get<std::string>() : c.dump());
    if (!parsed) return makeError("BadSpec", "spec.checks: " + parsed.error().message);
    o.checkOverrides.push_back(std::move(*parsed));
  }
  if (auto checks = scenario::applyCheckOverrides(info->checks, o.checkOverrides); !checks) {
    return makeError("BadSpec", "spec.checks: " + checks.error().message);
  }
  if (spec.contains("seed") && spec["seed"].is_number_integer()) {
    o.seed = spec["seed"].get<std::uint64_t>();
  }
  o.timeScale = static_cast<double>(number<std::int64_t>(spec, "timeScale", 1));
  if (o.timeScale < 1) {
    return makeError("BadSpec", "spec.timeScale: expected a whole number of at least 1, found " +
                                    spec["timeScale"].dump());
  }
  const json& issuer = object(spec, "issuer");
  o.issuerKind = str(issuer, "kind").empty() ? "ChaosIssuer" : str(issuer, "kind");
  o.issuer = {o.issuerKind == "ChaosClusterIssuer" ? "" : ns, str(issuer, "name")};
  o.certificate = {ns, str(object(spec, "certificate"), "name")};
  if (o.issuer.name.empty() || o.certificate.name.empty()) {
    return makeError("BadSpec",
                     "expected spec.issuer.name and spec.certificate.name, found " + spec.dump());
  }
  const json& target = object(spec, "target");
  if (target.contains("url")) {
    o.appUrl = str(target, "url");
  } else if (target.contains("service")) {
    const json& service = object(target, "service");
    o.appUrl = "https://" + str(service, "name") + "." + ns +
               ".svc:" + std::to_string(number<std::int64_t>(service, "port", 443));
  }
  o.appServerName = str(target, "serverName");
  o.atRenewalTime = str(spec, "start") == "RenewalTime";
  if (const std::string timeout = str(spec, "timeout"); !timeout.empty()) {
    auto parsed = parseGoDuration(timeout);
    if (!parsed || parsed->count() <= 0) {
      return makeError(
          "BadSpec",
          "spec.timeout: expected a positive duration such as 10m, found '" + timeout + "'");
    }
    o.timeout = *parsed;
  }
  o.maxRequests = number<int>(spec, "maxRequests", 20);
  const auto keep = spec.find("keep");
  o.keep = keep != spec.end() && keep->is_boolean() && keep->get<bool>();
  if (auto logs = logOverridesFor(run); !logs) return logs.error();
  o.cluster = "in-cluster";
  return o;
}

Result<scenario::LogOverrides> logOverridesFor(const json& run) {
  const json& logs = object(object(run, "spec"), "logs");
  scenario::LogOverrides overrides;
  for (const auto& [component, field] : {std::pair{scenario::kIssuerLogs, "issuer"},
                                         {scenario::kCertManagerLogs, "certManager"},
                                         {scenario::kAppLogs, "app"}}) {
    if (!logs.contains(field)) continue;
    const std::string what = std::string("spec.logs.") + field;
    if (!logs[field].is_string()) {
      return makeError("BadSpec", what + ": expected a string, found " + logs[field].dump());
    }
    auto source = scenario::parseLogSource(what, logs[field].get<std::string>());
    if (!source) return makeError("BadSpec", source.error().message);
    overrides.emplace(std::string(component), std::move(*source));
  }
  return overrides;
}

}  // namespace certchaos::chaosrun
