#include "bench_plane.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/localcluster/process.h"

namespace certchaos::bench {

std::vector<std::string> clientRateLimitArgs(int qps, int burst) {
  std::vector<std::string> out;
  for (const char* component : {"--cm-controller-arg=", "--issuer-arg="}) {
    out.push_back(std::string(component) + "--kube-api-qps=" + std::to_string(qps));
    out.push_back(std::string(component) + "--kube-api-burst=" + std::to_string(burst));
  }
  return out;
}

namespace {

std::string certchaosBinary() {
  const char* dir = std::getenv("CERTCHAOS_BIN_DIR");
  return std::string(dir != nullptr && *dir != '\0' ? dir : CERTCHAOS_DEFAULT_BIN_DIR) +
         "/certchaos";
}

Result<localcluster::CommandOutput> runCertchaos(const std::string& stateDir,
                                                 const std::string& verb,
                                                 const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv = {certchaosBinary(), "--state-dir=" + stateDir, verb};
  argv.insert(argv.end(), args.begin(), args.end());
  return localcluster::runCommand(argv, std::chrono::minutes(3));
}

// `certchaos down`, then the temporary directory goes; what failed is said on stderr.
void takeDown(const std::string& root, const std::string& stateDir) {
  auto down = runCertchaos(stateDir, "down");
  if (!down || down->exitCode != 0) {
    std::cerr << "certchaos down failed for " << stateDir << ": "
              << (down ? down->output : down.error().message) << "\n";
  }
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
}

// The planes alive in this process (root → state directory). Ctrl-C or a SIGTERM during a
// fleet run used to end the benchmark and leave etcd, kube-apiserver, cm-controller and the
// issuer running: the signal now takes them down first.
std::mutex gPlanesMu;
std::map<std::string, std::string> gPlanes;

// Once, from the thread that starts the first plane (main, before any other thread): SIGINT,
// SIGTERM and SIGHUP are blocked in it and the threads it starts, and a thread of their own waits
// for them. The plane's processes start with no signal blocked (localcluster's process.cc).
void takePlanesDownOnSignal() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set] {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) return;
      std::cerr << "\n" << strsignal(sig) << ": taking the benchmark's plane down\n";
      std::map<std::string, std::string> planes;
      {
        std::lock_guard lock(gPlanesMu);
        planes = gPlanes;
      }
      for (const auto& [root, stateDir] : planes) takeDown(root, stateDir);
      std::_Exit(128 + sig);
    }).detach();
  });
}

}  // namespace

BenchPlane::BenchPlane(std::string root, std::string stateDir)
    : root_(std::move(root)), stateDir_(std::move(stateDir)) {}

Result<std::unique_ptr<BenchPlane>> BenchPlane::start(const std::vector<std::string>& upArgs) {
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/certchaos-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return makeError("TempDir", "cannot create a directory like " + tmpl + " for the plane");
  }
  takePlanesDownOnSignal();
  // Owned from here on, so that a failed `up` is still taken down and removed.
  std::unique_ptr<BenchPlane> plane(new BenchPlane(tmpl, tmpl + "/state"));
  {
    std::lock_guard lock(gPlanesMu);
    gPlanes[plane->root_] = plane->stateDir_;
  }
  auto up = runCertchaos(plane->stateDir_, "up", upArgs);
  if (!up) return up.error();
  if (up->exitCode != 0) {
    return makeError("PlaneUp", "`certchaos up` exited with " + std::to_string(up->exitCode) +
                                    " (is CERTCHAOS_CONTROLPLANE_DIR set? `make controlplane` "
                                    "builds it):\n" +
                                    up->output);
  }
  return plane;
}

BenchPlane::~BenchPlane() {
  try {
    {
      std::lock_guard lock(gPlanesMu);
      gPlanes.erase(root_);
    }
    takeDown(root_, stateDir_);
  } catch (const std::exception& e) {  // out of memory at most; a destructor must not throw
    std::cerr << "certchaos down failed for " << stateDir_ << ": " << e.what() << "\n";
  }
}

Result<std::shared_ptr<kube::Client>> BenchPlane::admin(double qps) const {
  auto client = kube::Client::fromKubeconfig(stateDir_ + "/kubeconfig");
  if (!client) return client.error();
  if (qps <= 0) return *client;
  kube::ClientConfig config = (*client)->config();
  config.options.qps = qps;
  config.options.burst = static_cast<int>(qps);
  return std::make_shared<kube::Client>(config);
}

Result<pid_t> BenchPlane::componentPid(const std::string& name) const {
  auto state = localcluster::LocalCluster(stateDir_).loadState();
  if (!state) return state.error();
  for (const auto& c : state->components) {
    if (c.name == name) return c.process.pid;
  }
  return makeError("NoComponent", "expected a component named " + name + " in " + stateDir_ +
                                      "/state.json; it has none");
}

Result<std::string> BenchPlane::componentUrl(const std::string& name) const {
  auto state = localcluster::LocalCluster(stateDir_).loadState();
  if (!state) return state.error();
  for (const auto& c : state->components) {
    if (c.name == name) return c.url;
  }
  return makeError("NoComponent", "expected a component named " + name + " in " + stateDir_ +
                                      "/state.json; it has none");
}

Result<void> BenchPlane::createNamespace(const std::string& name) const {
  auto client = admin();
  if (!client) return client.error();
  auto created = (*client)->create(kube::resources::kNamespace, {{"metadata", {{"name", name}}}});
  if (!created) return created.error();
  return {};
}

Result<double> residentBytes(pid_t pid) {
  const std::string path =
      "/proc/" + (pid == 0 ? std::string("self") : std::to_string(pid)) + "/status";
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024.0;  // "  123 kB"
  }
  return makeError("NoRss", "expected a VmRSS line in " + path + "; the process may be gone");
}

Result<double> cpuSeconds(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const auto close = text.rfind(')');
  if (close == std::string::npos) {
    return makeError("NoStat",
                     "expected '<pid> (<comm>) <fields>' in " + path + "; the process may be gone");
  }
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // utime is field 14, stime 15
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double quantile(std::vector<double> samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(samples.size())));
  return samples[std::clamp<size_t>(rank, 1, samples.size()) - 1];
}

}  // namespace certchaos::bench
