// CliContext: what every certchaos command shares: the global flags (kubectl's --kubeconfig,
// --context, -n; --state-dir for the local plane), the exit codes, error printing, and the one
// way of resolving which cluster to talk to.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "certchaos/common/result.h"
#include "certchaos/kube/client.h"
#include "certchaos/localcluster/local_cluster.h"
#include "console.h"
#include "runs_dir.h"

namespace certchaos::cli {

// Exit codes (documented in the README's "CLI" section). `run` uses scenario::exitCodeFor.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::string stateDir = localcluster::defaultStateDir();
  std::string kubeconfig;                  // --kubeconfig
  std::string context;                     // --context
  std::string ns;                          // -n/--namespace; "" = the context's namespace
  bool verbose = false;                    // -v
  std::string runsDir = defaultRunsDir();  // --runs-dir: where runs write their reports
};

// The cluster a command talks to, and how it was chosen.
struct Target {
  std::shared_ptr<kube::Client> client;
  std::string kubeconfigPath;  // "" when kubectl's default search found it
  std::string source;          // "--kubeconfig", "$KUBECONFIG", "local plane", "~/.kube/config"
  // The local plane's state when the target is the local plane (same API server).
  std::optional<localcluster::ClusterState> plane;
  std::string ns;  // -n, else the context's namespace

  bool local() const { return plane.has_value(); }
  // "local" for the local plane, else the context name or server (the report's run.cluster).
  std::string clusterName() const;
};

class CliContext {
 public:
  GlobalOptions global;
  // The chosen subcommand's work, set by its parse callback and run by main after parsing.
  std::function<int()> action;
  // Where the Kubernetes client's log lines go while the action runs (set by runCommandLine).
  ClientLogRouting* clientLog = nullptr;

  // Kubeconfig resolution: --kubeconfig, else $KUBECONFIG, else the local plane's kubeconfig
  // when the plane in --state-dir is running, else ~/.kube/config. -v says which was used.
  Result<Target> connect() const;
  // The local plane's state if its kube-apiserver runs.
  std::optional<localcluster::ClusterState> runningPlane() const;

  // Prints "error: <message>" and returns kExitError.
  int fail(const Error& error) const;
  // Prints "error: <message>" and a pointer to --help; returns kExitUsage.
  int usage(const std::string& message, const std::string& command) const;
  // Verbose output (-v) on stderr.
  void note(const std::string& message) const;

  std::ostream& out() const;
  std::ostream& err() const;
};

// The directory of the running binary, and what ships next to it.
std::string selfDir();
// certchaos's deploy/ directory next to a build tree or in an installed share directory; "".
std::string deployDir();
// True when the stream's file descriptor is a terminal (stdout 1, stderr 2).
bool isTerminal(int fd);

// A flag given once per value (--set a=1 --set b=2): each occurrence takes exactly one value, so
// that it never swallows a positional argument that follows it.
CLI::Option* repeatable(CLI::Option* option);

// Adds the standard Examples footer to a command's --help.
void setExamples(CLI::App* command, const std::string& examples);

// Registers each command group (one file per group under src/cli/).
void addPlaneCommands(CLI::App& app, CliContext& cli);      // up, down, status, kubeconfig
void addScenariosCommand(CLI::App& app, CliContext& cli);   // scenarios
void addDeployCommands(CLI::App& app, CliContext& cli);     // deploy issuer|certificate|app
void addRenewCommand(CLI::App& app, CliContext& cli);       // renew
void addReportCommands(CLI::App& app, CliContext& cli);     // report list|show
void addAbortCommand(CLI::App& app, CliContext& cli);       // abort
void addRunCommands(CLI::App& app, CliContext& cli);        // run, demo
void addControllerCommand(CLI::App& app, CliContext& cli);  // controller (ChaosRuns)
void addCompletionCommand(CLI::App& app, CliContext& cli);  // completion bash|zsh

// `report show`: renders one run's report (local or a ChaosRun's); the demo ends with it.
struct ReportShowOptions {
  std::string source = "all";  // all, local or cluster
  std::string selector = "latest";
  std::string format = "text";
  std::string outputFile;
};
int showReport(const CliContext& cli, const ReportShowOptions& options);

}  // namespace certchaos::cli
