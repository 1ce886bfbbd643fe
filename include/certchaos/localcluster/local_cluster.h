// The embedded control plane: real etcd, kube-apiserver and cert-manager controllers run as local
// processes on loopback, with their PKI, logs and an admin kubeconfig under a state directory.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/localcluster/cm_backoff.h"
#include "certchaos/localcluster/node.h"
#include "certchaos/localcluster/process.h"

namespace certchaos::localcluster {

struct ComponentState {
  std::string name;
  ProcessId process;
  std::string url;  // where it serves (health or API)
  std::string logPath;
  std::vector<std::string> args;  // the command line, so that it can be restarted as it was
};

struct ClusterState {
  std::string stateDir;
  std::string controlplaneDir;
  std::string kubeconfigPath;
  std::string apiserverUrl;
  std::string startedAt;                   // RFC 3339
  std::vector<ComponentState> components;  // in start order, which is dependency order
  // Set once `up` has finished: a state without it is of a start-up that was interrupted, whose
  // plane lacks what the later steps install (CRDs, policies, the issuer).
  bool complete = false;
  int version = 0;  // the state file format; `up` restarts only a plane of its own format
  // Set while runs hold cm-controller's back-off scaled (holdBackoff).
  std::optional<BackoffHold> backoffHold;
  // Set for a plane started with --node (recorded before anything of the node is made, so that a
  // failed start-up and `down` remove it).
  std::optional<NodeState> node;
};

struct UpOptions {
  std::string controlplaneDir;       // holds bin/{etcd,kube-apiserver,kubectl,cm-controller}, crds/
  std::vector<std::string> crdDirs;  // more CRDs to install (certchaos's own)
  // certchaos's deploy/ directory: its localplane/ (the validation of cert-manager objects that
  // its webhook would do) is applied after the CRDs, its rbac/ before the issuer starts.
  std::string deployDir;
  // certchaos-issuer, started under its own ServiceAccount token; empty: no issuer.
  std::string issuerBinary;
  // The certchaos CLI, started as `certchaos controller` (the runner controller that executes
  // ChaosRuns) with the admin kubeconfig after the issuer; empty: no runner controller.
  std::string runnerBinary;
  std::chrono::seconds componentTimeout{60};
  // Stop the plane in the state directory and delete its data (etcd, PKI, logs) before starting
  // a new one. Without it, `up` keeps the data: it restarts the components that have stopped.
  bool fresh = false;
  std::vector<std::string> cmControllerArgs;  // extra flags, e.g. backoff durations
  // Extra flags for certchaos-issuer as a local process, e.g. --kube-api-qps=1000 (a node plane
  // installs it with the chart, whose values set them).
  std::vector<std::string> issuerArgs;
  // A node (containerd, kubelet, kube-proxy, kube-scheduler, kube-controller-manager) on a bridge
  // the plane creates; certchaos-issuer and the runner are installed with the Helm chart as pods
  // from the images in imagesDir, instead of local processes.
  bool node = false;
  std::string imagesDir;  // oci-archives from `make images` (kNodeImages)
};

struct ComponentStatus {
  std::string name;
  pid_t pid = 0;
  std::string url;
  bool running = false;
  bool healthy = false;
};

// $CERTCHAOS_STATE_DIR, else $XDG_STATE_HOME/certchaos, else ~/.local/state/certchaos.
std::string defaultStateDir();
// $CERTCHAOS_CONTROLPLANE_DIR, else $XDG_CACHE_HOME/certchaos/controlplane/current (or ~/.cache).
std::string defaultControlplaneDir();

class LocalCluster {
 public:
  explicit LocalCluster(std::string stateDir);

  // Starts a plane; on a plane whose components all run, reports it; on a plane with stopped
  // components, restarts exactly those (in dependency order) and keeps its data. A state it cannot
  // restart from is refused, never wiped, unless options.fresh. Progress goes to `out`. When a new
  // plane fails to start, everything started is stopped; every error carries the failing
  // component's last log lines.
  Result<ClusterState> up(const UpOptions& options, std::ostream& out);
  // Stops every component in reverse start order and removes the state directory.
  Result<void> down(std::ostream& out);
  Result<std::vector<ComponentStatus>> status() const;
  // Stops one component and starts it again with the same command line (same ports and data),
  // waiting until it is healthy: what a crash and a supervisor restart look like to clients.
  Result<void> restartComponent(const std::string& name, std::ostream& out);
  // Starts (or restarts) an extra process as a component of the plane, e.g. the demo
  // application. It must write {"address": "host:port"} to addressFile; the component's url is
  // scheme://address. Stopped by `down` like the others.
  Result<ComponentState> addComponent(const std::string& name, std::vector<std::string> argv,
                                      const std::string& addressFile, const std::string& scheme,
                                      std::ostream& out);
  // Stops one component (as a crash would, with SIGKILL when `kill` is set) and leaves it down.
  Result<void> stopComponent(const std::string& name, bool kill, std::ostream& out);
  Result<ClusterState> loadState() const;

  // cm-controller's failure back-off for the run of `holder` (a live process): restarts
  // cm-controller with `backoff` (keeping its data and ports) and waits until it is ready, unless
  // it runs with it already, and records the holder in the state. While another live run holds
  // other figures nothing changes and the grant says so.
  Result<BackoffGrant> holdBackoff(const CertManagerBackoff& backoff, const ProcessId& holder,
                                   std::ostream& out);
  // Drops `holder` and the holders that no longer run; with none left, restarts cm-controller
  // with the back-off it had before the first hold.
  Result<void> releaseBackoff(const ProcessId& holder, std::ostream& out);
  Result<BackoffStatus> backoffStatus() const;

  std::string kubeconfigPath() const { return stateDir_ + "/kubeconfig"; }
  const std::string& stateDir() const { return stateDir_; }

 private:
  std::string statePath() const { return stateDir_ + "/state.json"; }
  Result<ClusterState> parseState() const;  // loadState without the advice on errors
  Result<void> saveState(const ClusterState& state) const;
  void stopAll(const ClusterState& state, std::ostream& out) const;
  Result<void> startIssuer(const UpOptions& options, ClusterState& state,
                           const std::string& kubectl, std::ostream& out);
  Result<void> startRunner(const UpOptions& options, ClusterState& state,
                           const std::string& kubectl, std::ostream& out);
  // deploy/rbac: the ServiceAccounts and least-privilege roles of the issuer and the runner.
  Result<void> installRbac(const UpOptions& options, const std::string& kubectl, std::ostream& out);
  // A kubeconfig for ServiceAccount certchaos-system/`account` (a token of a year): the plane's
  // components run as what they may do in a real cluster, never as the admin.
  Result<std::string> serviceAccountKubeconfig(const ClusterState& state,
                                               const std::string& kubectl,
                                               const std::string& account);
  Result<ClusterState> startNew(const UpOptions& options, std::ostream& out);
  // Starts a component of a new plane and records it in the state at once.
  Result<ComponentState*> launch(ClusterState& state, const std::string& name,
                                 std::vector<std::string> argv, const std::string& url,
                                 std::ostream& out);
  // --node: the node's processes (after the API server and the CRDs), the images, Node Ready.
  Result<void> startNode(const UpOptions& options, ClusterState& state, std::ostream& out);
  // --node: cert-manager's controllers as a pod (scripts/cert-manager-manifest.sh: its own
  // chart's ServiceAccount and RBAC, the certchaos-cm-controller image).
  Result<void> installCertManagerPod(const UpOptions& options, const ClusterState& state,
                                     std::ostream& out);
  // --node: certchaos-issuer and the runner from deploy/chart with `helm install`, as pods.
  Result<void> installChart(const UpOptions& options, const ClusterState& state, std::ostream& out);
  // Stops every process (the node's pods removed through the CRI first) and, for a node plane,
  // removes what it made on the machine.
  Result<void> stopEverything(const ClusterState& state, std::ostream& out) const;
  Result<ClusterState> restartStopped(ClusterState state, const UpOptions& options,
                                      std::ostream& out);
  // Why the state cannot be restarted from (another format, missing PKI, etcd data, binaries).
  Result<void> checkRestartable(const ClusterState& state) const;
  // Stops what the state records and deletes everything in the state directory but its lock.
  Result<void> wipe(std::ostream& out);
  // Starts a stopped component again with its recorded command line and waits until healthy.
  // `component` is one of state's; the state is saved with its new pid at once.
  Result<void> startAgain(ClusterState& state, ComponentState& component,
                          std::chrono::seconds timeout, std::ostream& out);
  // Stops cm-controller and starts it again with `backoff`; the state records the new command
  // line. `stopOnly`: leave it stopped for restartStopped.
  Result<void> restartWithBackoff(ClusterState& state, const CertManagerBackoff& backoff,
                                  bool stopOnly, std::ostream& out);
  // A hold whose runs all ended (crashed, killed): back to the figures before it. True if so.
  Result<bool> dropOrphanedHold(ClusterState& state, bool stopOnly, std::ostream& out);

  std::string stateDir_;
};

}  // namespace certchaos::localcluster
