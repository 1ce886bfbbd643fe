// runner.pid in a run's directory: which process runs the run, so that `certchaos abort` can stop
// it, and never signal anything else (a recycled pid, another program).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace certchaos::scenario {

inline constexpr const char* kRunnerPidFile = "runner.pid";

// The file's text for process `pid`: "PID\nstart=TICKS\n", TICKS being when the process started
// (/proc/PID/stat, field 22), which a recycled pid does not share. nullopt if pid is not running.
std::optional<std::string> runnerPidText(int pid);

// Writes <dir>/runner.pid for this process and removes it when destroyed: a run that returns
// early (a failed start check) or throws leaves no pid behind.
class RunnerPidFile {
 public:
  explicit RunnerPidFile(std::string dir);
  ~RunnerPidFile();
  RunnerPidFile(const RunnerPidFile&) = delete;
  RunnerPidFile& operator=(const RunnerPidFile&) = delete;

 private:
  std::string path_;
};

// The pid of <dir>/runner.pid if it still names the process that wrote it: alive, started at the
// recorded time, and a certchaos binary (argv[0] certchaos or kubectl-certchaos). Else nullopt.
std::optional<int> liveRunnerPid(const std::string& dir);

}  // namespace certchaos::scenario
