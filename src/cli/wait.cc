#include "wait.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "certchaos/api/conditions.h"
#include "certchaos/kube/errors.h"
#include "progress.h"

namespace certchaos::cli {

using api::findCondition;

std::string describeCondition(const nlohmann::json& object, const std::string& type) {
  const auto* c = findCondition(object, type);
  if (c == nullptr) return "no " + type + " condition yet";
  std::string text = type + "=" + c->value("status", "?");
  if (!c->value("reason", "").empty()) text += " " + c->value("reason", "");
  if (!c->value("message", "").empty()) text += ": " + c->value("message", "");
  return text;
}

WaitState readyAtGeneration(const nlohmann::json* object, bool falseIsFinal) {
  if (object == nullptr) return {WaitState::kWaiting, "not found"};
  const auto generation = (*object)["metadata"].value("generation", std::int64_t{0});
  const auto* ready = findCondition(*object, "Ready");
  if (ready == nullptr) return {WaitState::kWaiting, "no Ready condition yet"};
  const auto observed = ready->value("observedGeneration", std::int64_t{-1});
  const std::string described = describeCondition(*object, "Ready");
  // Certificates' Ready carries observedGeneration too; an absent one counts as current.
  const bool current = observed == generation || !ready->contains("observedGeneration");
  if (!current) {
    return {WaitState::kWaiting, "generation " + std::to_string(generation) +
                                     " not observed yet (last: " + described + " at generation " +
                                     std::to_string(observed) + ")"};
  }
  const std::string status = ready->value("status", "");
  if (status == "True") return {WaitState::kDone, described};
  if (status == "False" && falseIsFinal) return {WaitState::kFailed, described};
  return {WaitState::kWaiting, described};
}

namespace {

// Requests stop at the deadline (or earlier from the caller's token).
class Deadline {
 public:
  Deadline(std::chrono::nanoseconds timeout, std::stop_token outer)
      : end_(std::chrono::steady_clock::now() + timeout),
        outer_(outer, [this] { source_.request_stop(); }),
        timer_([this] {
          std::unique_lock lock(mutex_);
          if (!cv_.wait_until(lock, end_, [this] { return done_; })) {
            expired_ = true;
            source_.request_stop();
          }
        }) {}
  ~Deadline() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    timer_.join();
  }
  std::stop_token token() const { return source_.get_token(); }
  bool expired() {
    std::lock_guard lock(mutex_);
    return expired_;
  }
  std::chrono::nanoseconds remaining() const { return end_ - std::chrono::steady_clock::now(); }

 private:
  std::chrono::steady_clock::time_point end_;
  std::stop_source source_;
  std::stop_callback<std::function<void()>> outer_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool expired_ = false;
  std::thread timer_;
};

}  // namespace

Result<nlohmann::json> waitFor(kube::Client& client, const WaitSpec& spec,
                               std::ostream& progressOut, bool terminal, std::stop_token stop) {
  Progress progress(progressOut, terminal, spec.what, spec.timeout);
  Deadline deadline(spec.timeout, stop);
  WaitState state;
  std::optional<nlohmann::json> result;

  auto judge = [&](const nlohmann::json* object) {
    state = spec.evaluate(object);
    progress.update(state.state);
    if (state.kind == WaitState::kDone && object != nullptr) result = *object;
    return state.kind == WaitState::kWaiting;
  };
  auto failure = [&](const std::string& code, const std::string& message) -> Error {
    progress.finish(code == "Timeout" ? "timed out" : "failed");
    return makeError(code, message);
  };

  const std::string fieldSelector = "metadata.name=" + spec.name;
  while (true) {
    if (deadline.token().stop_requested()) break;
    std::string resourceVersion;
    auto object = client.get(spec.resource, spec.ns, spec.name, {}, deadline.token());
    if (object) {
      resourceVersion = (*object)["metadata"].value("resourceVersion", "");
      if (!judge(&*object)) break;
    } else if (kube::isNotFound(object.error())) {
      if (!judge(nullptr)) break;
      kube::ListOptions byName;
      byName.fieldSelector = fieldSelector;
      auto list = client.list(spec.resource, spec.ns, byName, deadline.token());
      if (list) resourceVersion = list->resourceVersion;
    } else if (object.error().code == kube::codes::kCancelled) {
      break;
    } else {
      progress.update("cannot read it: " + object.error().message);
    }
    // Watch from what was read: every change wakes us; a normal end of the watch reads again.
    kube::WatchOptions options;
    options.resourceVersion = resourceVersion;
    options.fieldSelector = fieldSelector;
    options.timeout = std::chrono::seconds(std::clamp<std::int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(deadline.remaining()).count() + 1, 1,
        300));
    bool settled = false;
    auto end = client.watch(
        spec.resource, spec.ns, options,
        [&](const kube::WatchEvent& event) {
          if (event.type == kube::WatchEventType::kBookmark ||
              event.type == kube::WatchEventType::kError) {
            return true;
          }
          bool waiting =
              judge(event.type == kube::WatchEventType::kDeleted ? nullptr : &event.object);
          settled = !waiting;
          return waiting;
        },
        deadline.token());
    if (settled) break;
    if (!end && end.error().code != kube::codes::kCancelled) {
      progress.update("watch failed: " + end.error().message);
      // Not a busy loop: wait a second (or until the deadline) before reading again.
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      cv.wait_for(lock, deadline.token(), std::chrono::seconds(1), [] { return false; });
    }
  }

  if (state.kind == WaitState::kDone && result) {
    progress.finish("done after " + shortDuration(progress.elapsed()));
    return *result;
  }
  if (state.kind == WaitState::kFailed) {
    return failure("Failed",
                   spec.what.substr(0, spec.what.find(" to ")) + " failed: " + state.state);
  }
  if (stop.stop_requested() && !deadline.expired()) {
    return failure("Cancelled", "stopped while waiting for " + spec.what);
  }
  return failure("Timeout", "timed out after " + shortDuration(spec.timeout) + " waiting for " +
                                spec.what + "; last seen: " + state.state +
                                (spec.hint.empty() ? "" : "; " + spec.hint));
}

}  // namespace certchaos::cli
