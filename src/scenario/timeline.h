// Timeline: the observations of one run, recorded from several threads (informer handlers, the
// probe loop, the runner), each with its wall time; the runner waits on it for news.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "certchaos/common/time.h"
#include "certchaos/report/report.h"

namespace certchaos::scenario {

class Timeline {
 public:
  void add(report::Source source, std::string_view kind, std::string message,
           std::string object = "", SystemTime at = std::chrono::system_clock::now());
  // Waits until something new is added or `timeout` passes; returns the number of entries.
  std::size_t waitForNews(std::size_t seen, std::chrono::milliseconds timeout);
  std::vector<report::TimelineEntry> snapshot() const;
  // The first entry of `kind`, if any.
  std::optional<report::TimelineEntry> first(std::string_view kind) const;
  void wake();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<report::TimelineEntry> entries_;
};

}  // namespace certchaos::scenario
