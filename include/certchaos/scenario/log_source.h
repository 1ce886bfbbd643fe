// Where the runner reads a component's log: a local file (a process of the embedded plane), or
// the pods/log API for the pods a label selector matches (any cluster; DESIGN.md §1).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/common/time.h"
#include "certchaos/kube/client.h"
#include "certchaos/report/redaction.h"
#include "certchaos/report/report.h"

namespace certchaos::scenario {

struct FileLogSource {
  std::string path{};
};

struct PodLogSource {
  std::string ns{};
  std::string selector{};   // a label selector, as kubectl -l takes it
  std::string container{};  // empty: every container of each pod
};

using LogSource = std::variant<FileLogSource, PodLogSource>;

// The components whose logs a run collects, as --<component>-logs names them.
inline constexpr std::string_view kIssuerLogs = "issuer";
inline constexpr std::string_view kCertManagerLogs = "cert-manager";
inline constexpr std::string_view kAppLogs = "app";

// Parses a user's log source (--issuer-logs, a ChaosRun's spec.logs): NS/SELECTOR[@CONTAINER]
// for pods ("cert-manager/app.kubernetes.io/name=cert-manager@cert-manager-controller"),
// file:PATH for a local file, none for no log. nullopt means none. `what` names the value in
// the error ("--issuer-logs").
Result<std::optional<LogSource>> parseLogSource(std::string_view what, std::string_view value);

// Where the three run on a cluster installed as documented: the chart's issuer pods in its
// release namespace, cert-manager's controller as its own Helm chart labels it, the demo app's
// pods (deploy/manifests/demo-app.yaml) in the app's namespace.
PodLogSource defaultIssuerPods(std::string ns = "certchaos-system");
PodLogSource defaultCertManagerPods();
PodLogSource defaultAppPods(std::string ns, std::string appName = "demo-app");

// Component → the user's choice (nullopt: none), from --<component>-logs or a ChaosRun's spec.
using LogOverrides = std::map<std::string, std::optional<LogSource>, std::less<>>;
// Component → the log file of its local process on the embedded plane.
using LocalLogFiles = std::map<std::string, std::string, std::less<>>;

// The sources of a run's issuer, cert-manager and app logs: the user's choice first; else the
// file of a local process (the embedded plane); else where the component runs as pods on a
// cluster (the defaults above; the app's only when the run probes an app: the pods of the app
// named appName, as `deploy app --name` labels them, in appNamespace).
std::map<std::string, LogSource> resolveLogSources(const LogOverrides& overrides,
                                                   const LocalLogFiles& localFiles,
                                                   const std::string& appNamespace, bool probesApp,
                                                   const std::string& appName = "demo-app");

// Copies the log(s) of one component into dir/logs/ with every secret redacted, keeping the last
// 8 MiB of each. Pods: each container of each matching pod, read through pods/log from `since`
// with timestamps, and also its previous instance when it restarted (a crash's log is not lost).
// Never fails: a log that cannot be read (file missing, 403, pod gone, not on a node) is an entry
// with its error, so that the report says which and why.
std::vector<report::CollectedLog> collectLogs(kube::Client* client, const std::string& component,
                                              const LogSource& source, SystemTime since,
                                              const std::string& dir,
                                              const report::Redactor& redactor,
                                              std::stop_token stop = {});

}  // namespace certchaos::scenario
