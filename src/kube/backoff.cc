#include "certchaos/kube/backoff.h"

#include <algorithm>
#include <cmath>

namespace certchaos::kube {

std::chrono::nanoseconds Backoff::next() {
  double scaled = static_cast<double>(policy_.initial.count()) * std::pow(policy_.factor, step_);
  auto base = scaled >= static_cast<double>(policy_.max.count())
                  ? policy_.max
                  : std::chrono::nanoseconds(static_cast<std::int64_t>(scaled));
  if (base < policy_.max) ++step_;
  return std::min(random_.jitter(base, policy_.jitter), policy_.max + policy_.max / 5);
}

}  // namespace certchaos::kube
