#include "certchaos/kube/rate_limiter.h"

#include <algorithm>

namespace certchaos::kube {

TokenBucket::TokenBucket(double qps, int burst, Clock& clock)
    : qps_(qps),
      burst_(std::max(1, burst)),
      clock_(clock),
      tokens_(burst_),
      last_(clock.steadyNow()) {}

void TokenBucket::refill(SteadyTime now) {
  double elapsed = std::chrono::duration<double>(now - last_).count();
  if (elapsed > 0) {
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
}

void TokenBucket::acquire() {
  if (qps_ <= 0) return;
  std::chrono::nanoseconds wait{0};
  {
    std::lock_guard<std::mutex> lock(mu_);
    refill(clock_.steadyNow());
    tokens_ -= 1;  // may go negative: a reservation on a future token
    if (tokens_ < 0) {
      wait = std::chrono::nanoseconds(static_cast<std::int64_t>(-tokens_ / qps_ * 1e9));
    }
  }
  if (wait.count() > 0) clock_.sleepFor(wait);
}

bool TokenBucket::tryAcquire() {
  if (qps_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  refill(clock_.steadyNow());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace certchaos::kube
