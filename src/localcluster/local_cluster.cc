#include "certchaos/localcluster/local_cluster.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "certchaos/common/time.h"
#include "certchaos/localcluster/net.h"
#include "certchaos/localcluster/pki.h"

namespace certchaos::localcluster {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t kLogLinesOnFailure = 25;
constexpr auto kStopGrace = std::chrono::seconds(10);

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
  return {{"version", 1},
          {"stateDir", s.stateDir},
          {"controlplaneDir", s.controlplaneDir},
          {"kubeconfig", s.kubeconfigPath},
          {"apiserver", s.apiserverUrl},
          {"startedAt", s.startedAt},
          {"components", components}};
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

LocalCluster::LocalCluster(std::string stateDir) : stateDir_(std::move(stateDir)) {}

Result<ClusterState> LocalCluster::loadState() const {
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
    for (const auto& c : j.at("components")) {
      s.components.push_back(
          {c.at("name"),
           {c.at("pid").get<pid_t>(), c.at("startTime").get<unsigned long long>()},
           c.at("url"),
           c.at("log"),
           c.value("args", std::vector<std::string>{})});
    }
    return s;
  } catch (const json::exception& e) {
    return makeError("BadState", "expected a certchaos state file at " + statePath() +
                                     ", found unreadable JSON (" + e.what() +
                                     "); remove the directory or run 'certchaos down'");
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

Result<void> LocalCluster::startIssuer(const UpOptions& options, ClusterState& state,
                                       const std::string& kubectl, std::ostream& out) {
  // The issuer runs as its ServiceAccount, with the least-privilege role from deploy/rbac, never
  // as the admin: what it may do here is what it may do in a real cluster.
  out << "  installing the issuer's RBAC\n";
  auto apply = runCommand({kubectl, "--kubeconfig=" + kubeconfigPath(), "apply", "--server-side",
                           "--field-manager=certchaos", "-f", options.deployDir + "/rbac"},
                          std::chrono::seconds(60));
  if (!apply) return apply.error();
  if (apply->exitCode != 0) {
    return makeError("RbacInstall",
                     "applying " + options.deployDir + "/rbac failed:\n" + apply->output);
  }
  auto token = runCommand({kubectl, "--kubeconfig=" + kubeconfigPath(), "create", "token",
                           "certchaos-issuer", "-n", "certchaos-system", "--duration=8760h"},
                          std::chrono::seconds(30));
  if (!token) return token.error();
  if (token->exitCode != 0) {
    return makeError("TokenRequest",
                     "requesting a token for certchaos-system/certchaos-issuer "
                     "failed:\n" +
                         token->output);
  }
  std::string jwt = token->output.substr(0, token->output.find_last_not_of("\r\n") + 1);
  const std::string issuerKubeconfig = stateDir_ + "/issuer.kubeconfig";
  PlanePki pki{stateDir_ + "/pki"};
  if (auto r =
          writeTokenKubeconfig(pki, state.apiserverUrl, "certchaos-issuer", jwt, issuerKubeconfig);
      !r) {
    return r.error();
  }
  const std::string addressFile = stateDir_ + "/issuer.addr";
  fs::remove(addressFile);
  std::vector<std::string> argv = {options.issuerBinary, "--kubeconfig=" + issuerKubeconfig,
                                   "--address-file=" + addressFile,
                                   "--cluster-resource-namespace=certchaos-system"};
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

Result<ClusterState> LocalCluster::up(const UpOptions& options, std::ostream& out) {
  StateLock lock(stateDir_);

  if (fs::exists(statePath())) {
    auto existing = loadState();
    bool allRunning = existing.ok();
    if (existing) {
      for (const auto& c : existing->components) allRunning = allRunning && isRunning(c.process);
    }
    if (allRunning && !existing->components.empty()) {
      out << "A local control plane is already running (started " << existing->startedAt
          << "); not starting another.\n";
      return existing;
    }
    out << "Found the state of a control plane that was not stopped with 'certchaos down' "
           "(a component has exited); cleaning it up.\n";
    if (existing) stopAll(*existing, out);
    fs::remove(statePath());
  }

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
  fs::remove_all(stateDir_ + "/etcd");
  fs::create_directories(logs);
  auto pki = createPlanePki(stateDir_ + "/pki");
  if (!pki) return pki.error();

  ClusterState state;
  state.stateDir = stateDir_;
  state.controlplaneDir = options.controlplaneDir;
  state.kubeconfigPath = kubeconfigPath();
  state.startedAt = formatRfc3339(std::chrono::system_clock::now());
  StartGuard guard(*this, state, out, [this](const ClusterState& s, std::ostream& o) {
    o << "Start-up failed; stopping what was started.\n";
    stopAll(s, o);
    fs::remove(statePath());
  });

  auto start = [&](const std::string& name, std::vector<std::string> argv,
                   const std::string& url) -> Result<ComponentState*> {
    ComponentState c{name, {}, url, logs + "/" + name + ".log", argv};
    out << "  starting " << name << "\n";
    auto id = startDetached(argv, c.logPath);
    if (!id) return componentFailed(c, id.error());
    c.process = *id;
    state.components.push_back(c);
    if (auto r = saveState(state); !r) return r.error();
    return &state.components.back();
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
                     "--unsafe-no-fsync", "--log-level=warn"},
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
  state.apiserverUrl = "https://127.0.0.1:" + std::to_string(*apiPort);
  auto api = start(
      "kube-apiserver",
      {bin + "kube-apiserver", "--etcd-servers=" + etcdUrl, "--bind-address=127.0.0.1",
       "--advertise-address=127.0.0.1", "--secure-port=" + std::to_string(*apiPort),
       "--cert-dir=" + stateDir_ + "/pki", "--tls-cert-file=" + pki->apiserverCert(),
       "--tls-private-key-file=" + pki->apiserverKey(), "--client-ca-file=" + pki->clientCaCert(),
       "--authorization-mode=RBAC", "--service-cluster-ip-range=10.0.0.0/24",
       "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
       "--service-account-key-file=" + pki->serviceAccountPublicKey(),
       "--service-account-signing-key-file=" + pki->serviceAccountKey(),
       "--disable-admission-plugins=ServiceAccount", "--allow-privileged=true",
       "--enable-priority-and-fairness=false", "--profiling=false", "--v=1"},
      state.apiserverUrl);
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

  // cert-manager controllers
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
  if (auto r = waitForHealthy("cm-controller", (*cm)->url + "/readyz", {}, options.componentTimeout,
                              alive(*cm));
      !r) {
    return componentFailed(**cm, r.error());
  }

  if (!options.issuerBinary.empty()) {
    if (auto r = startIssuer(options, state, kubectl, out); !r) return r.error();
  }

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
    stopAll(*state, out);
  } else if (fs::exists(statePath())) {
    return state.error();
  }
  std::error_code ec;
  fs::remove_all(stateDir_, ec);
  if (ec) return makeError("IO", "cannot remove " + stateDir_ + ": " + ec.message());
  out << "Stopped the local control plane and removed " << stateDir_ << ".\n";
  return {};
}

// Where a component says it is healthy, and with which credentials to ask.
struct HealthProbe {
  std::string url;
  TlsClientFiles tls;
};

static HealthProbe healthProbeFor(const ComponentState& c, const std::string& stateDir) {
  // A component serving its own application certificate (the demo app) has no health probe
  // here: the runner probes it with the right trust.
  if (c.url.empty() || (c.url.rfind("https://", 0) == 0 && c.name != "kube-apiserver")) return {};
  if (c.name == "etcd") return {c.url + "/health", {}};
  if (c.name == "kube-apiserver") {
    return {c.url + "/readyz",
            {stateDir + "/pki/ca.crt", stateDir + "/pki/admin.crt", stateDir + "/pki/admin.key"}};
  }
  return {c.url + "/readyz", {}};
}

Result<std::vector<ComponentStatus>> LocalCluster::status() const {
  auto state = loadState();
  if (!state) return state.error();
  std::vector<ComponentStatus> out;
  for (const auto& c : state->components) {
    ComponentStatus s{c.name, c.process.pid, c.url, isRunning(c.process), false};
    auto probe = healthProbeFor(c, stateDir_);
    if (probe.url.empty()) s.healthy = s.running;
    if (s.running && !probe.url.empty()) {
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

Result<void> LocalCluster::restartComponent(const std::string& name, std::ostream& out) {
  StateLock lock(stateDir_);
  auto state = loadState();
  if (!state) return state.error();
  for (auto& c : state->components) {
    if (c.name != name) continue;
    if (c.args.empty()) {
      return makeError("NotRestartable", "the state of " + name +
                                             " has no command line (started by an older "
                                             "certchaos); run 'certchaos down' and 'up'");
    }
    stopProcess(c.process, kStopGrace);
    out << "  restarting " << name << "\n";
    // A component on a kernel-chosen port writes its new address to its address file.
    std::string addressFile;
    for (const auto& a : c.args) {
      if (a.rfind("--address-file=", 0) == 0) addressFile = a.substr(15);
    }
    if (!addressFile.empty()) fs::remove(addressFile);
    auto id = startDetached(c.args, c.logPath);
    if (!id) return componentFailed(c, id.error());
    c.process = *id;
    if (!addressFile.empty()) {
      auto health = readAddressFile(addressFile, c.name == "cm-controller" ? "health" : "address",
                                    std::chrono::seconds(60), c.process);
      if (!health) return componentFailed(c, health.error());
      c.url = "http://" + *health;
    }
    if (auto r = saveState(*state); !r) return r.error();
    auto probe = healthProbeFor(c, stateDir_);
    if (probe.url.empty()) return {};
    const ProcessId pid = c.process;
    if (auto r = waitForHealthy(name, probe.url, probe.tls, std::chrono::seconds(60),
                                [pid] { return isRunning(pid); });
        !r) {
      return componentFailed(c, r.error());
    }
    return {};
  }
  return makeError("NotFound", "no component named '" + name + "' in " + statePath());
}

}  // namespace certchaos::localcluster
