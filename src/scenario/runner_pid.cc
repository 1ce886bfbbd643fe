#include "certchaos/scenario/runner_pid.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace certchaos::scenario {

namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Field 22 of /proc/PID/stat: the start time in clock ticks after boot. The command name
// (field 2) may hold spaces and parentheses, so count from the last ')'.
std::optional<std::uint64_t> startTicks(int pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return std::nullopt;
  }
  std::uint64_t ticks = 0;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), ticks);
  if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return ticks;
}

bool isCertchaos(int pid) {
  const std::string cmdline = slurp("/proc/" + std::to_string(pid) + "/cmdline");
  const std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
  const std::string name = fs::path(argv0).filename().string();
  return name == "certchaos" || name == "kubectl-certchaos";
}

}  // namespace

std::optional<std::string> runnerPidText(int pid) {
  auto ticks = startTicks(pid);
  if (!ticks) return std::nullopt;
  return std::to_string(pid) + "\nstart=" + std::to_string(*ticks) + "\n";
}

RunnerPidFile::RunnerPidFile(std::string dir) : path_(std::move(dir) + "/" + kRunnerPidFile) {
  if (auto text = runnerPidText(static_cast<int>(::getpid()))) std::ofstream(path_) << *text;
}

RunnerPidFile::~RunnerPidFile() {
  std::error_code ec;
  fs::remove(path_, ec);
}

std::optional<int> liveRunnerPid(const std::string& dir) {
  std::istringstream text(slurp(dir + "/" + kRunnerPidFile));
  std::string pidLine, startLine;
  if (!std::getline(text, pidLine) || !std::getline(text, startLine)) return std::nullopt;
  int pid = 0;
  auto [end, ec] = std::from_chars(pidLine.data(), pidLine.data() + pidLine.size(), pid);
  if (ec != std::errc() || end != pidLine.data() + pidLine.size() || pid <= 1) return std::nullopt;
  if (startLine.rfind("start=", 0) != 0) return std::nullopt;
  const auto recorded = startTicks(pid);
  if (!recorded || "start=" + std::to_string(*recorded) != startLine) return std::nullopt;
  if (!isCertchaos(pid)) return std::nullopt;
  return pid;
}

}  // namespace certchaos::scenario
