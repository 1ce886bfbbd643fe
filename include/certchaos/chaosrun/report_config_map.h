// The ConfigMap that keeps a ChaosRun's report in the cluster: report.json and the tails of the
// collected logs, owned by the run. It must fit one object (the API server refuses a ConfigMap
// over 1 MiB): logs are cut from the front, then, if report.json alone is too large, timeline
// entries from its middle; whatever was cut is said in trimmed.txt and in the result, never
// dropped silently. The whole run stays in the controller's runs directory.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace certchaos::chaosrun {

// Room for the data of one ConfigMap, leaving space for its metadata under the 1 MiB limit.
inline constexpr std::size_t kReportBudget = 900 * 1024;

struct ReportConfigMap {
  nlohmann::json object;  // the ConfigMap, ready to apply
  std::string trimmed;    // what was cut to fit, "" when nothing was
};

// `run`: the ChaosRun (name, namespace and uid for the owner reference). `reportJson`: the
// report as written. `logs`: source → content. `whereFull`: where the untrimmed run is kept.
ReportConfigMap buildReportConfigMap(const nlohmann::json& run, const std::string& reportJson,
                                     const std::map<std::string, std::string>& logs,
                                     const std::string& whereFull,
                                     std::size_t budget = kReportBudget);

}  // namespace certchaos::chaosrun
