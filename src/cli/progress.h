// Progress of a long wait: on a terminal one line redrawn every second (what is awaited, the
// state, elapsed time, deadline); elsewhere (CI, pipes) one line per state change.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

#include "console.h"

namespace certchaos::cli {

// On a terminal it is the console's in-place line: other lines (a client warning) are printed
// above it, never in its middle.
class Progress final : public InPlaceLine {
 public:
  // `what` completes "waiting for ...", e.g. "ChaosIssuer demo/ca to be Ready at generation 2".
  Progress(std::ostream& out, bool terminal, std::string what, std::chrono::nanoseconds timeout);
  ~Progress() override;
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // The awaited object's state in a few words ("Ready=False Pending: ..."); shown if it changed.
  void update(const std::string& state);
  // Ends the display with a final line ("ready after 3.2s").
  void finish(const std::string& outcome);

  std::chrono::nanoseconds elapsed() const;

  void printAbove(const std::function<void()>& print) override;

 private:
  void draw(bool final);  // terminal only; mutex held
  void tick();

  std::ostream& out_;
  bool terminal_;
  std::string what_;
  std::chrono::nanoseconds timeout_;
  std::chrono::steady_clock::time_point start_;
  std::string state_;
  bool finished_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread ticker_;
};

// "3.2s", "1m05s": short human durations for progress lines.
std::string shortDuration(std::chrono::nanoseconds d);

}  // namespace certchaos::cli
