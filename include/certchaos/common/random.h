// Random: the one source of randomness (jitter, fault probabilities), injected and seedable so
// every run can be replayed.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace certchaos {

class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed 64-bit value.
  virtual std::uint64_t next() = 0;

  // Uniform in [0, 1).
  double uniform();
  // `d` stretched by a random factor in [1, 1 + maxFactor): client-go's wait.Jitter.
  std::chrono::nanoseconds jitter(std::chrono::nanoseconds d, double maxFactor);
};

// A thread-safe mt19937_64. The default seed comes from std::random_device.
class SeededRandom final : public Random {
 public:
  SeededRandom();
  explicit SeededRandom(std::uint64_t seed);
  std::uint64_t next() override;

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

// A process-wide SeededRandom with a random seed, the default wherever a Random is optional.
Random& defaultRandom();

}  // namespace certchaos
