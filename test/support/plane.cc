#include "plane.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace certchaos::testing {

namespace {
std::string env(const char* name, const char* fallback = nullptr) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    if (fallback != nullptr) return fallback;
    ADD_FAILURE() << name << " is not set; run the tests through 'make test' (or ctest)";
    return "";
  }
  return v;
}
}  // namespace

std::string binDir() { return env("CERTCHAOS_BIN_DIR", CERTCHAOS_DEFAULT_BIN_DIR); }
std::string sourceDir() { return env("CERTCHAOS_SOURCE_DIR", CERTCHAOS_DEFAULT_SOURCE_DIR); }
std::string controlplaneDir() { return env("CERTCHAOS_CONTROLPLANE_DIR"); }

TempDir::TempDir() {
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/certchaos-test-XXXXXX";
  char* made = mkdtemp(tmpl.data());
  path_ = made != nullptr ? made : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

localcluster::CommandOutput run(const std::vector<std::string>& argv,
                                std::chrono::seconds timeout) {
  auto r = localcluster::runCommand(argv, timeout);
  if (!r) {
    ADD_FAILURE() << "running " << argv[0] << ": " << r.error().message;
    return {};
  }
  return *r;
}

localcluster::CommandOutput certchaos(const std::string& stateDir,
                                      const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binDir() + "/certchaos", "--state-dir=" + stateDir};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

localcluster::CommandOutput kubectl(const std::string& stateDir,
                                    const std::vector<std::string>& args,
                                    const std::string& input) {
  std::vector<std::string> argv = {controlplaneDir() + "/bin/kubectl",
                                   "--kubeconfig=" + stateDir + "/kubeconfig"};
  argv.insert(argv.end(), args.begin(), args.end());
  if (!input.empty()) {
    std::string file = stateDir + "/input-" + std::to_string(std::rand()) + ".yaml";
    writeFile(file, input);
    argv.push_back("-f");
    argv.push_back(file);
  }
  return run(argv);
}

std::vector<int> processesMentioning(const std::string& needle) {
  std::vector<int> pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = readdir(proc)) {
    int pid = std::atoi(entry->d_name);
    if (pid <= 0 || pid == getpid()) continue;
    std::ifstream in("/proc/" + std::string(entry->d_name) + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ifstream stat("/proc/" + std::string(entry->d_name) + "/stat");
    std::string st((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = st.rfind(')');
    bool zombie = close != std::string::npos && close + 2 < st.size() && st[close + 2] == 'Z';
    if (!zombie && cmdline.find(needle) != std::string::npos) pids.push_back(pid);
  }
  closedir(proc);
  return pids;
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace certchaos::testing
