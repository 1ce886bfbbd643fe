#include "cli_context.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace certchaos::cli {

namespace fs = std::filesystem;

std::string Target::clusterName() const {
  if (local()) return "local";
  const auto& config = client->config();
  return config.contextName.empty() ? config.server : config.contextName;
}

std::optional<localcluster::ClusterState> CliContext::runningPlane() const {
  localcluster::LocalCluster cluster(global.stateDir);
  auto state = cluster.loadState();
  if (!state) return std::nullopt;
  for (const auto& c : state->components) {
    if (c.name == "kube-apiserver" && localcluster::isRunning(c.process)) return *state;
  }
  return std::nullopt;
}

Result<Target> CliContext::connect() const {
  Target target;
  std::optional<localcluster::ClusterState> plane = runningPlane();
  const char* env = std::getenv("KUBECONFIG");
  const char* home = std::getenv("HOME");
  const std::string homeConfig = home != nullptr ? std::string(home) + "/.kube/config" : "";
  std::error_code ec;
  if (!global.kubeconfig.empty()) {
    target.kubeconfigPath = global.kubeconfig;
    target.source = "--kubeconfig";
  } else if (env != nullptr && *env != '\0') {
    target.source = std::string("$KUBECONFIG (") + env + ")";
  } else if (plane) {
    target.kubeconfigPath = plane->kubeconfigPath;
    target.source = "the local plane in " + global.stateDir;
  } else if (!homeConfig.empty() && fs::exists(homeConfig, ec)) {
    target.kubeconfigPath = homeConfig;
    target.source = "~/.kube/config";
  } else {
    return makeError("NoKubeconfig",
                     "expected a cluster to talk to (--kubeconfig, $KUBECONFIG, a running local "
                     "plane in " +
                         global.stateDir +
                         ", or ~/.kube/config), found none; start the "
                         "local plane with 'certchaos up' or pass --kubeconfig");
  }
  auto client = kube::Client::fromKubeconfig(target.kubeconfigPath, global.context);
  if (!client) {
    return makeError(client.error().code, "cannot use the kubeconfig from " + target.source + ": " +
                                              client.error().message);
  }
  target.client = *client;
  if (plane && target.client->config().server == plane->apiserverUrl) target.plane = plane;
  target.ns = global.ns.empty() ? target.client->defaultNamespace() : global.ns;
  note("using kubeconfig " +
       (target.kubeconfigPath.empty() ? std::string("from ") : target.kubeconfigPath + " from ") +
       target.source + " (server " + target.client->config().server +
       (target.local() ? ", the local plane" : "") + ", namespace " + target.ns + ")");
  return target;
}

int CliContext::fail(const Error& error) const {
  err() << "error: " << error.message << "\n";
  return kExitError;
}

int CliContext::usage(const std::string& message, const std::string& command) const {
  err() << "error: " << message << "\nRun 'certchaos " << command
        << " --help' for usage and examples.\n";
  return kExitUsage;
}

void CliContext::note(const std::string& message) const {
  if (global.verbose) err() << message << "\n";
}

std::ostream& CliContext::out() const { return std::cout; }
std::ostream& CliContext::err() const { return std::cerr; }

std::string selfDir() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec).parent_path().string();
}

std::string deployDir() {
  std::error_code ec;
  const fs::path self = selfDir();
  for (const auto& candidate : {self / "../../deploy", self / "../share/certchaos/deploy"}) {
    if (fs::is_directory(candidate / "crds", ec)) return fs::canonical(candidate, ec).string();
  }
  return "";
}

bool isTerminal(int fd) { return ::isatty(fd) == 1; }

CLI::Option* repeatable(CLI::Option* option) {
  return option->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void setExamples(CLI::App* command, const std::string& examples) {
  command->footer("\nExamples:\n" + examples);
}

}  // namespace certchaos::cli
