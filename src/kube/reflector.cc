#include "certchaos/kube/reflector.h"

#include "log.h"

namespace certchaos::kube {

using namespace std::chrono_literals;

Reflector::Reflector(std::shared_ptr<Client> client, ResourceRef resource, std::string ns,
                     ReflectorOptions options, ReflectorSink& sink)
    : client_(std::move(client)),
      resource_(std::move(resource)),
      ns_(std::move(ns)),
      options_(std::move(options)),
      sink_(sink) {}

ReflectorStats Reflector::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::string Reflector::lastResourceVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resourceVersion_;
}

void Reflector::waitBackoff(Backoff& backoff, std::stop_token stop) {
  sleepUnlessStopped(client_->clock(), backoff.next(), stop);
}

void Reflector::run(std::stop_token stop) {
  Backoff backoff(options_.backoff, client_->random());
  bool needList = true;
  std::string rv;
  while (!stop.stop_requested()) {
    if (needList) {
      ListOptions list;
      list.labelSelector = options_.labelSelector;
      list.fieldSelector = options_.fieldSelector;
      list.limit = options_.pageSize;
      auto listed = client_->listAll(resource_, ns_, list, stop, options_.transform);
      if (!listed.ok()) {
        if (stop.stop_requested()) return;
        {
          std::lock_guard<std::mutex> lock(mu_);
          ++stats_.errors;
        }
        logger()->warn("msg=\"list failed, backing off\" resource={} error=\"{}\"",
                       resource_.qualifiedName(), listed.error().message);
        waitBackoff(backoff, stop);
        continue;
      }
      rv = listed->resourceVersion;
      sink_.replace(std::move(listed->items), rv);
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.lists;
        resourceVersion_ = rv;
      }
      needList = false;
    }

    WatchOptions watch;
    watch.resourceVersion = rv;
    watch.labelSelector = options_.labelSelector;
    watch.fieldSelector = options_.fieldSelector;
    watch.allowBookmarks = true;
    watch.timeout = std::chrono::duration_cast<std::chrono::seconds>(
        client_->random().jitter(options_.watchTimeout, 1.0));
    watch.idleTimeout = options_.idleTimeout;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.watches;
    }
    auto started = client_->clock().steadyNow();
    auto ended = client_->watch(
        resource_, ns_, watch,
        [&](const WatchEvent& event) {
          if (event.type != WatchEventType::kBookmark) {
            if (options_.transform) {
              WatchEvent lean{event.type, event.object};
              options_.transform(lean.object);
              sink_.apply(lean);
            } else {
              sink_.apply(event);
            }
          }
          auto meta = event.object.find("metadata");
          if (meta != event.object.end() && meta->is_object()) {
            std::string eventRv = meta->value("resourceVersion", "");
            if (!eventRv.empty()) {
              std::lock_guard<std::mutex> lock(mu_);
              resourceVersion_ = eventRv;
            }
          }
          return !stop.stop_requested();
        },
        stop);
    if (stop.stop_requested()) return;
    if (!ended.ok()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.errors;
      }
      logger()->warn(
          "msg=\"watch failed, backing off\" resource={} resourceVersion={} "
          "error=\"{}\"",
          resource_.qualifiedName(), rv, ended.error().message);
      waitBackoff(backoff, stop);
      continue;  // resume from the same resourceVersion; a 410 on resume forces a relist
    }
    rv = ended->resourceVersion;
    switch (ended->reason) {
      case WatchEndReason::kStopped:
        return;
      case WatchEndReason::kGone: {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.gone;
        needList = true;
        logger()->info("msg=\"resourceVersion expired (410), listing again\" resource={}",
                       resource_.qualifiedName());
        break;
      }
      case WatchEndReason::kStalled: {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.stalls;
        logger()->warn("msg=\"watch stalled, reconnecting\" resource={} resourceVersion={}",
                       resource_.qualifiedName(), rv);
        break;
      }
      case WatchEndReason::kClosed:
        // A server that closes at once, again and again, must not be hammered.
        if (ended->events == 0 && client_->clock().steadyNow() - started < 1s) {
          waitBackoff(backoff, stop);
        } else {
          backoff.reset();
        }
        break;
    }
  }
}

}  // namespace certchaos::kube
