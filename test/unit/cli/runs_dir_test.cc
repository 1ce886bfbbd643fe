// The runs directory: which runs abort may signal (runner.pid must still name the certchaos
// process that wrote it), the pid file removed on every way out, a file as --runs-dir refused.
#include "runs_dir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "certchaos/scenario/runner_pid.h"

extern char** environ;

namespace certchaos::cli {
namespace {

namespace fs = std::filesystem;

class RunsDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "certchaos-runs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (pid_t pid : children_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  // The fake runner (a program named certchaos) with argv[0] `name`; returns once it runs, that
  // is once its exec is done, and stops it at TearDown.
  pid_t spawn(const std::string& name) {
    int ready[2];
    EXPECT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, ready[1], 1);
    std::string arg0 = name;
    std::vector<char*> argv = {arg0.data(), nullptr};
    pid_t pid = 0;
    EXPECT_EQ(::posix_spawn(&pid, CERTCHAOS_FAKE_RUNNER, &actions, nullptr, argv.data(), environ),
              0);
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(ready[1]);
    char line[6] = {};
    EXPECT_EQ(::read(ready[0], line, sizeof line), 6) << "the fake runner did not start";
    ::close(ready[0]);
    children_.push_back(pid);
    return pid;
  }
  // What /proc says about pid, for a failure message.
  static std::string procOf(pid_t pid) {
    std::stringstream cmdlineText;
    cmdlineText << std::ifstream("/proc/" + std::to_string(pid) + "/cmdline").rdbuf();
    std::string cmdline = cmdlineText.str(), stat;
    std::getline(std::ifstream("/proc/" + std::to_string(pid) + "/stat"), stat);
    for (char& c : cmdline) c = c == '\0' ? ' ' : c;
    return "cmdline: " + cmdline + "\nstat: " + stat;
  }
  std::string run(const std::string& id, const std::string& pidText) {
    const std::string runDir = dir_ + "/" + id;
    fs::create_directories(runDir);
    std::ofstream(runDir + "/runner.pid") << pidText;
    return runDir;
  }
  std::string dir_;
  std::vector<pid_t> children_;
};

TEST_F(RunsDirTest, OnlyARunnerPidThatStillNamesItsCertchaosProcessIsLive) {
  const pid_t runner = spawn(CERTCHAOS_FAKE_RUNNER);
  auto text = scenario::runnerPidText(runner);
  ASSERT_TRUE(text);
  run("live", *text);
  // The same pid, but the file says it started at another time: a recycled pid.
  run("recycled", std::to_string(runner) + "\nstart=1\n");
  // A live process that is not certchaos, with its true start time.
  const pid_t other = spawn("sleep");  // argv[0] names another program
  auto otherText = scenario::runnerPidText(other);
  ASSERT_TRUE(otherText);
  run("other-program", *otherText);
  // The old format (a bare pid), garbage, and a pid that no longer runs.
  run("bare-pid", std::to_string(runner) + "\n");
  run("garbage", "not a pid\nstart=x\n");
  run("dead", "999999999\nstart=1\n");

  auto live = liveRuns(dir_);
  ASSERT_EQ(live.size(), 1u) << "runner.pid: " << *text << procOf(runner);
  EXPECT_EQ(live[0].id, "live");
  EXPECT_EQ(live[0].pid, runner);
}

TEST_F(RunsDirTest, ThePidFileIsRemovedWhenTheRunEndsWhateverTheWay) {
  const std::string runDir = dir_ + "/run";
  fs::create_directories(runDir);
  {
    scenario::RunnerPidFile pidFile(runDir);
    ASSERT_TRUE(fs::exists(runDir + "/runner.pid"));
  }
  EXPECT_FALSE(fs::exists(runDir + "/runner.pid"));
  try {
    scenario::RunnerPidFile pidFile(runDir);
    throw std::runtime_error("start check failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(fs::exists(runDir + "/runner.pid"));
}

TEST_F(RunsDirTest, AFileInPlaceOfTheRunsDirectoryIsAnError) {
  EXPECT_TRUE(checkRunsDir(dir_));
  EXPECT_TRUE(checkRunsDir(dir_ + "/not-yet"));
  std::ofstream(dir_ + "/file") << "x";
  auto bad = checkRunsDir(dir_ + "/file");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("expected a directory"), std::string::npos);
  EXPECT_NE(bad.error().message.find("found a file"), std::string::npos);
}

}  // namespace
}  // namespace certchaos::cli
