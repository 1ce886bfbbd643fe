// Child processes of the local control plane: start detached with a log file, identify by pid
// and start time (so a recycled pid is never signalled), stop gracefully, run short commands.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "certchaos/common/result.h"

namespace certchaos::localcluster {

struct ProcessId {
  pid_t pid = 0;
  unsigned long long startTime = 0;  // /proc/<pid>/stat field 22, in clock ticks since boot
};

// Starts argv[0] in its own session with stdin from /dev/null and stdout+stderr appended to
// logPath. The process outlives the caller (it is a daemon of the plane).
Result<ProcessId> startDetached(const std::vector<std::string>& argv, const std::string& logPath,
                                const std::map<std::string, std::string>& extraEnv = {});

// True while the very process that was started (same pid and start time) runs and is no zombie.
bool isRunning(const ProcessId& id);

// SIGTERM, then SIGKILL after `grace`; returns once the process is gone.
void stopProcess(const ProcessId& id, std::chrono::milliseconds grace);

// Start time of a pid, if it exists.
std::optional<unsigned long long> processStartTime(pid_t pid);

struct CommandOutput {
  int exitCode = -1;
  std::string output;  // stdout and stderr, interleaved
};

// The first executable `program` in $PATH (else /usr/bin:/bin); `program` itself when none is,
// so that running it fails naming it. runCommand takes a path, not a name to look up.
std::string programOnPath(const std::string& program);

// Runs a short command without a shell, capturing its output; kills it after `timeout`.
Result<CommandOutput> runCommand(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout);

// The last `lines` lines of a file (for "why did it fail" messages).
std::string tailFile(const std::string& path, size_t lines);

}  // namespace certchaos::localcluster
