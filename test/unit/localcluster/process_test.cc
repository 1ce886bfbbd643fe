// Processes the plane starts do not inherit the caller's blocked signals: `certchaos run`
// blocks SIGINT and SIGTERM for its own handling and restarts cm-controller meanwhile; a Go
// program keeps a blocked SIGTERM blocked, so `down` could stop it only with SIGKILL.
#include "certchaos/localcluster/process.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace certchaos::localcluster {
namespace {

constexpr const char* kNoneBlocked = "\t0000000000000000";

// The SigBlk field of a /proc/<pid>/status text ("\t0000000000004002"), "" when there is none.
std::string sigBlk(const std::string& status) {
  const auto at = status.find("SigBlk:");
  if (at == std::string::npos) return "";
  const auto end = status.find('\n', at);
  return status.substr(at + 7, end == std::string::npos ? end : end - at - 7);
}

// SIGINT and SIGTERM blocked in this thread, as `certchaos run` blocks them.
class BlockedSignals {
 public:
  BlockedSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &previous_);
  }
  ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

 private:
  sigset_t previous_;
};

TEST(ProcessTest, SigBlkIsReadFromAStatusText) {
  EXPECT_EQ(sigBlk("SigPnd:\t0\nSigBlk:\t0000000000004002\nSigIgn:\t0\n"), "\t0000000000004002");
  EXPECT_EQ(sigBlk("Name:\tsleep\n"), "");
}

TEST(ProcessTest, ACommandRunsWithNoSignalBlockedWhateverTheCallerBlocks) {
  BlockedSignals blocked;
  auto own = runCommand({"/bin/grep", "SigBlk", "/proc/self/status"}, std::chrono::seconds(10));
  ASSERT_TRUE(own) << own.error().message;
  ASSERT_EQ(own->exitCode, 0) << own->output;
  EXPECT_EQ(sigBlk(own->output), kNoneBlocked) << own->output;
}

TEST(ProcessTest, ADetachedProcessRunsWithNoSignalBlockedAndSigtermStopsIt) {
  BlockedSignals blocked;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("certchaos-process-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  // startDetached returns once the exec succeeded: the mask read below is the program's.
  auto child = startDetached({"/bin/sleep", "600"}, (dir / "child.log").string());
  ASSERT_TRUE(child) << child.error().message;
  std::ifstream in("/proc/" + std::to_string(child->pid) + "/status");
  const std::string status((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(sigBlk(status), kNoneBlocked) << status;

  // SIGTERM alone ends it: its exit is awaited on a pidfd, at most 10 s.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child->pid, 0));
  ASSERT_GE(pidfd, 0);
  ASSERT_EQ(kill(child->pid, SIGTERM), 0);
  pollfd p{pidfd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 10'000), 1) << "SIGTERM did not end the process";
  close(pidfd);
  int wstatus = 0;
  if (waitpid(child->pid, &wstatus, WNOHANG) == child->pid) {
    EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGTERM) << wstatus;
  } else {
    stopProcess(*child, std::chrono::seconds(1));
    ADD_FAILURE() << "the process did not end on SIGTERM";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace certchaos::localcluster
