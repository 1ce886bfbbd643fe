#include "certchaos/common/random.h"

namespace certchaos {

double Random::uniform() {
  // 53 random bits give every double in [0, 1) on a uniform grid.
  return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
}

std::chrono::nanoseconds Random::jitter(std::chrono::nanoseconds d, double maxFactor) {
  if (maxFactor <= 0) return d;
  return d + std::chrono::nanoseconds(
                 static_cast<std::int64_t>(static_cast<double>(d.count()) * maxFactor * uniform()));
}

SeededRandom::SeededRandom() : engine_(std::random_device{}()) {}

SeededRandom::SeededRandom(std::uint64_t seed) : engine_(seed) {}

std::uint64_t SeededRandom::next() {
  std::lock_guard<std::mutex> lock(mu_);
  return engine_();
}

Random& defaultRandom() {
  static SeededRandom random;
  return random;
}

}  // namespace certchaos
