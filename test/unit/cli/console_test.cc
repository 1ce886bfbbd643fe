// Issue 13: a client warning ("watch stalled, reconnecting") landed on stderr in the middle of the
// progress lines. Through the console it is a whole line of its own, printed above a terminal's
// in-place progress line (which is drawn again after it), and kept in the run's client log.
#include "console.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "progress.h"

namespace certchaos::cli {
namespace {

using kube::LogLevel;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kStall =
    R"(msg="watch stalled, reconnecting" resource=secrets resourceVersion=42)";

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

TEST(ConsoleTest, ClientLogLinesReadAsPlainWords) {
  EXPECT_EQ(plainLogMessage(kStall),
            "watch stalled, reconnecting (resource=secrets, resourceVersion=42)");
  EXPECT_EQ(plainLogMessage(R"(msg="401, re-reading credentials" source="exec plugin x")"),
            R"(401, re-reading credentials (source="exec plugin x"))");
  EXPECT_EQ(plainLogMessage(R"(msg="done")"), "done");
  EXPECT_EQ(plainLogMessage("not key=value"), "not key=value");
}

// A terminal's progress line is cleared, the warning printed on a line of its own, and the
// progress drawn again: never "... (1.0s of 1m00s)warning: ...".
TEST(ConsoleTest, AWarningGoesAboveATerminalProgressLine) {
  std::ostringstream err;
  ClientLogRouting routing(err, /*verbose=*/false);
  ::testing::internal::CaptureStderr();
  {
    Progress progress(err, /*terminal=*/true, "ChaosIssuer demo/x to be Ready",
                      std::chrono::minutes(1));
    progress.update("Ready=False Pending");
    routing.write(LogLevel::kWarn, kStall);
    progress.finish("ready after 1.0s");
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "") << "nothing straight to stderr";
  const std::string out = err.str();
  const std::string warning =
      "\r\033[Kwarning: watch stalled, reconnecting (resource=secrets, resourceVersion=42)\n";
  const auto at = out.find(warning);
  ASSERT_NE(at, std::string::npos) << out;
  EXPECT_THAT(out.substr(at + warning.size()), HasSubstr("\r\033[K… waiting for ChaosIssuer"))
      << "the progress line is drawn again below the warning";
  EXPECT_THAT(out, Not(HasSubstr(")warning:")));
}

// Lines written by the runner's progress stream and warnings from other threads stay whole.
TEST(ConsoleTest, ProgressLinesAndWarningsFromManyThreadsStayWhole) {
  std::ostringstream err;
  ClientLogRouting routing(err, false);
  {
    ConsoleLineStream progress(err);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          if (t % 2 == 0) {
            routing.write(LogLevel::kWarn, kStall);
          } else {
            // The runner writes a line in pieces.
            static std::mutex streamMu;  // an ostream is not for concurrent use; lines are
            std::lock_guard lock(streamMu);
            progress << "run " << t << ": renewal of Certificate demo/app forced; " << i
                     << std::endl;
          }
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  int warnings = 0, progressLines = 0;
  for (const auto& line : linesOf(err.str())) {
    if (line == "warning: watch stalled, reconnecting (resource=secrets, resourceVersion=42)") {
      ++warnings;
    } else {
      EXPECT_THAT(line, StartsWith("run ")) << "a mixed line: " << line;
      EXPECT_THAT(line, HasSubstr("forced; ")) << line;
      ++progressLines;
    }
  }
  EXPECT_EQ(warnings, 400);
  EXPECT_EQ(progressLines, 400);
}

TEST(ConsoleTest, InfoOnlyWithVerboseAndEveryLineInTheLogFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("console-test-" + std::to_string(::getpid()) + ".log");
  std::ostringstream quiet, verbose;
  {
    ClientLogRouting routing(quiet, false);
    routing.logTo(path.string());
    routing.write(LogLevel::kInfo, R"(msg="resourceVersion expired (410), listing again")");
    routing.write(LogLevel::kWarn, kStall);
    routing.logTo("");
    routing.write(LogLevel::kWarn, R"(msg="after the run")");
  }
  EXPECT_EQ(linesOf(quiet.str()).size(), 2u) << quiet.str();
  EXPECT_THAT(quiet.str(), Not(HasSubstr("410")));
  {
    ClientLogRouting routing(verbose, true);
    routing.write(LogLevel::kInfo, R"(msg="resourceVersion expired (410), listing again")");
  }
  EXPECT_THAT(verbose.str(), HasSubstr("info: resourceVersion expired (410), listing again"));
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  auto lines = linesOf(text);
  ASSERT_EQ(lines.size(), 2u) << text;
  EXPECT_THAT(lines[0], HasSubstr("Z level=info msg=\"resourceVersion expired (410)"));
  EXPECT_THAT(lines[1], HasSubstr("Z level=warning " + std::string(kStall)));
}

}  // namespace
}  // namespace certchaos::cli
