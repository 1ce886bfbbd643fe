#include "certchaos/scenario/log_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include "certchaos/kube/resource.h"

namespace certchaos::scenario {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxLog = 8 << 20;  // keep the last 8 MiB of each log
constexpr std::string_view kFilePrefix = "file:";
constexpr std::string_view kForms =
    "NS/SELECTOR[@CONTAINER] for pods (e.g. cert-manager/app.kubernetes.io/name=cert-manager), "
    "file:PATH for a local file, or none";

bool isDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

// The characters of kubectl's label selector grammar (keys, values, = == != , in notin ( ) !).
bool isSelectorText(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-_./=!,() ").find(c) != std::string_view::npos;
  });
}

Error badSource(std::string_view what, std::string_view value, const std::string& problem) {
  return makeError("BadInput", std::string(what) + ": expected " + std::string(kForms) +
                                   ", found '" + std::string(value) + "' (" + problem + ")");
}

// "issuer-certchaos-issuer-5d8f9-x2x/issuer" -> a file name the run directory and a ConfigMap key
// both accept.
std::string fileNameFor(const std::string& component, const std::string& pod,
                        const std::string& container, bool previous) {
  std::string name = component + "-" + pod;
  if (!container.empty()) name += "-" + container;
  if (previous) name += ".previous";
  return name + ".log";
}

void writeRedacted(const std::string& out, std::string_view text,
                   const report::Redactor& redactor) {
  fs::create_directories(fs::path(out).parent_path());
  std::ofstream(out, std::ios::binary) << redactor.redact(text);
}

report::CollectedLog collectFile(const std::string& component, const FileLogSource& source,
                                 const std::string& dir, const report::Redactor& redactor) {
  report::CollectedLog log{
      .component = component, .origin = std::string(report::kLogFromFile), .from = source.path};
  std::ifstream in(source.path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    log.error =
        fs::exists(source.path, ec) ? "the file cannot be opened for reading" : "no such file";
    return log;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > kMaxLog) text.erase(0, text.size() - kMaxLog);
  log.path = dir + "/logs/" + component + ".log";
  writeRedacted(log.path, text, redactor);
  return log;
}

std::vector<report::CollectedLog> collectPods(kube::Client& client, const std::string& component,
                                              const PodLogSource& source, SystemTime since,
                                              const std::string& dir,
                                              const report::Redactor& redactor,
                                              std::stop_token stop) {
  report::CollectedLog failed{.component = component,
                              .origin = std::string(report::kLogFromPods),
                              .from = source.ns + " -l " + source.selector};
  auto pods =
      client.listAll(kube::resources::kPod, source.ns, {.labelSelector = source.selector}, stop);
  if (!pods) {
    failed.error = pods.error().message;
    return {failed};
  }
  if (pods->items.empty()) {
    failed.error = "no pod in namespace " + source.ns + " matches the selector " + source.selector +
                   "; say where it runs with --" + component +
                   "-logs NS/SELECTOR (a ChaosRun: spec.logs)";
    return {failed};
  }
  // sinceTime in whole seconds, rounded down: a line of the run's first second is kept.
  const std::string sinceTime =
      formatRfc3339(std::chrono::floor<std::chrono::seconds>(since), TimePrecision::kSeconds);
  std::vector<report::CollectedLog> logs;
  for (const auto& pod : pods->items) {
    const std::string name = pod["metadata"].value("name", "");
    const auto& spec = pod.value("spec", kube::Object::object());
    const auto& status = pod.value("status", kube::Object::object());
    std::vector<std::string> containers;
    if (!source.container.empty()) {
      containers.push_back(source.container);
    } else {
      for (const auto& c : spec.value("containers", kube::Object::array())) {
        containers.push_back(c.value("name", ""));
      }
    }
    std::set<std::string> restarted;
    for (const auto& s : status.value("containerStatuses", kube::Object::array())) {
      if (s.value("restartCount", 0) > 0) restarted.insert(s.value("name", ""));
    }
    for (const auto& container : containers) {
      for (bool previous : {true, false}) {
        if (previous && !restarted.contains(container)) continue;
        report::CollectedLog log{.component = component,
                                 .origin = std::string(report::kLogFromPods),
                                 .from = source.ns + "/" + name + "/" + container,
                                 .previous = previous};
        if (spec.value("nodeName", "").empty()) {
          log.error = "the pod is not on a node (phase " + status.value("phase", "unknown") +
                      "): it has no log yet";
          logs.push_back(std::move(log));
          continue;
        }
        auto text = client.podLog(source.ns, name,
                                  {.container = container,
                                   .timestamps = true,
                                   .previous = previous,
                                   .sinceTime = sinceTime,
                                   .maxBytes = kMaxLog},
                                  stop);
        if (!text) {
          log.error = text.error().message;
        } else {
          log.path = dir + "/logs/" + fileNameFor(component, name, container, previous);
          writeRedacted(log.path, *text, redactor);
        }
        logs.push_back(std::move(log));
      }
    }
  }
  return logs;
}

}  // namespace

Result<std::optional<LogSource>> parseLogSource(std::string_view what, std::string_view value) {
  if (value == "none") return std::optional<LogSource>();
  if (value.starts_with(kFilePrefix)) {
    std::string path(value.substr(kFilePrefix.size()));
    if (path.empty()) return badSource(what, value, "file: without a path");
    return std::optional<LogSource>(FileLogSource{path});
  }
  const auto slash = value.find('/');
  if (slash == std::string_view::npos) {
    return badSource(what, value, "no '/' between the namespace and the selector");
  }
  PodLogSource pods{.ns = std::string(value.substr(0, slash))};
  std::string_view rest = value.substr(slash + 1);
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    pods.container = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!isDnsLabel(pods.container)) {
      return badSource(what, value,
                       "the container '" + pods.container +
                           "' is not a container name: lower-case letters, digits and '-'");
    }
  }
  pods.selector = std::string(rest);
  if (pods.ns.empty()) {
    return badSource(what, value,
                     value.starts_with("/")
                         ? "no namespace; for a file write file:" + std::string(value)
                         : "no namespace before the '/'");
  }
  if (!isDnsLabel(pods.ns)) {
    return badSource(what, value,
                     "the namespace '" + pods.ns +
                         "' is not a namespace name: lower-case letters, digits and '-'");
  }
  if (pods.selector.empty() || pods.selector.find_first_not_of(' ') == std::string::npos) {
    return badSource(what, value, "no label selector after the namespace");
  }
  if (!isSelectorText(pods.selector)) {
    return badSource(what, value,
                     "the selector '" + pods.selector +
                         "' has characters a label selector cannot have (as kubectl -l: "
                         "key=value, key!=value, key in (a,b), joined by ',')");
  }
  return std::optional<LogSource>(std::move(pods));
}

PodLogSource defaultIssuerPods(std::string ns) {
  return {.ns = std::move(ns), .selector = "app.kubernetes.io/name=certchaos-issuer"};
}

PodLogSource defaultCertManagerPods() {
  return {.ns = "cert-manager",
          .selector = "app.kubernetes.io/name=cert-manager,app.kubernetes.io/component=controller"};
}

PodLogSource defaultAppPods(std::string ns, std::string appName) {
  return {.ns = std::move(ns),
          .selector = "app.kubernetes.io/name=" + appName + ",app.kubernetes.io/part-of=certchaos"};
}

std::map<std::string, LogSource> resolveLogSources(const LogOverrides& overrides,
                                                   const LocalLogFiles& localFiles,
                                                   const std::string& appNamespace, bool probesApp,
                                                   const std::string& appName) {
  std::map<std::string, LogSource> sources;
  const std::pair<std::string_view, std::optional<PodLogSource>> defaults[] = {
      {kIssuerLogs, defaultIssuerPods()},
      {kCertManagerLogs, defaultCertManagerPods()},
      {kAppLogs, probesApp ? std::optional(defaultAppPods(appNamespace, appName)) : std::nullopt}};
  for (const auto& [component, pods] : defaults) {
    const std::string name(component);
    if (auto chosen = overrides.find(component); chosen != overrides.end()) {
      if (chosen->second) sources.emplace(name, *chosen->second);
    } else if (auto file = localFiles.find(component); file != localFiles.end()) {
      sources.emplace(name, FileLogSource{file->second});
    } else if (pods) {
      sources.emplace(name, *pods);
    }
  }
  return sources;
}

std::vector<report::CollectedLog> collectLogs(kube::Client* client, const std::string& component,
                                              const LogSource& source, SystemTime since,
                                              const std::string& dir,
                                              const report::Redactor& redactor,
                                              std::stop_token stop) {
  if (const auto* file = std::get_if<FileLogSource>(&source)) {
    return {collectFile(component, *file, dir, redactor)};
  }
  const auto& pods = std::get<PodLogSource>(source);
  if (client == nullptr) {
    return {{.component = component,
             .origin = std::string(report::kLogFromPods),
             .from = pods.ns + " -l " + pods.selector,
             .error = "no API client to read it with"}};
  }
  return collectPods(*client, component, pods, since, dir, redactor, stop);
}

}  // namespace certchaos::scenario
