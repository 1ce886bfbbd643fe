// FakeClock: a Clock that moves only when a test says so (advance) or when code sleeps on it.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <vector>

#include "certchaos/common/clock.h"

namespace certchaos::testing {

class FakeClock final : public Clock {
 public:
  // Starts at 2024-01-01T00:00:00Z so formatted times are stable.
  FakeClock() : wall_(std::chrono::sys_days(std::chrono::year(2024) / 1 / 1)) {}

  std::chrono::system_clock::time_point now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return wall_ + elapsed_;
  }
  SteadyTime steadyNow() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return SteadyTime() + std::chrono::hours(1) + elapsed_;
  }

  // Sleeping advances the fake time at once, so code with backoff runs instantly; the sleeps
  // are recorded for assertions.
  void sleepFor(std::chrono::nanoseconds d) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(d);
    }
    if (d > std::chrono::nanoseconds::zero()) advance(d);
  }

  // Waits for a notification or for advance() to pass the deadline. Registration happens under
  // the clock's mutex; a wake-up that slips between the caller's check and the registration is
  // recovered by a short real-time poll, so outcomes never depend on timing.
  void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 SteadyTime deadline) override {
    if (steadyNow() >= deadline) return;
    {
      std::lock_guard<std::mutex> g(mu_);
      waiters_.insert(&cv);
    }
    cv.wait_for(lock, std::chrono::milliseconds(5));
    std::lock_guard<std::mutex> g(mu_);
    waiters_.erase(&cv);
  }

  void advance(std::chrono::nanoseconds d) {
    std::vector<std::condition_variable*> waiters;
    {
      std::lock_guard<std::mutex> lock(mu_);
      elapsed_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
      waiters.assign(waiters_.begin(), waiters_.end());
    }
    for (auto* cv : waiters) cv->notify_all();
  }

  std::vector<std::chrono::nanoseconds> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point wall_;
  std::chrono::nanoseconds elapsed_{0};
  std::set<std::condition_variable*> waiters_;
  std::vector<std::chrono::nanoseconds> sleeps_;
};

}  // namespace certchaos::testing
