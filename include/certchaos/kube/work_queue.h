// WorkQueue: the controller's queue of keys. A key is queued at most once and handed to at most
// one worker at a time; failures are retried with per-key exponential backoff; addAfter holds a
// key for a delay without holding a thread (workers wait for the earliest due key).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "certchaos/common/clock.h"

namespace certchaos::kube {

struct WorkQueueOptions {
  // addRateLimited waits baseDelay * 2^(failures-1), capped at maxDelay (client-go's defaults).
  std::chrono::nanoseconds baseDelay = std::chrono::milliseconds(5);
  std::chrono::nanoseconds maxDelay = std::chrono::seconds(1000);
};

class WorkQueue {
 public:
  explicit WorkQueue(Clock& clock = realClock(), WorkQueueOptions options = {});

  // Queues key unless it is already queued; a key being processed is queued again on done().
  void add(const std::string& key);
  // Queues key after delay; if it already waits, the earlier time wins.
  void addAfter(const std::string& key, std::chrono::nanoseconds delay);
  // addAfter with the key's next backoff delay.
  void addRateLimited(const std::string& key);
  // Resets the key's backoff (call after a success).
  void forget(const std::string& key);
  int numRequeues(const std::string& key) const;

  // The next key, blocking until one is due; nullopt once shut down and empty.
  std::optional<std::string> get();
  // The next key if one is due now.
  std::optional<std::string> tryGet();
  // Marks key processed; re-queues it if it was added meanwhile.
  void done(const std::string& key);

  // Wakes every get(); later adds are ignored.
  void shutDown();
  bool shuttingDown() const;

  std::size_t len() const;      // keys ready to be handed out
  std::size_t waiting() const;  // keys held by addAfter

 private:
  void addLocked(const std::string& key);
  void promoteDueLocked();
  std::optional<std::string> popLocked();

  Clock& clock_;
  const WorkQueueOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;                           // queued, or to re-queue after processing
  std::set<std::string> processing_;                      // handed out, not done yet
  std::set<std::pair<SteadyTime, std::string>> waiting_;  // ordered by due time
  std::map<std::string, SteadyTime> waitingDue_;
  std::map<std::string, int> failures_;
  bool shuttingDown_ = false;
};

}  // namespace certchaos::kube
