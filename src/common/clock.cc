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

Clock& realClock() {
  static RealClock clock;
  return clock;
}

}  // namespace certchaos
