#include "certchaos/common/clock.h"

#include <thread>

namespace certchaos {

std::chrono::system_clock::time_point RealClock::now() const {
  return std::chrono::system_clock::now();
}

SteadyTime RealClock::steadyNow() const { return std::chrono::steady_clock::now(); }

void RealClock::sleepFor(std::chrono::nanoseconds d) {
  if (d > std::chrono::nanoseconds::zero()) std::this_thread::sleep_for(d);
}

void RealClock::waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          SteadyTime deadline) {
  cv.wait_until(lock, deadline);
}

bool sleepUnlessStopped(Clock& clock, std::chrono::nanoseconds d, std::stop_token stop) {
  auto deadline = clock.steadyNow() + d;
  std::mutex mu;
  std::condition_variable cv;
  std::stop_callback wake(stop, [&] {
    std::lock_guard<std::mutex> lock(mu);
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  while (!stop.stop_requested() && clock.steadyNow() < deadline)
    clock.waitUntil(cv, lock, deadline);
  return !stop.stop_requested();
}

Clock& realClock() {
  static RealClock clock;
  return clock;
}

}  // namespace certchaos
