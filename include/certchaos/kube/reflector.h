// Reflector: keeps a sink in step with the server by list, then watch from the list's
// resourceVersion; resumes after a closed or stalled stream, lists again after 410 Gone, and
// backs off with jitter after errors.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "certchaos/kube/backoff.h"
#include "certchaos/kube/client.h"

namespace certchaos::kube {

class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // The full state after a list (the first, and each after 410 Gone).
  virtual void replace(std::vector<nlohmann::json> objects, const std::string& resourceVersion) = 0;
  // One ADDED, MODIFIED or DELETED event (bookmarks only move the resourceVersion).
  virtual void apply(const WatchEvent& event) = 0;
};

// Reduces an object to what its consumer reads before it is stored (client-go's TransformFunc):
// applied to every listed item as its page arrives and to every watched object, so that a cache
// of many large objects holds only the fields that matter.
using ObjectTransform = std::function<void(nlohmann::json& object)>;

struct ReflectorOptions {
  std::string labelSelector{};
  std::string fieldSelector{};
  std::int64_t pageSize = 500;
  // Each watch asks the server to end it after this long times a random factor in [1, 2),
  // so many clients do not reconnect in step (client-go does 5-10 min).
  std::chrono::seconds watchTimeout{300};
  std::chrono::milliseconds idleTimeout{120'000};
  BackoffPolicy backoff{std::chrono::milliseconds(800), std::chrono::seconds(30), 2.0, 1.0};
  ObjectTransform transform{};  // none: objects are stored whole
};

struct ReflectorStats {
  std::uint64_t lists = 0;
  std::uint64_t watches = 0;
  std::uint64_t gone = 0;    // 410s that forced a relist
  std::uint64_t stalls = 0;  // watches replaced after the idle deadline
  std::uint64_t errors = 0;  // failed lists or watches
};

class Reflector {
 public:
  Reflector(std::shared_ptr<Client> client, ResourceRef resource, std::string ns,
            ReflectorOptions options, ReflectorSink& sink);

  // Runs until stop is requested.
  void run(std::stop_token stop);

  ReflectorStats stats() const;
  std::string lastResourceVersion() const;

 private:
  // Sleeps the next backoff delay, returning early on stop.
  void waitBackoff(Backoff& backoff, std::stop_token stop);

  std::shared_ptr<Client> client_;
  const ResourceRef resource_;
  const std::string ns_;
  const ReflectorOptions options_;
  ReflectorSink& sink_;
  mutable std::mutex mu_;
  ReflectorStats stats_;
  std::string resourceVersion_;
};

}  // namespace certchaos::kube
