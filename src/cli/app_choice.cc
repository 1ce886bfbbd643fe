#include "app_choice.h"

#include "issuer_spec.h"

namespace certchaos::cli {

std::vector<ServingApp> appsServing(const localcluster::ClusterState& plane, const std::string& ns,
                                    const std::string& secret) {
  std::vector<ServingApp> out;
  for (const auto& c : plane.components) {
    bool nsMatch = false, secretMatch = false, noReload = false;
    for (const auto& a : c.args) {
      nsMatch = nsMatch || a == "--namespace=" + ns;
      secretMatch = secretMatch || a == "--secret=" + secret;
      noReload = noReload || a == "--no-reload";
    }
    if (nsMatch && secretMatch) out.push_back({c.name, c.url, c.logPath, !noReload, c.name});
  }
  return out;
}

Result<std::vector<ServingApp>> appPodsServing(kube::Client& client, const std::string& ns,
                                               const std::string& secret) {
  kube::ListOptions options;
  options.labelSelector = "app.kubernetes.io/part-of=certchaos";
  auto pods = client.list(kube::resources::kPod, ns, options);
  if (!pods) return pods.error();
  std::vector<ServingApp> out;
  for (const auto& pod : pods->items) {
    const auto status = pod.value("status", nlohmann::json::object());
    const std::string ip = status.value("podIP", "");
    if (ip.empty() || status.value("phase", "") != "Running" ||
        pod["metadata"].contains("deletionTimestamp")) {
      continue;
    }
    for (const auto& c : pod["spec"].value("containers", nlohmann::json::array())) {
      bool serves = false, noReload = false;
      for (const auto& a : c.value("args", nlohmann::json::array())) {
        serves = serves || a == "--secret=" + secret;
        noReload = noReload || a == "--no-reload";
      }
      if (serves) {
        const auto labels = pod["metadata"].value("labels", nlohmann::json::object());
        out.push_back({pod["metadata"].value("name", ""), "https://" + ip + ":8443", "", !noReload,
                       labels.value("app.kubernetes.io/name", "")});
      }
    }
  }
  return out;
}

Result<std::optional<ServingApp>> chooseApp(const std::vector<ServingApp>& serving,
                                            const std::string& appFlag,
                                            const std::string& secretObject) {
  if (!appFlag.empty()) {
    for (const auto& app : serving) {
      if (app.url == appFlag) return std::optional<ServingApp>(app);
    }
    return std::optional<ServingApp>();
  }
  if (serving.size() <= 1) {
    return serving.empty() ? std::optional<ServingApp>() : std::optional<ServingApp>(serving[0]);
  }
  std::string found;
  for (const auto& app : serving) {
    found += (found.empty() ? "" : ", ") + app.name + " at " + app.url +
             (app.reloads ? " (reloads the Secret)" : " (--no-reload)");
  }
  return makeError(kUsageError, "--app: expected it, or exactly one local app serving " +
                                    secretObject + ", found " + std::to_string(serving.size()) +
                                    ": " + found +
                                    "; pass --app with the URL of the one to probe (e.g. --app " +
                                    serving.back().url + ")");
}

}  // namespace certchaos::cli
