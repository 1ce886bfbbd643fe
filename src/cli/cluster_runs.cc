#include "cluster_runs.h"

#include <algorithm>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/chaosrun/chaos_run.h"
#include "certchaos/report/report_json.h"

namespace certchaos::cli {

using nlohmann::json;

namespace {

std::string str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<std::vector<RunEntry>> listClusterRuns(kube::Client& client, const std::string& ns) {
  auto list = client.listAll(api::kChaosRun, ns);
  if (!list) return list.error();
  std::vector<RunEntry> out;
  for (const auto& run : list->items) {
    const json status = run.value("status", json::object());
    const json meta = run.value("metadata", json::object());
    const std::string name = str(meta, "namespace") + "/" + str(meta, "name");
    RunEntry entry;
    entry.source = "cluster";
    entry.chaosRun = name;
    entry.id = str(status, "runId").empty() ? str(meta, "name") : str(status, "runId");
    entry.dir = "chaosrun " + name;
    const json where = status.value("report", json::object());
    entry.trimmed = str(where, "trimmed");
    const std::string configMap = str(where, "configMap");
    const std::string phase = str(status, "phase").empty() ? "New" : str(status, "phase");
    if (configMap.empty()) {
      entry.problem = phase + (str(status, "message").empty() ? "" : ": " + str(status, "message"));
      out.push_back(std::move(entry));
      continue;
    }
    auto cm = client.get(kube::resources::kConfigMap, str(meta, "namespace"), configMap);
    if (!cm) {
      entry.problem = "its report ConfigMap " + configMap + ": " + cm.error().message;
      out.push_back(std::move(entry));
      continue;
    }
    const json data = cm->value("data", json::object());
    auto parsed = report::parseReport(str(data, chaosrun::kReportKey));
    if (parsed) {
      entry.report = std::move(*parsed);
    } else {
      entry.problem =
          "ConfigMap " + configMap + " " + chaosrun::kReportKey + ": " + parsed.error().message;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<RunEntry> mergeRuns(std::vector<RunEntry> local, std::vector<RunEntry> cluster) {
  std::vector<RunEntry> all = std::move(local);
  for (auto& r : cluster) all.push_back(std::move(r));
  std::stable_sort(all.begin(), all.end(), [](const RunEntry& a, const RunEntry& b) {
    if (a.report && b.report) return a.report->run.startedAt < b.report->run.startedAt;
    return a.report.has_value() && !b.report.has_value();
  });
  return all;
}

}  // namespace certchaos::cli
