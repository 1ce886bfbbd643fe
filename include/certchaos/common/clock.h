// Clock: the one source of time for the project, injected so tests never depend on real time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace certchaos {

using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;

  // Wall time, for timestamps written into objects and reports.
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time, for deadlines, timeouts and backoff.
  virtual SteadyTime steadyNow() const = 0;

  // Blocks the calling thread for `d` of this clock's time.
  virtual void sleepFor(std::chrono::nanoseconds d) = 0;

  // Waits on `cv` (with `lock` held by the caller) until notified or until `deadline` on this
  // clock passes. May wake spuriously, like std::condition_variable: callers re-check their
  // condition in a loop.
  virtual void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         SteadyTime deadline) = 0;
};

// The real clocks (system_clock and steady_clock).
class RealClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override;
  SteadyTime steadyNow() const override;
  void sleepFor(std::chrono::nanoseconds d) override;
  void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 SteadyTime deadline) override;
};

// A process-wide RealClock, the default wherever a Clock is optional.
Clock& realClock();

// Sleeps `d` on `clock` unless `stop` is requested first; returns false if it was.
bool sleepUnlessStopped(Clock& clock, std::chrono::nanoseconds d, std::stop_token stop);

}  // namespace certchaos
