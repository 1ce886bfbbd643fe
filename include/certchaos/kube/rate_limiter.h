// TokenBucket: the client-side request rate limit (QPS with a burst), like client-go's.
#pragma once

#include <mutex>

#include "certchaos/common/clock.h"

namespace certchaos::kube {

class TokenBucket {
 public:
  // qps <= 0 disables the limit.
  TokenBucket(double qps, int burst, Clock& clock);

  // Takes a token, sleeping on the clock until one is due. Callers are served in arrival order:
  // each reserves the next token and sleeps outside the lock.
  void acquire();
  // Takes a token only if one is available now.
  bool tryAcquire();

 private:
  void refill(SteadyTime now);

  const double qps_;
  const double burst_;
  Clock& clock_;
  std::mutex mu_;
  double tokens_;
  SteadyTime last_;
};

}  // namespace certchaos::kube
