#include "timeline.h"

namespace certchaos::scenario {

void Timeline::add(report::Source source, std::string_view kind, std::string message,
                   std::string object, SystemTime at) {
  {
    std::lock_guard lock(mu_);
    report::TimelineEntry e;
    e.wallTime = at;
    e.source = source;
    e.kind = std::string(kind);
    e.message = std::move(message);
    e.object = std::move(object);
    entries_.push_back(std::move(e));
  }
  cv_.notify_all();
}

std::size_t Timeline::waitForNews(std::size_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return entries_.size() > seen; });
  return entries_.size();
}

void Timeline::wake() { cv_.notify_all(); }

std::vector<report::TimelineEntry> Timeline::snapshot() const {
  std::lock_guard lock(mu_);
  return entries_;
}

std::optional<report::TimelineEntry> Timeline::first(std::string_view kind) const {
  std::lock_guard lock(mu_);
  for (const auto& e : entries_) {
    if (e.kind == kind) return e;
  }
  return std::nullopt;
}

}  // namespace certchaos::scenario
