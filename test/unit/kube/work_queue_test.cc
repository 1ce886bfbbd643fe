#include "certchaos/kube/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

#include "certchaos/common/random.h"
#include "certchaos/kube/backoff.h"
#include "certchaos/kube/rate_limiter.h"
#include "fake_clock.h"

namespace certchaos::kube {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  testing::FakeClock clock;
  WorkQueue q(clock);
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.len(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_FALSE(q.tryGet());
}

TEST(WorkQueue, KeyAddedWhileProcessingIsRequeuedOnDone) {
  testing::FakeClock clock;
  WorkQueue q(clock);
  q.add("a");
  auto key = q.get();
  q.add("a");  // while a worker holds it: not handed to a second worker
  EXPECT_FALSE(q.tryGet());
  q.done(*key);
  EXPECT_EQ(q.tryGet(), "a");
}

TEST(WorkQueue, AddAfterHoldsNoThreadAndKeepsTheEarlierTime) {
  testing::FakeClock clock;
  WorkQueue q(clock);
  q.addAfter("later", 1h);
  q.addAfter("later", 2h);  // ignored: the earlier due time stays
  q.addAfter("soon", 10s);
  EXPECT_EQ(q.waiting(), 2u);
  EXPECT_FALSE(q.tryGet());
  clock.advance(10s);
  EXPECT_EQ(q.tryGet(), "soon");
  clock.advance(59min);
  EXPECT_FALSE(q.tryGet());
  clock.advance(1min);
  EXPECT_EQ(q.tryGet(), "later");
}

TEST(WorkQueue, GetWakesWhenADelayedKeyFallsDue) {
  testing::FakeClock clock;
  WorkQueue q(clock);
  q.addAfter("k", 30s);
  std::optional<std::string> got;
  std::thread worker([&] { got = q.get(); });
  clock.advance(30s);
  worker.join();
  EXPECT_EQ(got, "k");
}

TEST(WorkQueue, RateLimitedBackoffDoublesUntilForgotten) {
  testing::FakeClock clock;
  WorkQueue q(clock, {.baseDelay = 5ms, .maxDelay = 20ms});
  for (auto expected : {5ms, 10ms, 20ms, 20ms}) {
    q.addRateLimited("k");
    clock.advance(expected - 1ms);
    EXPECT_FALSE(q.tryGet());
    clock.advance(1ms);
    auto key = q.tryGet();
    ASSERT_EQ(key, "k");
    q.done(*key);
  }
  EXPECT_EQ(q.numRequeues("k"), 4);
  q.forget("k");
  EXPECT_EQ(q.numRequeues("k"), 0);
}

TEST(WorkQueue, ShutDownWakesWorkers) {
  WorkQueue q;
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = q.get(); });
  q.shutDown();
  worker.join();
  EXPECT_FALSE(got);
  q.add("ignored");
  EXPECT_EQ(q.len(), 0u);
  EXPECT_TRUE(q.shuttingDown());
}

TEST(WorkQueue, ManyWorkersNeverShareAKey) {
  WorkQueue q;
  std::atomic<int> inFlight{0};
  std::atomic<int> processed{0};
  std::atomic<bool> overlap{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.get()) {
        if (++inFlight > 1) overlap = true;
        --inFlight;
        ++processed;
        q.done(*key);
      }
    });
  }
  for (int i = 0; i < 1000; ++i) q.add("same");
  while (q.len() > 0) std::this_thread::yield();
  q.shutDown();
  for (auto& t : workers) t.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_GE(processed.load(), 1);
}

TEST(TokenBucket, AllowsBurstThenQps) {
  testing::FakeClock clock;
  TokenBucket bucket(2, 3, clock);
  EXPECT_TRUE(bucket.tryAcquire());
  EXPECT_TRUE(bucket.tryAcquire());
  EXPECT_TRUE(bucket.tryAcquire());
  EXPECT_FALSE(bucket.tryAcquire());
  clock.advance(500ms);
  EXPECT_TRUE(bucket.tryAcquire());
  bucket.acquire();  // sleeps 500 ms of fake time
  EXPECT_EQ(clock.sleeps().back(), 500ms);
}

TEST(Backoff, GrowsCapsAndResets) {
  SeededRandom random(1);
  Backoff b({100ms, 1s, 2.0, 0.0}, random);
  EXPECT_EQ(b.next(), 100ms);
  EXPECT_EQ(b.next(), 200ms);
  EXPECT_EQ(b.next(), 400ms);
  EXPECT_EQ(b.next(), 800ms);
  EXPECT_EQ(b.next(), 1s);
  EXPECT_EQ(b.next(), 1s);
  b.reset();
  EXPECT_EQ(b.next(), 100ms);
  Backoff jittered({100ms, 1s, 2.0, 0.5}, random);
  auto d = jittered.next();
  EXPECT_GE(d, 100ms);
  EXPECT_LT(d, 150ms);
}

}  // namespace
}  // namespace certchaos::kube
