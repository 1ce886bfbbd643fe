// Backoff: exponential delays with jitter, for retries and reconnects.
#pragma once

#include <chrono>

#include "certchaos/common/random.h"

namespace certchaos::kube {

struct BackoffPolicy {
  std::chrono::nanoseconds initial = std::chrono::milliseconds(200);
  std::chrono::nanoseconds max = std::chrono::seconds(30);
  double factor = 2.0;
  double jitter = 0.2;  // each delay is stretched by up to this fraction, at random
};

class Backoff {
 public:
  Backoff(BackoffPolicy policy, Random& random) : policy_(policy), random_(random) {}

  // The next delay: initial, initial*factor, ... capped at max, each jittered.
  std::chrono::nanoseconds next();
  void reset() { step_ = 0; }

 private:
  BackoffPolicy policy_;
  Random& random_;
  int step_ = 0;
};

}  // namespace certchaos::kube
