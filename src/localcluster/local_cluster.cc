#include "certchaos/localcluster/local_cluster.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "certchaos/common/duration.h"
#include "certchaos/common/time.h"
#include "certchaos/localcluster/net.h"
#include "certchaos/localcluster/pki.h"

namespace certchaos::localcluster {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t kLogLinesOnFailure = 25;
constexpr auto kStopGrace = std::chrono::seconds(10);
// 2: components carry their command line (args) and the new pid after a restart; `complete`.
constexpr int kStateVersion = 2;

std::string envOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}

std::string home() { return envOr("HOME", "/root"); }

json toJson(const ClusterState& s) {
  json components = json::array();
  for (const auto& c : s.components) {
    components.push_back({{"name", c.name},
                          {"pid", c.process.pid},
                          {"startTime", c.process.startTime},
                          {"url", c.url},
                          {"log", c.logPath},
                          {"args", c.args}});
  }
  json out = {{"version", kStateVersion},       {"complete", s.complete},
              {"stateDir", s.stateDir},         {"controlplaneDir", s.controlplaneDir},
              {"kubeconfig", s.kubeconfigPath}, {"apiserver", s.apiserverUrl},
              {"startedAt", s.startedAt},       {"components", components}};
  if (s.backoffHold) {
    json holders = json::array();
    for (const auto& h : s.backoffHold->holders) {
      holders.push_back({{"pid", h.pid}, {"startTime", h.startTime}});
    }
    out["backoffHold"] = {{"holders", holders},
                          {"restoreMinimum", formatGoDuration(s.backoffHold->restore.minimum)},
                          {"restoreMaximum", formatGoDuration(s.backoffHold->restore.maximum)}};
  }
  if (s.node) {
    out["node"] = {{"name", s.node->name},
                   {"bridge", s.node->bridge},
                   {"subnet", s.node->subnet},
                   {"gateway", s.node->gateway},
                   {"cgroupRoot", s.node->cgroupRoot},
                   {"dir", s.node->dir}};
  }
  return out;
}

std::vector<pid_t> liveHolders(const BackoffHold& hold) {
  std::vector<pid_t> out;
  for (const auto& h : hold.holders) {
    if (isRunning(h)) out.push_back(h.pid);
  }
  return out;
}

std::string backoffText(const CertManagerBackoff& b) {
  return formatGoDuration(b.minimum) + "/" + formatGoDuration(b.maximum);
}

// Holds an exclusive lock on the state directory so that two `up`/`down` never interleave.
class StateLock {
 public:
  explicit StateLock(const std::string& dir) {
    fs::create_directories(dir);
    fd_ = open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~StateLock() {
    if (fd_ >= 0) close(fd_);
  }
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_ = -1;
};

// The state of a half-started plane, stopped on every early return unless released.
class StartGuard {
 public:
  StartGuard(const LocalCluster& cluster, ClusterState& state, std::ostream& out,
             std::function<void(const ClusterState&, std::ostream&)> stop)
      : state_(state), out_(out), stop_(std::move(stop)) {
    (void)cluster;
  }
  ~StartGuard() {
    if (!released_) stop_(state_, out_);
  }
  void release() { released_ = true; }
  StartGuard(const StartGuard&) = delete;
  StartGuard& operator=(const StartGuard&) = delete;

 private:
  ClusterState& state_;
  std::ostream& out_;
  std::function<void(const ClusterState&, std::ostream&)> stop_;
  bool released_ = false;
};

// `up` never deletes a plane's data on its own: what it cannot restart it refuses, with the way
// to start over.
Error refuseToWipe(const std::string& stateDir, const std::string& found) {
  return makeError("UnusableState",
                   "expected a local control plane in " + stateDir +
                       " that 'up' can restart, found " + found +
                       ". Nothing was changed; its data (etcd, PKI) is still there. To delete it "
                       "and start a new plane, run 'certchaos --state-dir " +
                       stateDir + " up --fresh' (or 'certchaos down', then 'up').");
}

// Restart order: what the others need first.
int dependencyRank(const ComponentState& c) {
  if (c.name == "etcd") return 0;
  if (c.name == "kube-apiserver") return 1;
  if (c.name == "containerd") return 2;  // before the kubelet, which talks to it
  return 3;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Where a component says it is healthy, and with which credentials to ask.
struct HealthProbe {
  std::string url;
  TlsClientFiles tls;
};

HealthProbe healthProbeFor(const ComponentState& c, const std::string& stateDir) {
  // A component serving its own application certificate (the demo app) has no health probe
  // here: the runner probes it with the right trust.
  if (c.url.empty() || (c.url.rfind("https://", 0) == 0 && c.name != "kube-apiserver")) return {};
  if (c.name == "etcd") return {c.url + "/health", {}};
  if (c.name == "containerd") return {};  // a unix socket: status asks it with ctr
  if (c.name == "kubelet" || c.name == "kube-proxy") return {c.url + "/healthz", {}};
  if (c.name == "kube-apiserver") {
    return {c.url + "/readyz",
            {stateDir + "/pki/ca.crt", stateDir + "/pki/admin.crt", stateDir + "/pki/admin.key"}};
  }
  return {c.url + "/readyz", {}};
}

Error componentFailed(const ComponentState& c, const Error& cause) {
  return makeError(cause.code, c.name + " failed to start: " + cause.message +
                                   "\n  last lines of " + c.logPath + ":\n" +
                                   tailFile(c.logPath, kLogLinesOnFailure));
}

Result<std::string> readAddressFile(const std::string& path, const std::string& field,
                                    std::chrono::seconds timeout, const ProcessId& process) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    std::ifstream in(path);
    if (in) {
      try {
        return json::parse(in).at(field).get<std::string>();
      } catch (const json::exception& e) {
        return makeError("BadAddressFile", "expected JSON with a \"" + field + "\" address in " +
                                               path + ": " + e.what());
      }
    }
    if (!isRunning(process)) return makeError("Exited", "exited before writing " + path);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return makeError("Timeout",
                   "no address file " + path + " after " + std::to_string(timeout.count()) + " s");
}

// A CertificateRequest the validation of deploy/localplane must refuse: a malformed duration, the
// case that stalled every cert-manager controller of a plane without it.
constexpr const char* kMalformedRequest = R"(apiVersion: cert-manager.io/v1
kind: CertificateRequest
metadata:
  name: certchaos-validation-probe
  namespace: default
spec:
  duration: abc
  request: Y2VydGNoYW9z
  issuerRef: {name: probe}
)";

// The plane runs no cert-manager webhook; ValidatingAdmissionPolicies (deploy/localplane) refuse
// the objects that would break cm-controller. The API server enforces a new policy only once its
// policy informer has loaded it, and nothing reports that: a server-side dry run of a malformed
// request, repeated until it is refused, is the only evidence.
Result<void> installObjectValidation(const std::string& kubectl, const std::string& kubeconfig,
                                     const std::string& dir, const std::string& stateDir,
                                     std::chrono::seconds timeout, std::ostream& out) {
  out << "  installing the validation of cert-manager objects (" << dir << ")\n";
  auto apply = runCommand({kubectl, "--kubeconfig=" + kubeconfig, "apply", "--server-side",
                           "--field-manager=certchaos", "-f", dir},
                          std::chrono::seconds(60));
  if (!apply) return apply.error();
  if (apply->exitCode != 0) {
    return makeError("ValidationInstall", "applying " + dir + " failed:\n" + apply->output);
  }
  const std::string probe = stateDir + "/validation-probe.yaml";
  {
    std::ofstream file(probe, std::ios::trunc);
    file << kMalformedRequest;
    if (!file) return makeError("IO", "cannot write " + probe);
  }
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto dryRun = runCommand(
        {kubectl, "--kubeconfig=" + kubeconfig, "create", "--dry-run=server", "-f", probe},
        std::chrono::seconds(30));
    if (!dryRun) return dryRun.error();
    if (dryRun->exitCode != 0 && dryRun->output.find("spec.duration") != std::string::npos) {
      fs::remove(probe);
      return {};
    }
    if (std::chrono::steady_clock::now() > end) {
      return makeError("ValidationInstall",
                       "expected the API server to refuse a CertificateRequest with spec.duration "
                       "'abc' within " +
                           std::to_string(timeout.count()) + " s of installing " + dir +
                           ", found: " + dryRun->output);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

std::string defaultStateDir() {
  if (const char* v = std::getenv("CERTCHAOS_STATE_DIR"); v != nullptr && *v != '\0') return v;
  return envOr("XDG_STATE_HOME", home() + "/.local/state") + "/certchaos";
}

std::string defaultControlplaneDir() {
  if (const char* v = std::getenv("CERTCHAOS_CONTROLPLANE_DIR"); v != nullptr && *v != '\0') {
    return v;
  }
  return envOr("XDG_CACHE_HOME", home() + "/.cache") + "/certchaos/controlplane/current";
}

// Absolute, because the components' command lines name paths in it and are replayed on restart.
LocalCluster::LocalCluster(std::string stateDir)
    : stateDir_(stateDir.empty() ? stateDir : fs::absolute(stateDir).lexically_normal().string()) {
  while (stateDir_.size() > 1 && stateDir_.back() == '/') stateDir_.pop_back();
}

Result<ClusterState> LocalCluster::loadState() const {
  auto state = parseState();
  if (!state && state.error().code == "BadState") {
    return makeError("BadState", "expected a certchaos state file at " + statePath() + ", found " +
                                     state.error().message +
                                     "; to delete the plane's data and start a new one, run "
                                     "'certchaos --state-dir " +
                                     stateDir_ + " up --fresh'");
  }
  return state;
}

Result<ClusterState> LocalCluster::parseState() const {
  std::ifstream in(statePath());
  if (!in) {
    return makeError("NotRunning", "no local control plane in " + stateDir_ +
                                       " (no state.json); start one with 'certchaos up'");
  }
  try {
    json j = json::parse(in);
    ClusterState s;
    s.stateDir = j.at("stateDir");
    s.controlplaneDir = j.at("controlplaneDir");
    s.kubeconfigPath = j.at("kubeconfig");
    s.apiserverUrl = j.at("apiserver");
    s.startedAt = j.at("startedAt");
    s.version = j.value("version", 0);
    // Version 1 removed its state when a start-up failed, so a state of it was complete.
    s.complete = j.value("complete", s.version < 2);
    for (const auto& c : j.at("components")) {
      s.components.push_back(
          {c.at("name"),
           {c.at("pid").get<pid_t>(), c.at("startTime").get<unsigned long long>()},
           c.at("url"),
           c.at("log"),
           c.value("args", std::vector<std::string>{})});
    }
    if (j.contains("backoffHold")) {
      const json& h = j.at("backoffHold");
      BackoffHold hold;
      for (const auto& p : h.at("holders")) {
        hold.holders.push_back(
            {p.at("pid").get<pid_t>(), p.at("startTime").get<unsigned long long>()});
      }
      auto minimum = parseGoDuration(h.at("restoreMinimum").get<std::string>());
      auto maximum = parseGoDuration(h.at("restoreMaximum").get<std::string>());
      if (!minimum || !maximum) {
        return makeError("BadState", "a backoffHold with unreadable durations in " + statePath());
      }
      hold.restore = {*minimum, *maximum};
      s.backoffHold = std::move(hold);
    }
    if (j.contains("node")) {
      const json& n = j.at("node");
      s.node = NodeState{n.at("name"),    n.at("bridge"),     n.at("subnet"),
                         n.at("gateway"), n.at("cgroupRoot"), n.at("dir")};
    }
    return s;
  } catch (const json::exception& e) {
    return makeError("BadState",
                     "unreadable JSON in " + statePath() + " (" + std::string(e.what()) + ")");
  }
}

Result<void> LocalCluster::saveState(const ClusterState& state) const {
  std::string tmp = statePath() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return makeError("IO", "cannot write " + tmp);
    out << toJson(state).dump(2) << "\n";
  }
  fs::rename(tmp, statePath());
  return {};
}

void LocalCluster::stopAll(const ClusterState& state, std::ostream& out) const {
  for (auto it = state.components.rbegin(); it != state.components.rend(); ++it) {
    if (isRunning(it->process)) {
      out << "  stopping " << it->name << " (pid " << it->process.pid << ")\n";
      stopProcess(it->process, kStopGrace);
    }
  }
}

Result<void> LocalCluster::stopEverything(const ClusterState& state, std::ostream& out) const {
  if (!state.node) {
    stopAll(state, out);
    return {};
  }
  const NodeState& node = *state.node;
  // The kubelet first: while it runs it would start the pods again.
  for (const char* name : {"kubelet", "kube-proxy"}) {
    for (const auto& c : state.components) {
      if (c.name != name || !isRunning(c.process)) continue;
      out << "  stopping " << c.name << " (pid " << c.process.pid << ")\n";
      stopProcess(c.process, kStopGrace);
    }
  }
  // The pods go through the CRI, so that containerd removes their network namespaces, veths and
  // mounts; a containerd that died is started again (its data is intact) for that.
  std::optional<ProcessId> again;
  for (const auto& c : state.components) {
    if (c.name != "containerd" || c.args.empty()) continue;
    if (!isRunning(c.process)) {
      out << "  starting containerd again to remove the node's pods\n";
      auto id = startDetached(c.args, c.logPath);
      if (id) again = *id;
      for (int i = 0; i < 100 && again && !fs::exists(node.containerdSocket()); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    if (auto r = removeAllPods(node, state.controlplaneDir + "/bin/crictl", out); !r) {
      out << "  warning: " << r.error().message << "\n";
    }
  }
  if (again) stopProcess(*again, kStopGrace);
  stopAll(state, out);
  return cleanUpNodeHost(node, state.controlplaneDir + "/bin/kube-proxy", out);
}

Result<void> LocalCluster::installRbac(const UpOptions& options, const std::string& kubectl,
                                       std::ostream& out) {
  out << "  installing the RBAC of certchaos-issuer and certchaos-runner\n";
  auto apply = runCommand({kubectl, "--kubeconfig=" + kubeconfigPath(), "apply", "--server-side",
                           "--field-manager=certchaos", "-f", options.deployDir + "/rbac"},
                          std::chrono::seconds(60));
  if (!apply) return apply.error();
  if (apply->exitCode != 0) {
    return makeError("RbacInstall",
                     "applying " + options.deployDir + "/rbac failed:\n" + apply->output);
  }
  return {};
}

Result<std::string> LocalCluster::serviceAccountKubeconfig(const ClusterState& state,
                                                           const std::string& kubectl,
                                                           const std::string& account) {
  auto token = runCommand({kubectl, "--kubeconfig=" + kubeconfigPath(), "create", "token", account,
                           "-n", "certchaos-system", "--duration=8760h"},
                          std::chrono::seconds(30));
  if (!token) return token.error();
  if (token->exitCode != 0) {
    return makeError("TokenRequest", "requesting a token for certchaos-system/" + account +
                                         " failed:\n" + token->output);
  }
  std::string jwt = token->output.substr(0, token->output.find_last_not_of("\r\n") + 1);
  // "certchaos-issuer" -> issuer.kubeconfig, as earlier planes named it.
  const std::string path = stateDir_ + "/" + account.substr(account.find('-') + 1) + ".kubeconfig";
  PlanePki pki{stateDir_ + "/pki"};
  if (auto r = writeTokenKubeconfig(pki, state.apiserverUrl, account, jwt, path); !r) {
    return r.error();
  }
  return path;
}

Result<void> LocalCluster::startIssuer(const UpOptions& options, ClusterState& state,
                                       const std::string& kubectl, std::ostream& out) {
  // The issuer runs as its ServiceAccount, with the least-privilege role from deploy/rbac, never
  // as the admin: what it may do here is what it may do in a real cluster.
  auto kubeconfig = serviceAccountKubeconfig(state, kubectl, "certchaos-issuer");
  if (!kubeconfig) return kubeconfig.error();
  const std::string issuerKubeconfig = *kubeconfig;
  const std::string addressFile = stateDir_ + "/issuer.addr";
  fs::remove(addressFile);
  std::vector<std::string> argv = {options.issuerBinary, "--kubeconfig=" + issuerKubeconfig,
                                   "--address-file=" + addressFile,
                                   "--cluster-resource-namespace=certchaos-system"};
  argv.insert(argv.end(), options.issuerArgs.begin(), options.issuerArgs.end());
  ComponentState c{"certchaos-issuer", {}, "", stateDir_ + "/logs/certchaos-issuer.log", argv};
  out << "  starting certchaos-issuer\n";
  auto id = startDetached(argv, c.logPath);
  if (!id) return componentFailed(c, id.error());
  c.process = *id;
  state.components.push_back(c);
  if (auto r = saveState(state); !r) return r.error();
  auto& issuer = state.components.back();
  auto address = readAddressFile(addressFile, "address", options.componentTimeout, issuer.process);
  if (!address) return componentFailed(issuer, address.error());
  issuer.url = "http://" + *address;
  if (auto r = saveState(state); !r) return r.error();
  const ProcessId pid = issuer.process;
  if (auto r = waitForHealthy("certchaos-issuer", issuer.url + "/readyz", {},
                              options.componentTimeout, [pid] { return isRunning(pid); });
      !r) {
    return componentFailed(issuer, r.error());
  }
  return {};
}

Result<void> LocalCluster::startRunner(const UpOptions& options, ClusterState& state,
                                       const std::string& kubectl, std::ostream& out) {
  // The runner puts scenarios on issuers, renews Certificates, reads their Secrets and Events:
  // it runs as its ServiceAccount with the role of deploy/rbac/40-runner.yaml, as the chart runs
  // it on a real cluster (the plane's logs it reads from the files of --state-dir).
  auto kubeconfig = serviceAccountKubeconfig(state, kubectl, "certchaos-runner");
  if (!kubeconfig) return kubeconfig.error();
  const std::string addressFile = stateDir_ + "/runner.addr";
  fs::remove(addressFile);
  std::vector<std::string> argv = {options.runnerBinary,
                                   "--kubeconfig=" + *kubeconfig,
                                   "--state-dir=" + stateDir_,
                                   "--runs-dir=" + stateDir_ + "/chaosruns",
                                   "controller",
                                   "--address-file=" + addressFile};
  ComponentState c{"certchaos-runner", {}, "", stateDir_ + "/logs/certchaos-runner.log", argv};
  out << "  starting certchaos-runner (the ChaosRun controller)\n";
  auto id = startDetached(argv, c.logPath);
  if (!id) return componentFailed(c, id.error());
  c.process = *id;
  state.components.push_back(c);
  if (auto r = saveState(state); !r) return r.error();
  auto& runner = state.components.back();
  auto address = readAddressFile(addressFile, "address", options.componentTimeout, runner.process);
  if (!address) return componentFailed(runner, address.error());
  runner.url = "http://" + *address;
  if (auto r = saveState(state); !r) return r.error();
  const ProcessId pid = runner.process;
  if (auto r = waitForHealthy("certchaos-runner", runner.url + "/readyz", {},
                              options.componentTimeout, [pid] { return isRunning(pid); });
      !r) {
    return componentFailed(runner, r.error());
  }
  return {};
}

Result<ComponentState*> LocalCluster::launch(ClusterState& state, const std::string& name,
                                             std::vector<std::string> argv, const std::string& url,
                                             std::ostream& out) {
  ComponentState c{name, {}, url, stateDir_ + "/logs/" + name + ".log", std::move(argv)};
  out << "  starting " << name << "\n";
  auto id = startDetached(c.args, c.logPath);
  if (!id) return componentFailed(c, id.error());
  c.process = *id;
  state.components.push_back(c);
  if (auto r = saveState(state); !r) return r.error();
  return &state.components.back();
}

Result<void> LocalCluster::startNode(const UpOptions& options, ClusterState& state,
                                     std::ostream& out) {
  const NodeState node = *state.node;
  const std::string bin = options.controlplaneDir + "/bin/";
  const PlanePki pki{stateDir_ + "/pki"};
  const std::string kubeconfig = kubeconfigPath();
  auto alive = [](const ComponentState* c) {
    return [pid = c->process] { return isRunning(pid); };
  };

  // Deployments, ReplicaSets, the `default` ServiceAccounts and the kube-root-ca.crt ConfigMap
  // that pods' service-account volumes need; then the scheduler. Admin credentials: they are the
  // plane's own, as in a kubeadm control plane. No serving port: they serve nothing anyone reads.
  auto kcm = launch(state, "kube-controller-manager",
                    {bin + "kube-controller-manager", "--kubeconfig=" + kubeconfig,
                     "--leader-elect=false", "--secure-port=0", "--root-ca-file=" + pki.caCert(),
                     "--service-account-private-key-file=" + pki.serviceAccountKey(),
                     "--use-service-account-credentials=false", "--v=1"},
                    "", out);
  if (!kcm) return kcm.error();
  auto scheduler = launch(state, "kube-scheduler",
                          {bin + "kube-scheduler", "--kubeconfig=" + kubeconfig,
                           "--leader-elect=false", "--secure-port=0", "--v=1"},
                          "", out);
  if (!scheduler) return scheduler.error();

  auto pause = imageReferenceOf(options.imagesDir + "/" + kPauseImageFile);
  if (!pause) return pause.error();
  NodePorts ports;
  for (int* p : {&ports.kubelet, &ports.kubeletHealthz, &ports.proxyHealthz, &ports.proxyMetrics}) {
    auto port = pickFreeLoopbackPort();
    if (!port) return port.error();
    *p = *port;
  }
  if (auto r = writeNodeConfigs(node, ports, pki.clientCaCert(), *pause); !r) return r.error();

  auto containerd = launch(state, "containerd",
                           {programOnPath("containerd"), "--config", node.containerdConfig()},
                           "unix://" + node.containerdSocket(), out);
  if (!containerd) return containerd.error();
  {
    const auto end = std::chrono::steady_clock::now() + options.componentTimeout;
    const ProcessId pid = (*containerd)->process;
    while (true) {
      auto v = runCommand({programOnPath("ctr"), "--address", node.containerdSocket(), "version"},
                          std::chrono::seconds(10));
      if (v && v->exitCode == 0) break;
      if (!isRunning(pid) || std::chrono::steady_clock::now() > end) {
        return componentFailed(**containerd, makeError("NotReady", "containerd did not answer on " +
                                                                       node.containerdSocket()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  if (auto r = importNodeImages(node, options.imagesDir, out); !r) return r.error();

  auto kubelet = launch(
      state, "kubelet",
      {bin + "kubelet", "--config=" + node.kubeletConfig(), "--kubeconfig=" + kubeconfig,
       "--hostname-override=" + node.name, "--node-ip=" + node.gateway,
       "--root-dir=" + node.kubeletRoot(), "--cert-dir=" + node.dir + "/kubelet-pki", "--v=1"},
      "http://127.0.0.1:" + std::to_string(ports.kubeletHealthz), out);
  if (!kubelet) return kubelet.error();
  if (auto r = waitForHealthy("kubelet", (*kubelet)->url + "/healthz", {}, options.componentTimeout,
                              alive(*kubelet));
      !r) {
    return componentFailed(**kubelet, r.error());
  }
  // iptables mode; no route_localnet (no NodePort on loopback) and no conntrack sysctls: nothing
  // of the host's settings changes.
  auto proxy =
      launch(state, "kube-proxy",
             {bin + "kube-proxy", "--kubeconfig=" + kubeconfig, "--hostname-override=" + node.name,
              "--proxy-mode=iptables", "--cluster-cidr=" + node.subnet,
              "--healthz-bind-address=127.0.0.1:" + std::to_string(ports.proxyHealthz),
              "--metrics-bind-address=127.0.0.1:" + std::to_string(ports.proxyMetrics),
              "--conntrack-max-per-core=0", "--iptables-localhost-nodeports=false", "--v=1"},
             "http://127.0.0.1:" + std::to_string(ports.proxyHealthz), out);
  if (!proxy) return proxy.error();
  if (auto r = waitForHealthy("kube-proxy", (*proxy)->url + "/healthz", {},
                              options.componentTimeout, alive(*proxy));
      !r) {
    return componentFailed(**proxy, r.error());
  }

  out << "  waiting for node " << node.name << " to be Ready\n";
  const auto end = std::chrono::steady_clock::now() + options.componentTimeout;
  std::string last;
  while (true) {
    auto ready =
        runCommand({bin + "kubectl", "--kubeconfig=" + kubeconfig, "get", "node", node.name, "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"},
                   std::chrono::seconds(30));
    if (ready && ready->exitCode == 0 && ready->output == "True") return {};
    if (ready) last = ready->output;
    ComponentState* k = nullptr;
    for (auto& c : state.components) {
      if (c.name == "kubelet") k = &c;
    }
    if (k == nullptr || !isRunning(k->process) || std::chrono::steady_clock::now() > end) {
      Error e = makeError("NotReady", "expected node " + node.name + " Ready within " +
                                          std::to_string(options.componentTimeout.count()) +
                                          " s, found: " + (last.empty() ? "no status" : last));
      return k == nullptr ? e : componentFailed(*k, e);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

Result<void> LocalCluster::installCertManagerPod(const UpOptions& options,
                                                 const ClusterState& state, std::ostream& out) {
  if (options.deployDir.empty()) {
    return makeError("NotFound",
                     "expected certchaos's deploy/ directory for 'up --node' (the "
                     "chart, cert-manager's manifest), found none; pass --deploy-dir");
  }
  const std::string bin = options.controlplaneDir + "/bin/";
  const std::string script = options.deployDir + "/../scripts/cert-manager-manifest.sh";
  const std::string manifest = state.node->dir + "/cert-manager.yaml";
  out << "  installing cert-manager's controllers as a pod (its chart's RBAC, " << manifest
      << ")\n";
  std::vector<std::string> render = {script, options.controlplaneDir, manifest};
  render.insert(render.end(), options.cmControllerArgs.begin(), options.cmControllerArgs.end());
  auto rendered = runCommand(render, std::chrono::minutes(3));
  if (!rendered) return rendered.error();
  if (rendered->exitCode != 0) {
    return makeError("CertManagerInstall",
                     "rendering cert-manager's manifest failed:\n" + rendered->output);
  }
  auto apply = runCommand({bin + "kubectl", "--kubeconfig=" + state.kubeconfigPath, "apply",
                           "--server-side", "--field-manager=certchaos", "-f", manifest},
                          std::chrono::minutes(1));
  if (!apply) return apply.error();
  if (apply->exitCode != 0) {
    return makeError("CertManagerInstall", "applying " + manifest + " failed:\n" + apply->output);
  }
  return waitForDeployments(bin + "kubectl", state.kubeconfigPath, "cert-manager",
                            options.componentTimeout * 3, out);
}

Result<void> LocalCluster::installChart(const UpOptions& options, const ClusterState& state,
                                        std::ostream& out) {
  const std::string bin = options.controlplaneDir + "/bin/";
  const std::string chart = options.deployDir + "/chart/certchaos-issuer";
  out << "  installing certchaos-issuer and the ChaosRun controller with helm (" << chart << ")\n";
  auto install = runCommand({bin + "helm", "upgrade", "--install", "certchaos-issuer", chart,
                             "--namespace", "certchaos-system", "--create-namespace",
                             // No registry: the images are in containerd, imported by up.
                             "--set", "image.pullPolicy=Never", "--set",
                             "runner.image.pullPolicy=Never", "--kubeconfig", state.kubeconfigPath},
                            std::chrono::minutes(3));
  if (!install) return install.error();
  if (install->exitCode != 0) {
    return makeError("HelmInstall", "helm install of " + chart + " failed:\n" + install->output);
  }
  return waitForDeployments(bin + "kubectl", state.kubeconfigPath, "certchaos-system",
                            options.componentTimeout * 3, out);
}

Result<ClusterState> LocalCluster::up(const UpOptions& options, std::ostream& out) {
  StateLock lock(stateDir_);
  if (options.fresh) {
    if (auto r = wipe(out); !r) return r.error();
    return startNew(options, out);
  }
  if (!fs::exists(statePath())) {
    // A failed start-up removes its etcd data with its state; data without a state is a plane
    // whose state file was lost, and only the user may decide to delete it.
    if (fs::exists(stateDir_ + "/etcd")) {
      return refuseToWipe(stateDir_, "etcd data in " + stateDir_ + "/etcd but no " + statePath());
    }
    return startNew(options, out);
  }
  auto existing = parseState();
  if (!existing) return refuseToWipe(stateDir_, existing.error().message);
  if (options.node && !existing->node) {
    return makeError("NoNode", "expected no plane or a node plane in " + stateDir_ +
                                   " for 'up --node', found a plane without a node (started "
                                   "without --node); a node cannot be added to it: run "
                                   "'certchaos down', then 'certchaos up --node'");
  }
  if (!existing->complete) {
    return refuseToWipe(stateDir_, "the state of a start-up that did not finish (interrupted?)");
  }
  // A run that scaled cert-manager's back-off and died must not leave the plane scaled.
  const bool orphanedHold = existing->backoffHold && liveHolders(*existing->backoffHold).empty();
  bool allRunning = !existing->components.empty();
  for (const auto& c : existing->components) allRunning = allRunning && isRunning(c.process);
  if (allRunning && !orphanedHold) {
    out << "A local control plane is already running (started " << existing->startedAt
        << "); not starting another.\n";
    return existing;
  }
  if (auto r = checkRestartable(*existing); !r) return r.error();
  // cm-controller stopped with cert-manager's figures back: restartStopped starts it again.
  if (auto r = dropOrphanedHold(*existing, /*stopOnly=*/true, out); !r) return r.error();
  return restartStopped(std::move(*existing), options, out);
}

Result<void> LocalCluster::checkRestartable(const ClusterState& state) const {
  if (state.version != kStateVersion) {
    return refuseToWipe(stateDir_, "a state file of format version " +
                                       std::to_string(state.version) + " (this certchaos " +
                                       "restarts version " + std::to_string(kStateVersion) + ")");
  }
  std::error_code ec;
  if (!fs::equivalent(state.stateDir, stateDir_, ec)) {
    return refuseToWipe(stateDir_, "a state written for " + state.stateDir +
                                       " (the directory was moved or copied; its components' "
                                       "command lines name the old place)");
  }
  if (state.components.empty()) return refuseToWipe(stateDir_, "a state with no component");
  const PlanePki pki{stateDir_ + "/pki"};
  for (const std::string& file :
       {pki.caCert(), pki.apiserverCert(), pki.apiserverKey(), pki.clientCaCert(), pki.adminCert(),
        pki.adminKey(), pki.serviceAccountKey(), pki.serviceAccountPublicKey(), kubeconfigPath()}) {
    if (!fs::exists(file)) return refuseToWipe(stateDir_, "no " + file);
  }
  for (const auto& c : state.components) {
    if (c.args.empty()) return refuseToWipe(stateDir_, "no command line for " + c.name);
    if (c.name == "etcd" && !fs::exists(stateDir_ + "/etcd/member")) {
      return refuseToWipe(stateDir_, "no etcd data in " + stateDir_ + "/etcd");
    }
    if (!isRunning(c.process) && access(c.args[0].c_str(), X_OK) != 0) {
      return makeError("MissingBinaries",
                       "expected " + c.args[0] + " to restart " + c.name +
                           ", found no executable; build it again (the control plane: 'make "
                           "controlplane', certchaos: 'make build'). The plane's data in " +
                           stateDir_ + " is kept.");
    }
  }
  return {};
}

Result<ClusterState> LocalCluster::restartStopped(ClusterState state, const UpOptions& options,
                                                  std::ostream& out) {
  std::vector<std::string> stopped;
  for (const auto& c : state.components) {
    if (!isRunning(c.process)) stopped.push_back(c.name);
  }
  out << "The local control plane in " << stateDir_ << " has " << stopped.size()
      << " stopped component(s): " << joined(stopped)
      << ". Restarting them; the cluster's data (etcd, PKI, kubeconfig) is kept.\n";
  if (state.node) {
    // After a reboot the bridge and the cgroup root are gone; the kubelet needs both.
    if (auto r = prepareNodeHost(*state.node); !r) return r.error();
  }
  std::stable_sort(state.components.begin(), state.components.end(),
                   [](const ComponentState& a, const ComponentState& b) {
                     return dependencyRank(a) < dependencyRank(b);
                   });
  const std::string keep =
      "; nothing was deleted. Fix the cause and run 'certchaos up' again, "
      "or 'certchaos up --fresh' to start over (deletes the cluster's data)";
  std::vector<std::string> restarted;
  for (auto& c : state.components) {
    if (isRunning(c.process)) {
      // It may have lost what it depends on while that was down: wait until it serves again,
      // so that the plane `up` reports is usable.
      auto probe = healthProbeFor(c, stateDir_);
      if (restarted.empty() || probe.url.empty()) continue;
      const ProcessId pid = c.process;
      if (auto r = waitForHealthy(c.name, probe.url, probe.tls, options.componentTimeout,
                                  [pid] { return isRunning(pid); });
          !r) {
        Error e = componentFailed(c, r.error());
        e.message = "after restarting " + joined(restarted) + ", " + e.message + keep;
        return e;
      }
      continue;
    }
    const pid_t was = c.process.pid;
    if (auto r = startAgain(state, c, options.componentTimeout, out); !r) {
      Error e = r.error();
      e.message += keep;
      return e;
    }
    out << "  restarted " << c.name << " (pid " << c.process.pid << ", was " << was << ")\n";
    restarted.push_back(c.name);
  }
  out << "Restarted " << joined(restarted) << "; the cluster's objects are as they were.\n";
  return state;
}

Result<void> LocalCluster::wipe(std::ostream& out) {
  out << "--fresh: stopping the local control plane in " << stateDir_
      << " (if any) and DELETING its data: every object in its etcd (namespaces, Certificates, "
         "Secrets), its PKI, kubeconfig and logs.\n";
  if (fs::exists(statePath())) {
    auto state = loadState();
    if (state) {
      if (auto r = stopEverything(*state, out); !r) return r.error();
    } else {
      out << "  warning: " << state.error().message
          << "\n  the processes it recorded could not be identified and were not stopped\n";
    }
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(stateDir_, ec)) {
    if (entry.path().filename() == ".lock") continue;
    fs::remove_all(entry.path(), ec);
    if (ec) return makeError("IO", "cannot remove " + entry.path().string() + ": " + ec.message());
  }
  if (ec) return makeError("IO", "cannot list " + stateDir_ + ": " + ec.message());
  return {};
}

Result<ClusterState> LocalCluster::startNew(const UpOptions& options, std::ostream& out) {
  const std::string bin = options.controlplaneDir + "/bin/";
  for (const char* name : {"etcd", "kube-apiserver", "kubectl", "cm-controller"}) {
    if (access((bin + name).c_str(), X_OK) != 0) {
      return makeError("MissingBinaries",
                       std::string("expected the control plane binary ") + bin + name +
                           ", found nothing; build them with 'make controlplane' or point "
                           "--controlplane-dir (or CERTCHAOS_CONTROLPLANE_DIR) at a build");
    }
  }

  const std::string logs = stateDir_ + "/logs";
  fs::create_directories(logs);
  std::optional<NodeState> node;
  if (options.node) {
    // Everything the node needs from the machine, before anything starts.
    if (auto r = checkNodeHost({bin, options.imagesDir}); !r) return r.error();
    auto planned = planNode(stateDir_);
    if (!planned) return planned.error();
    node = *planned;
  }
  auto pki = createPlanePki(stateDir_ + "/pki", node ? std::vector<std::string>{node->gateway}
                                                     : std::vector<std::string>{});
  if (!pki) return pki.error();

  ClusterState state;
  state.stateDir = stateDir_;
  state.controlplaneDir = options.controlplaneDir;
  state.kubeconfigPath = kubeconfigPath();
  state.startedAt = formatRfc3339(std::chrono::system_clock::now());
  state.version = kStateVersion;
  StartGuard guard(*this, state, out, [this](const ClusterState& s, std::ostream& o) {
    o << "Start-up failed; stopping what was started.\n";
    if (auto r = stopEverything(s, o); !r) {
      o << "  " << r.error().message
        << "\n  the state is kept: 'certchaos down' removes the rest\n";
      return;
    }
    // The new plane never came up: its etcd holds nothing but bootstrap objects.
    std::error_code ec;
    fs::remove_all(stateDir_ + "/etcd", ec);
    if (s.node) fs::remove_all(s.node->dir, ec);
    fs::remove(statePath(), ec);
  });
  if (node) {
    // Recorded before the bridge and cgroups exist, so that a failure from here removes them.
    state.node = node;
    if (auto r = saveState(state); !r) return r.error();
    out << "  creating the node's network (bridge " << node->bridge << ", " << node->subnet
        << ") and cgroup root " << node->cgroupRoot << "\n";
    if (auto r = prepareNodeHost(*node); !r) return r.error();
  }

  auto start = [&](const std::string& name, std::vector<std::string> argv,
                   const std::string& url) -> Result<ComponentState*> {
    return launch(state, name, std::move(argv), url, out);
  };
  auto alive = [](const ComponentState* c) { return [c] { return isRunning(c->process); }; };

  // etcd
  auto etcdPort = pickFreeLoopbackPort();
  auto peerPort = pickFreeLoopbackPort();
  if (!etcdPort || !peerPort) return etcdPort ? peerPort.error() : etcdPort.error();
  const std::string etcdUrl = "http://127.0.0.1:" + std::to_string(*etcdPort);
  auto etcd = start("etcd",
                    {bin + "etcd", "--name=default", "--data-dir=" + stateDir_ + "/etcd",
                     "--listen-client-urls=" + etcdUrl, "--advertise-client-urls=" + etcdUrl,
                     "--listen-peer-urls=http://127.0.0.1:" + std::to_string(*peerPort),
                     "--initial-advertise-peer-urls=http://127.0.0.1:" + std::to_string(*peerPort),
                     "--initial-cluster=default=http://127.0.0.1:" + std::to_string(*peerPort),
                     "--unsafe-no-fsync", "--log-level=warn",
                     // etcd's largest suggested quota instead of its 2 GiB default: fleets of
                     // tens of thousands of Certificates (two requests, a Secret and Events
                     // each, every revision kept until kube-apiserver's next compaction) fit.
                     "--quota-backend-bytes=8589934592"},
                    etcdUrl);
  if (!etcd) return etcd.error();
  if (auto r =
          waitForHealthy("etcd", etcdUrl + "/health", {}, options.componentTimeout, alive(*etcd));
      !r) {
    return componentFailed(**etcd, r.error());
  }

  // kube-apiserver
  auto apiPort = pickFreeLoopbackPort();
  if (!apiPort) return apiPort.error();
  // A node's pods reach the API server through the `kubernetes` Service, which kube-proxy
  // sends to the advertised address: on a node plane that is the bridge's (loopback is the pod's
  // own), and the server listens there only.
  const std::string apiAddress = node ? node->gateway : "127.0.0.1";
  state.apiserverUrl = "https://" + apiAddress + ":" + std::to_string(*apiPort);
  std::vector<std::string> apiArgs = {
      bin + "kube-apiserver",
      "--etcd-servers=" + etcdUrl,
      "--bind-address=" + apiAddress,
      "--advertise-address=" + apiAddress,
      "--secure-port=" + std::to_string(*apiPort),
      "--cert-dir=" + stateDir_ + "/pki",
      "--tls-cert-file=" + pki->apiserverCert(),
      "--tls-private-key-file=" + pki->apiserverKey(),
      "--client-ca-file=" + pki->clientCaCert(),
      "--authorization-mode=RBAC",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--service-account-key-file=" + pki->serviceAccountPublicKey(),
      "--service-account-signing-key-file=" + pki->serviceAccountKey(),
      "--allow-privileged=true",
      "--enable-priority-and-fairness=false",
      "--profiling=false",
      "--v=1"};
  if (node) {
    // pods/log and exec go from the API server to the kubelet, which trusts the client CA.
    apiArgs.insert(apiArgs.end(), {"--kubelet-client-certificate=" + pki->adminCert(),
                                   "--kubelet-client-key=" + pki->adminKey(),
                                   "--kubelet-preferred-address-types=InternalIP"});
  } else {
    // Without kube-controller-manager no `default` ServiceAccount exists, and the ServiceAccount
    // admission plugin would refuse every pod; without a node no pod runs anyway.
    apiArgs.push_back("--disable-admission-plugins=ServiceAccount");
  }
  auto api = start("kube-apiserver", apiArgs, state.apiserverUrl);
  if (!api) return api.error();
  TlsClientFiles admin{pki->caCert(), pki->adminCert(), pki->adminKey()};
  if (auto r = waitForHealthy("kube-apiserver", state.apiserverUrl + "/readyz", admin,
                              options.componentTimeout, alive(*api));
      !r) {
    return componentFailed(**api, r.error());
  }
  if (auto r = writeAdminKubeconfig(*pki, state.apiserverUrl, kubeconfigPath()); !r) {
    return r.error();
  }

  // CRDs: cert-manager's, then ours; wait until every one is Established.
  out << "  installing CRDs\n";
  std::vector<std::string> crdDirs = {options.controlplaneDir + "/crds"};
  crdDirs.insert(crdDirs.end(), options.crdDirs.begin(), options.crdDirs.end());
  const std::string kubectl = bin + "kubectl";
  for (const auto& dir : crdDirs) {
    auto r = runCommand({kubectl, "--kubeconfig=" + kubeconfigPath(), "apply", "--server-side",
                         "--field-manager=certchaos", "-f", dir},
                        std::chrono::seconds(60));
    if (!r) return r.error();
    if (r->exitCode != 0) {
      return makeError("CrdInstall", "installing the CRDs in " + dir + " failed:\n" + r->output);
    }
  }
  auto wait = runCommand({kubectl, "--kubeconfig=" + kubeconfigPath(), "wait",
                          "--for=condition=Established", "--timeout=60s", "crd", "--all"},
                         std::chrono::seconds(70));
  if (!wait) return wait.error();
  if (wait->exitCode != 0) {
    return makeError("CrdInstall", "CRDs did not become Established:\n" + wait->output);
  }
  if (options.deployDir.empty()) {
    out << "  warning: no certchaos deploy/ directory (--deploy-dir): cert-manager objects are "
           "not validated, and one malformed CertificateRequest can stall cm-controller\n";
  } else if (auto r = installObjectValidation(kubectl, kubeconfigPath(),
                                              options.deployDir + "/localplane", stateDir_,
                                              options.componentTimeout, out);
             !r) {
    return r.error();
  }

  if (node) {
    if (auto r = startNode(options, state, out); !r) return r.error();
  }

  // cert-manager's controllers: a pod under cert-manager's own ServiceAccount and RBAC on a node
  // plane, else a local process.
  if (node) {
    if (auto r = installCertManagerPod(options, state, out); !r) return r.error();
  } else {
    const std::string addressFile = stateDir_ + "/cm-controller.addr";
    fs::remove(addressFile);
    std::vector<std::string> cmArgs = {bin + "cm-controller", "--kubeconfig=" + kubeconfigPath(),
                                       "--address-file=" + addressFile, "--v=2"};
    cmArgs.insert(cmArgs.end(), options.cmControllerArgs.begin(), options.cmControllerArgs.end());
    auto cm = start("cm-controller", cmArgs, "");
    if (!cm) return cm.error();
    auto health = readAddressFile(addressFile, "health", options.componentTimeout, (*cm)->process);
    if (!health) return componentFailed(**cm, health.error());
    (*cm)->url = "http://" + *health;
    if (auto r = saveState(state); !r) return r.error();
    if (auto r = waitForHealthy("cm-controller", (*cm)->url + "/readyz", {},
                                options.componentTimeout, alive(*cm));
        !r) {
      return componentFailed(**cm, r.error());
    }
  }

  if (node && !options.issuerBinary.empty()) {
    if (auto r = installChart(options, state, out); !r) return r.error();
  } else if (!options.issuerBinary.empty() || !options.runnerBinary.empty()) {
    if (auto r = installRbac(options, kubectl, out); !r) return r.error();
  }
  if (!node && !options.issuerBinary.empty()) {
    if (auto r = startIssuer(options, state, kubectl, out); !r) return r.error();
  }
  if (!node && !options.runnerBinary.empty()) {
    if (auto r = startRunner(options, state, kubectl, out); !r) return r.error();
  }

  state.complete = true;
  if (auto r = saveState(state); !r) return r.error();
  guard.release();
  return state;
}

Result<void> LocalCluster::down(std::ostream& out) {
  if (!fs::exists(stateDir_)) {
    out << "No local control plane in " << stateDir_ << "; nothing to stop.\n";
    return {};
  }
  StateLock lock(stateDir_);
  auto state = loadState();
  if (state) {
    // A node that could not be cleaned up keeps its state, so that `down` can be run again.
    if (auto r = stopEverything(*state, out); !r) {
      Error e = r.error();
      e.message += "; the state in " + stateDir_ +
                   " is kept: fix the cause and run 'certchaos "
                   "down' again";
      return e;
    }
  } else if (fs::exists(statePath())) {
    return state.error();
  }
  std::error_code ec;
  fs::remove_all(stateDir_, ec);
  if (ec) return makeError("IO", "cannot remove " + stateDir_ + ": " + ec.message());
  out << "Stopped the local control plane and removed " << stateDir_ << ".\n";
  return {};
}

Result<std::vector<ComponentStatus>> LocalCluster::status() const {
  auto state = loadState();
  if (!state) return state.error();
  std::vector<ComponentStatus> out;
  for (const auto& c : state->components) {
    ComponentStatus s{c.name, c.process.pid, c.url, isRunning(c.process), false};
    auto probe = healthProbeFor(c, stateDir_);
    if (probe.url.empty()) s.healthy = s.running;
    if (s.running && c.name == "containerd" && state->node) {
      auto v = runCommand(
          {programOnPath("ctr"), "--address", state->node->containerdSocket(), "version"},
          std::chrono::seconds(3));
      s.healthy = v && v->exitCode == 0;
    } else if (s.running && !probe.url.empty()) {
      auto code = httpGetStatus(probe.url, probe.tls, std::chrono::seconds(3));
      s.healthy = code && *code == 200;
    }
    out.push_back(s);
  }
  return out;
}

Result<ComponentState> LocalCluster::addComponent(const std::string& name,
                                                  std::vector<std::string> argv,
                                                  const std::string& addressFile,
                                                  const std::string& scheme, std::ostream& out) {
  StateLock lock(stateDir_);
  auto state = loadState();
  if (!state) return state.error();
  auto& components = state->components;
  for (auto it = components.begin(); it != components.end(); ++it) {
    if (it->name != name) continue;
    out << "  replacing " << name << " (pid " << it->process.pid << ")\n";
    stopProcess(it->process, kStopGrace);
    components.erase(it);
    break;
  }
  fs::remove(addressFile);
  ComponentState c{name, {}, "", stateDir_ + "/logs/" + name + ".log", std::move(argv)};
  out << "  starting " << name << "\n";
  auto id = startDetached(c.args, c.logPath);
  if (!id) return componentFailed(c, id.error());
  c.process = *id;
  components.push_back(c);
  if (auto r = saveState(*state); !r) return r.error();
  auto address = readAddressFile(addressFile, "address", std::chrono::seconds(60), c.process);
  if (!address) {
    stopProcess(c.process, kStopGrace);
    components.pop_back();
    (void)saveState(*state);
    return componentFailed(c, address.error());
  }
  components.back().url = scheme + "://" + *address;
  if (auto r = saveState(*state); !r) return r.error();
  return components.back();
}

Result<void> LocalCluster::stopComponent(const std::string& name, bool kill, std::ostream& out) {
  StateLock lock(stateDir_);
  auto state = loadState();
  if (!state) return state.error();
  for (const auto& c : state->components) {
    if (c.name != name) continue;
    out << "  stopping " << name << " (pid " << c.process.pid << ")\n";
    stopProcess(c.process, kill ? std::chrono::milliseconds(0) : kStopGrace);
    return {};
  }
  return makeError("NotFound", "no component named '" + name + "' in " + statePath());
}

Result<void> LocalCluster::startAgain(ClusterState& state, ComponentState& c,
                                      std::chrono::seconds timeout, std::ostream& out) {
  if (c.args.empty()) {
    return makeError("NotRestartable", "the state of " + c.name +
                                           " has no command line (started by an older "
                                           "certchaos); run 'certchaos up --fresh'");
  }
  out << "  restarting " << c.name << "\n";
  // A component on a kernel-chosen port writes its new address to its address file.
  std::string addressFile;
  for (const auto& a : c.args) {
    if (a.rfind("--address-file=", 0) == 0) addressFile = a.substr(15);
  }
  if (!addressFile.empty()) fs::remove(addressFile);
  auto id = startDetached(c.args, c.logPath);
  if (!id) return componentFailed(c, id.error());
  c.process = *id;
  // Recorded at once, so that `status` and `down` see the new process even if it fails later.
  if (auto r = saveState(state); !r) return r.error();
  if (!addressFile.empty()) {
    auto address = readAddressFile(addressFile, c.name == "cm-controller" ? "health" : "address",
                                   timeout, c.process);
    if (!address) return componentFailed(c, address.error());
    const bool tls = c.url.rfind("https://", 0) == 0;
    c.url = (tls ? "https://" : "http://") + *address;
    if (auto r = saveState(state); !r) return r.error();
  }
  auto probe = healthProbeFor(c, stateDir_);
  if (probe.url.empty()) return {};
  const ProcessId pid = c.process;
  if (auto r =
          waitForHealthy(c.name, probe.url, probe.tls, timeout, [pid] { return isRunning(pid); });
      !r) {
    return componentFailed(c, r.error());
  }
  return {};
}

Result<void> LocalCluster::restartComponent(const std::string& name, std::ostream& out) {
  StateLock lock(stateDir_);
  auto state = loadState();
  if (!state) return state.error();
  for (auto& c : state->components) {
    if (c.name != name) continue;
    stopProcess(c.process, kStopGrace);
    return startAgain(*state, c, std::chrono::seconds(60), out);
  }
  return makeError("NotFound", "no component named '" + name + "' in " + statePath());
}

Result<void> LocalCluster::restartWithBackoff(ClusterState& state,
                                              const CertManagerBackoff& backoff, bool stopOnly,
                                              std::ostream& out) {
  for (auto& c : state.components) {
    if (c.name != "cm-controller") continue;
    stopProcess(c.process, kStopGrace);
    c.args = withBackoffArgs(std::move(c.args), backoff);
    if (auto r = saveState(state); !r) return r.error();
    if (stopOnly) return {};
    return startAgain(state, c, std::chrono::seconds(60), out);
  }
  return makeError("NotFound", "expected a cm-controller component in " + statePath() +
                                   ", found none; run 'certchaos up --fresh' for a full plane");
}

Result<bool> LocalCluster::dropOrphanedHold(ClusterState& state, bool stopOnly, std::ostream& out) {
  if (!state.backoffHold || !liveHolders(*state.backoffHold).empty()) return false;
  const CertManagerBackoff restore = state.backoffHold->restore;
  out << "  cert-manager's back-off was scaled for a run that no longer runs: restoring "
      << backoffText(restore) << " (minimum/maximum)\n";
  state.backoffHold.reset();
  if (auto r = restartWithBackoff(state, restore, stopOnly, out); !r) return r.error();
  return true;
}

Result<BackoffGrant> LocalCluster::holdBackoff(const CertManagerBackoff& backoff,
                                               const ProcessId& holder, std::ostream& out) {
  StateLock lock(stateDir_);
  auto state = loadState();
  if (!state) return state.error();
  if (auto orphan = dropOrphanedHold(*state, /*stopOnly=*/false, out); !orphan) {
    return orphan.error();
  }
  const ComponentState* cm = nullptr;
  for (const auto& c : state->components) {
    if (c.name == "cm-controller") cm = &c;
  }
  if (cm == nullptr || !isRunning(cm->process)) {
    return makeError("NotRunning", "expected cm-controller running in the local plane in " +
                                       stateDir_ + ", found it " +
                                       (cm == nullptr ? "missing" : "stopped") +
                                       "; run 'certchaos up' to restart it");
  }
  BackoffGrant grant;
  grant.inForce = backoffOfArgs(cm->args);
  if (state->backoffHold) {
    // Runs hold it already: share their figures, never change them under them.
    if (grant.inForce != backoff) {
      grant.others = liveHolders(*state->backoffHold);
      return grant;
    }
    state->backoffHold->holders.push_back(holder);
    if (auto r = saveState(*state); !r) return r.error();
    grant.granted = true;
    return grant;
  }
  state->backoffHold = BackoffHold{{holder}, grant.inForce};
  if (grant.inForce != backoff) {
    out << "  restarting cm-controller with cert-manager's back-off " << backoffText(backoff)
        << " (was " << backoffText(grant.inForce) << ")\n";
    if (auto r = restartWithBackoff(*state, backoff, false, out); !r) return r.error();
  } else if (auto r = saveState(*state); !r) {
    return r.error();
  }
  grant.granted = true;
  grant.inForce = backoff;
  return grant;
}

Result<void> LocalCluster::releaseBackoff(const ProcessId& holder, std::ostream& out) {
  StateLock lock(stateDir_);
  auto state = loadState();
  if (!state) return state.error();
  if (!state->backoffHold) return {};
  auto& holders = state->backoffHold->holders;
  std::erase_if(holders, [&holder](const ProcessId& h) {
    return (h.pid == holder.pid && h.startTime == holder.startTime) || !isRunning(h);
  });
  if (!holders.empty()) return saveState(*state);
  const CertManagerBackoff restore = state->backoffHold->restore;
  state->backoffHold.reset();
  for (const auto& c : state->components) {
    if (c.name != "cm-controller" || backoffOfArgs(c.args) == restore) continue;
    out << "  restarting cm-controller with cert-manager's back-off " << backoffText(restore)
        << " again\n";
    return restartWithBackoff(*state, restore, false, out);
  }
  return saveState(*state);
}

Result<BackoffStatus> LocalCluster::backoffStatus() const {
  auto state = loadState();
  if (!state) return state.error();
  BackoffStatus out;
  for (const auto& c : state->components) {
    if (c.name == "cm-controller") out.inForce = backoffOfArgs(c.args);
  }
  if (state->backoffHold) {
    out.restore = state->backoffHold->restore;
    out.liveHolders = liveHolders(*state->backoffHold);
  }
  return out;
}

}  // namespace certchaos::localcluster
