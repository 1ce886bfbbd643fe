#include <gtest/gtest.h>

#include "certchaos/common/clock.h"
#include "certchaos/common/random.h"
#include "fake_clock.h"

namespace certchaos {
namespace {

using namespace std::chrono_literals;

TEST(SeededRandom, IsReproducible) {
  SeededRandom a(42), b(42);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(SeededRandom, JitterStaysInRange) {
  SeededRandom r(7);
  for (int i = 0; i < 1000; ++i) {
    auto d = r.jitter(100ms, 0.5);
    EXPECT_GE(d, 100ms);
    EXPECT_LT(d, 150ms);
    double u = r.uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(FakeClock, AdvancesOnlyWhenTold) {
  testing::FakeClock clock;
  auto t0 = clock.now();
  auto s0 = clock.steadyNow();
  clock.advance(5s);
  EXPECT_EQ(clock.now() - t0, 5s);
  clock.sleepFor(2s);
  EXPECT_EQ(clock.steadyNow() - s0, 7s);
  ASSERT_EQ(clock.sleeps().size(), 1u);
}

TEST(RealClock, WaitUntilReturnsAtDeadline) {
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  auto deadline = realClock().steadyNow() + 1ms;
  while (realClock().steadyNow() < deadline) realClock().waitUntil(cv, lock, deadline);
  SUCCEED();
}

}  // namespace
}  // namespace certchaos
