#include "certchaos/localcluster/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

namespace certchaos::localcluster {
namespace {

std::vector<char*> toArgv(const std::vector<std::string>& args) {
  std::vector<char*> out;
  out.reserve(args.size() + 1);
  for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// In a forked child, before exec: the caller's blocked signals are inherited across exec (a
// `certchaos run` blocks SIGINT and SIGTERM for its own handling while it restarts
// cm-controller), and a Go program keeps a blocked SIGTERM blocked, so `down` could only kill it.
// Async-signal-safe.
void unblockSignals() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Reaps pid if it is our own exited child, so that it does not linger as a zombie.
void reapIfChild(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, WNOHANG);
}

char processState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = content.rfind(')');
  if (close == std::string::npos || close + 2 >= content.size()) return '?';
  return content[close + 2];
}

}  // namespace

std::optional<unsigned long long> processStartTime(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return std::nullopt;
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The command name (field 2) may contain spaces; fields after it are counted from the ')'.
  auto close = content.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(content.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return std::stoull(field);
  }
  return std::nullopt;
}

Result<ProcessId> startDetached(const std::vector<std::string>& argv, const std::string& logPath,
                                const std::map<std::string, std::string>& extraEnv) {
  if (argv.empty()) return makeError("BadInput", "startDetached needs a command");
  if (access(argv[0].c_str(), X_OK) != 0) {
    return makeError("NotFound", "expected an executable at " + argv[0] + ", found " +
                                     std::strerror(errno) + "; run 'make controlplane'");
  }
  int logFd = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (logFd < 0) {
    return makeError("IO", "cannot open log file " + logPath + ": " + std::strerror(errno));
  }
  // An exec failure is reported through a close-on-exec pipe.
  int errPipe[2];
  if (pipe2(errPipe, O_CLOEXEC) != 0) {
    close(logFd);
    return makeError("IO", std::string("pipe: ") + std::strerror(errno));
  }
  auto args = toArgv(argv);
  pid_t pid = fork();
  if (pid < 0) {
    close(logFd);
    close(errPipe[0]);
    close(errPipe[1]);
    return makeError("IO", std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    unblockSignals();
    setsid();
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    dup2(logFd, STDOUT_FILENO);
    dup2(logFd, STDERR_FILENO);
    for (const auto& [k, v] : extraEnv) setenv(k.c_str(), v.c_str(), 1);
    execv(args[0], args.data());
    int err = errno;
    (void)!write(errPipe[1], &err, sizeof err);
    _exit(127);
  }
  close(logFd);
  close(errPipe[1]);
  int childErr = 0;
  ssize_t n = read(errPipe[0], &childErr, sizeof childErr);
  close(errPipe[0]);
  if (n == static_cast<ssize_t>(sizeof childErr)) {
    waitpid(pid, nullptr, 0);
    return makeError("ExecFailed", "cannot run " + argv[0] + ": " + std::strerror(childErr));
  }
  auto start = processStartTime(pid);
  return ProcessId{pid, start.value_or(0)};
}

bool isRunning(const ProcessId& id) {
  if (id.pid <= 0) return false;
  reapIfChild(id.pid);
  auto start = processStartTime(id.pid);
  if (!start || *start != id.startTime) return false;
  char state = processState(id.pid);
  return state != 'Z' && state != 'X' && state != '?';
}

void stopProcess(const ProcessId& id, std::chrono::milliseconds grace) {
  if (!isRunning(id)) return;
  kill(id.pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (isRunning(id) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (isRunning(id)) {
    kill(id.pid, SIGKILL);
    while (isRunning(id)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string programOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir;
    candidate += '/';
    candidate += program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return program;
}

Result<CommandOutput> runCommand(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout) {
  if (argv.empty()) return makeError("BadInput", "runCommand needs a command");
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return makeError("IO", std::string("pipe: ") + strerror(errno));
  auto args = toArgv(argv);
  pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    return makeError("IO", std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    unblockSignals();
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    execv(args[0], args.data());
    dprintf(STDERR_FILENO, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(out[1]);
  CommandOutput result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timedOut = false;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd pfd{out[0], POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timedOut = ready == 0;
      break;
    }
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    result.output.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  if (timedOut) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timedOut) {
    return makeError("Timeout", argv[0] + " did not finish within " +
                                    std::to_string(timeout.count() / 1000) +
                                    " s; output so far:\n" + result.output);
  }
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string tailFile(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += "    " + l + "\n";
  return out;
}

}  // namespace certchaos::localcluster
