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

}  // namespace

std::string runKey(const json& run) {
  const auto& m = run["metadata"];
  return str(m, "namespace") + "/" + str(m, "name");
}

std::string phaseOf(const json& run) { return str(run.value("status", json::object()), "phase"); }

bool abortRequested(const json& run) {
  const json annotations = run["metadata"].value("annotations", json::object());
  return str(annotations, kAbortAnnotation) == "true";
}

bool finished(const std::string& phase) { return phase == kCompleted || phase == kAborted; }

std::string reportConfigMapName(const std::string& runName) {
  constexpr std::size_t kMaxName = 253;
  const std::string suffix = "-report";
  return runName.substr(0, kMaxName - suffix.size()) + suffix;
}

Result<scenario::RunOptions> runOptionsFor(const json& run) {
  const json spec = run.value("spec", json::object());
  const std::string ns = str(run["metadata"], "namespace");
  scenario::RunOptions o;
  o.scenario = str(spec, "scenario");
  const auto* info = chaos::findScenario(o.scenario);
  if (info == nullptr || info->status == chaos::ScenarioStatus::kPlanned) {
    return makeError("BadSpec",
                     "spec.scenario: expected a scenario that can run ('certchaos "
                     "scenarios'), found '" +
                         o.scenario + "'");
  }
  const json parameters = spec.value("parameters", json::object());
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
  const json checks = spec.value("checks", json::array());
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
  o.timeScale = static_cast<double>(spec.value("timeScale", std::int64_t{1}));
  const json issuer = spec.value("issuer", json::object());
  o.issuerKind = issuer.value("kind", "ChaosIssuer");
  o.issuer = {o.issuerKind == "ChaosClusterIssuer" ? "" : ns, str(issuer, "name")};
  o.certificate = {ns, str(spec.value("certificate", json::object()), "name")};
  if (o.issuer.name.empty() || o.certificate.name.empty()) {
    return makeError("BadSpec",
                     "expected spec.issuer.name and spec.certificate.name, found " + spec.dump());
  }
  const json target = spec.value("target", json::object());
  if (target.contains("url")) {
    o.appUrl = str(target, "url");
  } else if (target.contains("service")) {
    const json& service = target["service"];
    o.appUrl = "https://" + str(service, "name") + "." + ns +
               ".svc:" + std::to_string(service.value("port", 443));
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
  o.maxRequests = spec.value("maxRequests", 20);
  o.keep = spec.value("keep", false);
  o.cluster = "in-cluster";
  return o;
}

}  // namespace certchaos::chaosrun
