#include "certchaos/localcluster/node.h"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "certchaos/localcluster/process.h"

namespace certchaos::localcluster {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr auto kCommandTimeout = std::chrono::seconds(60);

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Result<void> writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return makeError("IO", "cannot write " + path);
  out << content;
  out.close();
  if (!out) return makeError("IO", "cannot write " + path);
  return {};
}

// Runs a command and returns its output, or an error naming the command and what it said.
Result<std::string> run(const std::vector<std::string>& argv,
                        std::chrono::milliseconds timeout = kCommandTimeout) {
  auto r = runCommand(argv, timeout);
  if (!r) return r.error();
  if (r->exitCode != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return makeError("CommandFailed",
                     "'" + cmd + "' exited with " + std::to_string(r->exitCode) + ": " + r->output);
  }
  return r->output;
}

// The cgroup v1 hierarchies (directories under cgroupFs that hold cgroup.procs).
std::vector<std::string> cgroupHierarchies(const std::string& cgroupFs) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cgroupFs, ec)) {
    if (entry.is_symlink(ec)) continue;  // cpu,cpuacct style aliases
    if (fs::exists(entry.path() / "cgroup.procs", ec)) out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Can this process make network namespaces? (A child tries, so this one keeps its own.)
Result<void> canUnshareNetwork() {
  pid_t pid = fork();
  if (pid < 0) return makeError("IO", std::string("fork: ") + std::strerror(errno));
  if (pid == 0) _exit(unshare(CLONE_NEWNET) == 0 ? 0 : errno);
  int status = 0;
  waitpid(pid, &status, 0);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 0) return {};
  return makeError("NodeHost", std::string("expected to create network namespaces (for the pods' "
                                           "network), found unshare(CLONE_NEWNET) refused: ") +
                                   (code > 0 ? std::strerror(code) : "killed") +
                                   "; run certchaos as root with CAP_SYS_ADMIN (not in a "
                                   "container without it)");
}

Result<void> canMakeCgroups(const std::string& cgroupFs) {
  const auto hierarchies = cgroupHierarchies(cgroupFs);
  bool memory = false;
  for (const auto& h : hierarchies) memory = memory || fs::path(h).filename() == "memory";
  if (!memory) {
    return makeError("NodeHost",
                     "expected cgroup v1 hierarchies (at least memory) under " + cgroupFs +
                         ", found " + std::to_string(hierarchies.size()) +
                         " hierarchies without memory; the node's kubelet runs with cgroupfs on "
                         "cgroup v1 here");
  }
  const std::string probe = cgroupFs + "/memory/certchaos-probe-" + std::to_string(getpid());
  if (mkdir(probe.c_str(), 0755) != 0) {
    return makeError("NodeHost", "expected to create cgroups (for the pods' containers), found " +
                                     probe + " refused: " + std::strerror(errno) +
                                     "; run certchaos as root with write access to " + cgroupFs);
  }
  rmdir(probe.c_str());
  return {};
}

// The KUBE-* and CNI-* chains of every table, as "table/chain".
std::vector<std::string> kubeChains(const std::string& saveTool) {
  std::vector<std::string> out;
  auto saved = runCommand({programOnPath(saveTool)}, kCommandTimeout);
  if (!saved || saved->exitCode != 0) return out;
  std::istringstream in(saved->output);
  std::string line, table;
  while (std::getline(in, line)) {
    if (line.rfind('*', 0) == 0) table = line.substr(1);
    if (line.rfind(":KUBE-", 0) == 0 || line.rfind(":CNI-", 0) == 0) {
      out.push_back(table + "/" + line.substr(1, line.find(' ') - 1));
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// Mount points under `dir` (and network namespaces of containerd's pods are not: those go with
// their sandboxes), deepest first.
std::vector<std::string> mountsUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::istringstream in(readAll("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (point == dir || point.rfind(dir + "/", 0) == 0) out.push_back(point);
  }
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Processes whose command line mentions `needle`.
std::vector<pid_t> processesMentioning(const std::string& needle) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (pid == getpid()) continue;
    std::string cmdline = readAll("/proc/" + name + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) != std::string::npos) out.push_back(pid);
  }
  return out;
}

bool linkExists(const std::string& name) { return fs::exists("/sys/class/net/" + name); }

// Processes in a cgroup tree (a container whose shim was killed keeps running in it).
std::vector<pid_t> processesInCgroupTree(const std::string& root) {
  std::vector<pid_t> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  auto collect = [&out](const fs::path& dir) {
    std::istringstream in(readAll((dir / "cgroup.procs").string()));
    pid_t pid;
    while (in >> pid) out.push_back(pid);
  };
  collect(root);
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) collect(it->path());
  }
  return out;
}

// Removes a cgroup tree, deepest groups first (a group goes once it has no process and no child).
void removeCgroupTree(const std::string& root) {
  std::error_code ec;
  std::vector<std::string> dirs;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(it->path().string());
  }
  std::sort(dirs.begin(), dirs.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& d : dirs) rmdir(d.c_str());
  rmdir(root.c_str());
}

}  // namespace

Result<void> checkNodeHost(const NodeHostCheck& check) {
  if (geteuid() != 0) {
    return makeError("NodeHost",
                     "expected to run as root for 'up --node' (it creates a bridge, "
                     "cgroups and containers), found uid " +
                         std::to_string(geteuid()) + "; run it as root");
  }
  std::vector<std::string> missing;
  for (const char* tool : {"containerd", "runc", "iptables", "iptables-save", "ip6tables",
                           "ip6tables-save", "ip", "tar"}) {
    if (access(programOnPath(tool).c_str(), X_OK) != 0) missing.push_back(tool);
  }
  for (const char* plugin : {"bridge", "host-local", "loopback"}) {
    if (access((check.cniBinDir + "/" + plugin).c_str(), X_OK) != 0) {
      missing.push_back(check.cniBinDir + "/" + plugin);
    }
  }
  if (!missing.empty()) {
    return makeError("NodeHost",
                     "expected the container runtime and network tools for 'up --node', found "
                     "missing: " +
                         joined(missing) +
                         "; install the Debian packages containerd, runc, "
                         "containernetworking-plugins, iptables and iproute2 ('make deps' does)");
  }
  for (const char* binary :
       {"kubelet", "kube-proxy", "kube-scheduler", "kube-controller-manager", "crictl"}) {
    if (access((check.controlplaneBin + "/" + binary).c_str(), X_OK) != 0) {
      missing.push_back(check.controlplaneBin + "/" + binary);
    }
  }
  if (!missing.empty()) {
    return makeError("NodeHost", "expected the node's binaries, found missing: " + joined(missing) +
                                     "; build them with 'make node'");
  }
  for (const char* image : kNodeImages) {
    if (!fs::exists(check.imagesDir + "/" + image)) {
      missing.push_back(check.imagesDir + "/" + image);
    }
  }
  if (!missing.empty()) {
    return makeError("NodeHost", "expected the node's images, found missing: " + joined(missing) +
                                     "; build them with 'make images' (or pass --images-dir)");
  }
  if (auto r = canMakeCgroups(check.cgroupFs); !r) return r.error();
  if (auto r = canUnshareNetwork(); !r) return r.error();
  auto chains = kubeChains("iptables-save");
  for (const auto& c : kubeChains("ip6tables-save")) chains.push_back("ip6/" + c);
  if (!chains.empty()) {
    return makeError("NodeHost",
                     "expected no other Kubernetes node on this machine, found its iptables "
                     "chains: " +
                         joined(chains) +
                         "; stop that node ('certchaos down' on its plane removes them) before "
                         "'up --node'");
  }
  return {};
}

Result<NodeState> planNode(const std::string& stateDir) {
  auto addresses = run({programOnPath("ip"), "-4", "-o", "addr", "show"});
  if (!addresses) return addresses.error();
  auto routes = run({programOnPath("ip"), "-4", "route", "show", "table", "all"});
  if (!routes) return routes.error();
  const std::string used = *addresses + "\n" + *routes;
  for (int n = 77; n < 255; ++n) {
    const std::string prefix = "10.244." + std::to_string(n) + ".";
    if (used.find(prefix) != std::string::npos) continue;
    const std::string suffix = std::to_string(n);
    if (linkExists("cchaos" + suffix)) continue;
    if (fs::exists("/sys/fs/cgroup/memory/certchaos-node-" + suffix)) continue;
    NodeState node;
    node.name = "certchaos-node";
    node.bridge = "cchaos" + suffix;
    node.subnet = prefix + "0/24";
    node.gateway = prefix + "1";
    node.cgroupRoot = "/certchaos-node-" + suffix;
    node.dir = stateDir + "/node";
    return node;
  }
  return makeError("NodeHost",
                   "expected a free /24 in 10.244.77.0–10.244.254.0 for the pods, found every one "
                   "used by an address or route of this machine");
}

Result<void> prepareNodeHost(const NodeState& node, const std::string& cgroupFs) {
  const std::string ip = programOnPath("ip");
  if (!linkExists(node.bridge)) {
    if (auto r = run({ip, "link", "add", node.bridge, "type", "bridge"}); !r) return r.error();
  }
  auto addr = run({ip, "-4", "-o", "addr", "show", "dev", node.bridge});
  if (!addr) return addr.error();
  if (addr->find(node.gateway + "/") == std::string::npos) {
    if (auto r = run({ip, "addr", "add", node.gateway + "/24", "dev", node.bridge}); !r) {
      return r.error();
    }
  }
  if (auto r = run({ip, "link", "set", node.bridge, "up"}); !r) return r.error();
  for (const auto& h : cgroupHierarchies(cgroupFs)) {
    const std::string dir = h + node.cgroupRoot;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return makeError("NodeHost", "cannot create the cgroup " + dir + ": " + ec.message());
    // A new cpuset group has no CPU or memory node until given its parent's.
    if (fs::path(h).filename() == "cpuset") {
      for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        std::string value = readAll(h + "/" + file);
        if (readAll(dir + "/" + file).find_first_not_of(" \n") == std::string::npos) {
          if (auto r = writeFile(dir + "/" + file, value); !r) return r.error();
        }
      }
    }
  }
  return {};
}

Result<void> writeNodeConfigs(const NodeState& node, const NodePorts& ports,
                              const std::string& clientCaFile, const std::string& pauseImage) {
  std::error_code ec;
  for (const auto& d : {node.dir, node.cniConfigDir(), node.kubeletRoot()}) {
    fs::create_directories(d, ec);
    if (ec) return makeError("IO", "cannot create " + d + ": " + ec.message());
  }
  const std::string& d = node.dir;
  // CRI with runc under cgroupfs; everything containerd keeps lives under the node directory.
  // restrict_oom_score_adj: root here may lack CAP_SYS_RESOURCE, and runc then fails a negative
  // oom_score_adj with only "can't get final child's PID from pipe: EOF".
  const std::string containerd = R"(version = 2
root = ")" + d + R"(/containerd/root"
state = ")" + d + R"(/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = ")" + node.containerdSocket() +
                                 R"("
[ttrpc]
  address = ")" + node.containerdSocket() +
                                 R"(.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = ")" + d + R"(/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ")" + pauseImage +
                                 R"("
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = ")" + node.cniConfigDir() +
                                 R"("
)";
  if (auto r = writeFile(node.containerdConfig(), containerd); !r) return r.error();

  // The bridge the plane created; no masquerading (nothing leaves the machine), so CNI adds no
  // iptables rule; the default route through the gateway carries Service traffic to kube-proxy's
  // rules on the host.
  json cni = {{"cniVersion", "0.4.0"},
              {"name", "certchaos"},
              {"plugins",
               {{{"type", "bridge"},
                 {"bridge", node.bridge},
                 {"isGateway", true},
                 {"ipMasq", false},
                 {"hairpinMode", true},
                 {"ipam",
                  {{"type", "host-local"},
                   {"ranges", {{{{"subnet", node.subnet}, {"gateway", node.gateway}}}}},
                   {"routes", {{{"dst", "0.0.0.0/0"}}}},
                   {"dataDir", d + "/cni-ipam"}}}},
                {{"type", "loopback"}}}}};
  if (auto r = writeFile(node.cniConfigDir() + "/10-certchaos.conflist", cni.dump(2) + "\n"); !r) {
    return r.error();
  }

  // cgroup v1 with cgroupfs: kubelet v1.36 refuses v1 unless failCgroupV1 is false, and falls
  // back to its own cgroupDriver with containerd 1.6 (no RuntimeConfig CRI call).
  const std::string kubelet =
      "apiVersion: kubelet.config.k8s.io/v1beta1\n"
      "kind: KubeletConfiguration\n"
      "failCgroupV1: false\n"
      "cgroupDriver: cgroupfs\n"
      "cgroupRoot: " +
      node.cgroupRoot +
      "\n"
      "containerRuntimeEndpoint: unix://" +
      node.containerdSocket() +
      "\n"
      "address: " +
      node.gateway + "\nport: " + std::to_string(ports.kubelet) +
      "\nreadOnlyPort: 0\n"
      "healthzBindAddress: 127.0.0.1\n"
      "healthzPort: " +
      std::to_string(ports.kubeletHealthz) +
      "\n"
      "authentication:\n"
      "  anonymous: {enabled: false}\n"
      "  webhook: {enabled: true}\n"
      "  x509: {clientCAFile: " +
      clientCaFile +
      "}\n"
      "authorization: {mode: Webhook}\n"
      "failSwapOn: false\n"
      "imageGCHighThresholdPercent: 100\n"
      "evictionHard: {memory.available: \"1%\", nodefs.available: \"1%\", "
      "imagefs.available: \"1%\"}\n"
      "clusterDomain: cluster.local\n";
  return writeFile(node.kubeletConfig(), kubelet);
}

Result<std::string> imageReferenceOf(const std::string& archive) {
  auto index = run({programOnPath("tar"), "-xOf", archive, "index.json"});
  if (!index) return index.error();
  try {
    const json j = json::parse(*index);
    for (const auto& m : j.at("manifests")) {
      const auto ref = m.value("annotations", json::object())
                           .value("org.opencontainers.image.ref.name", std::string());
      if (!ref.empty()) return ref;
    }
  } catch (const json::exception& e) {
    return makeError("BadImage", "expected an OCI index.json in " + archive +
                                     ", found: " + std::string(e.what()));
  }
  return makeError("BadImage",
                   "expected an image reference (org.opencontainers.image.ref.name) "
                   "in " +
                       archive +
                       "'s index.json, found none; rebuild it with 'make "
                       "images'");
}

Result<void> importNodeImages(const NodeState& node, const std::string& imagesDir,
                              std::ostream& out) {
  for (const char* image : kNodeImages) {
    const std::string archive = imagesDir + "/" + image;
    out << "  importing " << archive << " into containerd\n";
    if (auto r = run({programOnPath("ctr"), "--address", node.containerdSocket(), "--namespace",
                      "k8s.io", "images", "import", archive},
                     std::chrono::minutes(3));
        !r) {
      return r.error();
    }
  }
  return {};
}

Result<void> removeAllPods(const NodeState& node, const std::string& crictl, std::ostream& out) {
  out << "  removing the node's pods (their containers, network namespaces and mounts)\n";
  auto r = run({crictl, "--runtime-endpoint", "unix://" + node.containerdSocket(), "--timeout",
                "60s", "rmp", "--all", "--force"},
               std::chrono::minutes(3));
  if (!r) return r.error();
  return {};
}

Result<void> cleanUpNodeHost(const NodeState& node, const std::string& kubeProxy, std::ostream& out,
                             const std::string& cgroupFs) {
  std::optional<Error> first;
  auto note = [&](const Error& e) {
    out << "  warning: " << e.message << "\n";
    if (!first) first = e;
  };
  // Shims outlive containerd; one left means a task the CRI could not remove.
  for (pid_t pid : processesMentioning(node.containerdSocket())) {
    out << "  killing leftover process " << pid << " of the node\n";
    kill(pid, SIGKILL);
  }
  for (int i = 0; i < 50 && !processesMentioning(node.containerdSocket()).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const auto& point : mountsUnder(node.dir)) {
    if (umount2(point.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      note(makeError("NodeCleanUp", "cannot unmount " + point + ": " + std::strerror(errno)));
    }
  }
  // kube-proxy removes its own rules; the kubelet's (KUBE-FIREWALL, KUBE-KUBELET-CANARY) have no
  // such command: every KUBE- chain is this node's (up --node refuses to start beside another).
  if (!kubeProxy.empty() && access(kubeProxy.c_str(), X_OK) == 0) {
    auto r = runCommand({kubeProxy, "--cleanup", "--v=0"}, kCommandTimeout);
    if (!r) note(r.error());
  }
  for (const auto& [save, tool] : {std::pair<std::string, std::string>{"iptables-save", "iptables"},
                                   {"ip6tables-save", "ip6tables"}}) {
    auto saved = runCommand({programOnPath(save)}, kCommandTimeout);
    if (!saved || saved->exitCode != 0) continue;
    std::istringstream in(saved->output);
    std::string line, table;
    std::vector<std::pair<std::string, std::string>> chains;
    std::vector<std::pair<std::string, std::string>> jumps;  // table, rule spec
    while (std::getline(in, line)) {
      if (line.rfind('*', 0) == 0) table = line.substr(1);
      if (line.rfind(":KUBE-", 0) == 0 || line.rfind(":CNI-", 0) == 0) {
        chains.emplace_back(table, line.substr(1, line.find(' ') - 1));
      }
      const bool intoOurs =
          line.find("-j KUBE-") != std::string::npos || line.find("-j CNI-") != std::string::npos;
      if (line.rfind("-A ", 0) == 0 && line.rfind("-A KUBE-", 0) != 0 &&
          line.rfind("-A CNI-", 0) != 0 && intoOurs) {
        jumps.emplace_back(table, line.substr(3));
      }
    }
    const std::string bin = programOnPath(tool);
    for (const auto& [t, spec] : jumps) {
      // The saved rule as arguments; comments are quoted in iptables-save's output.
      std::vector<std::string> argv = {bin, "-t", t, "-D"};
      std::istringstream words(spec);
      std::string w;
      while (words >> std::quoted(w)) argv.push_back(w);
      auto r = run(argv);
      if (!r) note(r.error());
    }
    for (const auto& [t, chain] : chains) (void)run({bin, "-t", t, "-F", chain});
    for (const auto& [t, chain] : chains) {
      auto r = run({bin, "-t", t, "-X", chain});
      if (!r) note(r.error());
    }
  }
  if (linkExists(node.bridge)) {
    // Pods' veths still attached (a sandbox the CRI could not remove) go with the bridge.
    auto ports = runCommand({programOnPath("ip"), "-o", "link", "show", "master", node.bridge},
                            kCommandTimeout);
    if (ports && ports->exitCode == 0) {
      std::istringstream in(ports->output);
      std::string line;
      while (std::getline(in, line)) {
        // "7: veth1234@if2: <...>"
        const auto colon = line.find(": ");
        if (colon == std::string::npos) continue;
        std::string name = line.substr(colon + 2, line.find_first_of(":@", colon + 2) - colon - 2);
        (void)run({programOnPath("ip"), "link", "delete", name});
      }
    }
    auto r = run({programOnPath("ip"), "link", "delete", node.bridge});
    if (!r) note(r.error());
  }
  // Containers whose shim had to be killed still run in the node's cgroups.
  for (int i = 0; i < 50; ++i) {
    std::vector<pid_t> inside;
    for (const auto& h : cgroupHierarchies(cgroupFs)) {
      for (pid_t pid : processesInCgroupTree(h + node.cgroupRoot)) inside.push_back(pid);
    }
    if (inside.empty()) break;
    for (pid_t pid : inside) {
      if (i == 0) out << "  killing leftover container process " << pid << " of the node\n";
      kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const auto& h : cgroupHierarchies(cgroupFs)) {
    if (fs::exists(h + node.cgroupRoot)) removeCgroupTree(h + node.cgroupRoot);
  }
  const auto left = nodeLeftovers(node, cgroupFs);
  if (!left.empty() && !first) {
    first = makeError("NodeCleanUp", "expected nothing of the node left, found: " + joined(left));
  }
  if (first) return *first;
  return {};
}

namespace {

// Why a pod cannot start, if it cannot: "pod/container: reason: message".
std::optional<std::string> podCannotStart(const json& pod) {
  static const std::set<std::string> fatal = {"ErrImagePull",         "ImagePullBackOff",
                                              "ErrImageNeverPull",    "InvalidImageName",
                                              "CrashLoopBackOff",     "CreateContainerConfigError",
                                              "CreateContainerError", "RunContainerError"};
  const json status = pod.value("status", json::object());
  for (const char* field : {"initContainerStatuses", "containerStatuses"}) {
    for (const auto& c : status.value(field, json::array())) {
      const json waiting = c.value("state", json::object()).value("waiting", json::object());
      const std::string reason = waiting.value("reason", "");
      if (fatal.count(reason) == 0) continue;
      return pod["metadata"].value("namespace", "") + "/" + pod["metadata"].value("name", "") +
             " container " + c.value("name", "") + ": " + reason + ": " +
             waiting.value("message", "") + " (image " + c.value("image", "") + ")";
    }
  }
  return std::nullopt;
}

}  // namespace

Result<void> waitForDeployments(const std::string& kubectl, const std::string& kubeconfig,
                                const std::string& ns, std::chrono::seconds timeout,
                                std::ostream& out) {
  out << "  waiting for the Deployments in " << ns << " to be available\n";
  const auto end = std::chrono::steady_clock::now() + timeout;
  std::string pending;
  while (true) {
    auto listed = run(
        {kubectl, "--kubeconfig=" + kubeconfig, "-n", ns, "get", "deployments,pods", "-o", "json"});
    if (!listed) return listed.error();
    json items;
    try {
      items = json::parse(*listed).at("items");
    } catch (const json::exception& e) {
      return makeError("BadReply",
                       "expected a JSON list from kubectl, found: " + std::string(e.what()));
    }
    pending.clear();
    for (const auto& item : items) {
      if (item.value("kind", "") == "Pod") {
        if (auto why = podCannotStart(item)) {
          return makeError("PodCannotStart",
                           "expected the pods in " + ns + " to start, found " + *why);
        }
        continue;
      }
      const auto want = item["spec"].value("replicas", 1);
      const auto have = item.value("status", json::object()).value("availableReplicas", 0);
      if (have < want) {
        pending += (pending.empty() ? "" : ", ") + item["metadata"].value("name", "") + " (" +
                   std::to_string(have) + "/" + std::to_string(want) + " available)";
      }
    }
    if (pending.empty()) return {};
    if (std::chrono::steady_clock::now() > end) {
      return makeError("Timeout", "expected the Deployments in " + ns + " available within " +
                                      std::to_string(timeout.count()) + " s, found " + pending);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

std::vector<std::string> nodeLeftovers(const NodeState& node, const std::string& cgroupFs) {
  std::vector<std::string> out;
  for (pid_t pid : processesMentioning(node.dir)) {
    out.push_back("process " + std::to_string(pid));
  }
  for (const auto& m : mountsUnder(node.dir)) out.push_back("mount " + m);
  if (linkExists(node.bridge)) out.push_back("network device " + node.bridge);
  for (const auto& c : kubeChains("iptables-save")) out.push_back("iptables chain " + c);
  for (const auto& c : kubeChains("ip6tables-save")) out.push_back("ip6tables chain " + c);
  for (const auto& h : cgroupHierarchies(cgroupFs)) {
    if (fs::exists(h + node.cgroupRoot)) out.push_back("cgroup " + h + node.cgroupRoot);
  }
  return out;
}

}  // namespace certchaos::localcluster
