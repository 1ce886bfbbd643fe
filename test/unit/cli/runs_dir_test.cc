// The runs directory: which runs abort may signal (runner.pid must still name the certchaos
// process that wrote it), the pid file removed on every way out, a file as --runs-dir refused.
#include "runs_dir.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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
  // A process whose argv[0] is `name` (sleep underneath), stopped at TearDown.
  pid_t spawn(const std::string& name) {
    std::string arg0 = name, seconds = "300";
    std::vector<char*> argv = {arg0.data(), seconds.data(), nullptr};
    pid_t pid = 0;
    EXPECT_EQ(::posix_spawn(&pid, "/bin/sleep", nullptr, nullptr, argv.data(), environ), 0);
    children_.push_back(pid);
    return pid;
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
  const pid_t runner = spawn("certchaos");
  auto text = scenario::runnerPidText(runner);
  ASSERT_TRUE(text);
  run("live", *text);
  // The same pid, but the file says it started at another time: a recycled pid.
  run("recycled", std::to_string(runner) + "\nstart=1\n");
  // A live process that is not certchaos, with its true start time.
  const pid_t other = spawn("sleep");
  auto otherText = scenario::runnerPidText(other);
  ASSERT_TRUE(otherText);
  run("other-program", *otherText);
  // The old format (a bare pid), garbage, and a pid that no longer runs.
  run("bare-pid", std::to_string(runner) + "\n");
  run("garbage", "not a pid\nstart=x\n");
  run("dead", "999999999\nstart=1\n");

  auto live = liveRuns(dir_);
  ASSERT_EQ(live.size(), 1u);
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
