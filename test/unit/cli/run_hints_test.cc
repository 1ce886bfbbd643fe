// Issue 13: the hints after a run dropped --runs-dir and --state-dir, so "show it again" looked
// in the default runs directory.
#include "run_hints.h"

#include <gtest/gtest.h>

namespace certchaos::cli {
namespace {

TEST(RunHintsTest, DefaultsGiveThePlainCommand) {
  GlobalOptions global;
  EXPECT_EQ(certchaosCommand(global), "certchaos");
}

TEST(RunHintsTest, NonDefaultDirectoriesAreCarried) {
  GlobalOptions global;
  global.stateDir = "/tmp/plane";
  global.runsDir = "/tmp/my runs";
  EXPECT_EQ(certchaosCommand(global), "certchaos --state-dir /tmp/plane --runs-dir '/tmp/my runs'");
  global.stateDir = localcluster::defaultStateDir();
  EXPECT_EQ(certchaosCommand(global), "certchaos --runs-dir '/tmp/my runs'");
}

}  // namespace
}  // namespace certchaos::cli
