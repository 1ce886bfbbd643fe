#include "progress.h"

#include <cstdio>

#include "output.h"

namespace certchaos::cli {

std::string shortDuration(std::chrono::nanoseconds d) {
  const double seconds = std::chrono::duration<double>(d).count();
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(seconds) / 60,
                  static_cast<int>(seconds) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(seconds) / 3600,
                  static_cast<int>(seconds) % 3600 / 60);
  }
  return buf;
}

Progress::Progress(std::ostream& out, bool terminal, std::string what,
                   std::chrono::nanoseconds timeout)
    : out_(out),
      terminal_(terminal),
      what_(std::move(what)),
      timeout_(timeout),
      start_(std::chrono::steady_clock::now()) {
  if (terminal_) {
    // Active first: a line printed meanwhile goes above the first drawing, not after it.
    setActiveInPlaceLine(this);
    {
      std::lock_guard lock(mutex_);
      draw(false);
    }
    ticker_ = std::thread([this] { tick(); });
  } else {
    consoleLine(out_, "waiting for " + what_ + " (timeout " + shortDuration(timeout_) + ")");
  }
}

Progress::~Progress() {
  if (!finished_) finish("stopped");
  if (ticker_.joinable()) ticker_.join();
}

std::chrono::nanoseconds Progress::elapsed() const {
  return std::chrono::steady_clock::now() - start_;
}

void Progress::update(const std::string& state) {
  std::lock_guard lock(mutex_);
  if (state == state_ || finished_) return;
  state_ = state;
  if (terminal_) {
    draw(false);
  } else {
    consoleLine(out_, "  [" + shortDuration(elapsed()) + "] " + state);
  }
}

void Progress::printAbove(const std::function<void()>& print) {
  std::lock_guard lock(mutex_);
  if (finished_) {
    print();
    return;
  }
  out_ << "\r\033[K";
  print();
  draw(false);
}

void Progress::finish(const std::string& outcome) {
  bool first = false;
  auto last = [&] {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = first = true;
    if (terminal_) {
      state_ = outcome;
      draw(true);
    }
  };
  if (terminal_) {
    // The final line is drawn before any other console line can follow.
    clearActiveInPlaceLine(this, last);
  } else {
    last();
    if (first) consoleLine(out_, "  [" + shortDuration(elapsed()) + "] " + outcome);
  }
  wake_.notify_all();
}

void Progress::draw(bool final) {
  out_ << "\r\033[K" << (final ? "" : "… ") << "waiting for " << what_;
  // One terminal line: a long condition message would wrap and break the redraw.
  if (!state_.empty()) out_ << ": " << (final ? state_ : truncate(state_, 60));
  out_ << " (" << shortDuration(elapsed()) << " of " << shortDuration(timeout_) << ")";
  if (final) out_ << "\n";
  out_.flush();
}

void Progress::tick() {
  std::unique_lock lock(mutex_);
  while (!finished_) {
    wake_.wait_for(lock, std::chrono::seconds(1));
    if (!finished_) draw(false);
  }
}

}  // namespace certchaos::cli
