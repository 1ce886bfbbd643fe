// Watch streams: the newline-delimited JSON events of ?watch=true, parsed whatever the chunk
// boundaries, and the options and outcome of one watch request.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "certchaos/common/result.h"
#include "certchaos/kube/errors.h"

namespace certchaos::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

std::string_view toString(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  nlohmann::json object;  // the object; for kError a metav1.Status
};

// Parses one line of a watch stream: {"type": "...", "object": {...}}.
Result<WatchEvent> parseWatchEvent(std::string_view line);

// One line of a watch stream as a watch acts on it: parseWatchEvent, then an ERROR event becomes
// the Error its metav1.Status describes (code Gone for 410), and an object without apiVersion or
// kind gets `apiVersion` and `kind` (watch events of some resources leave them out). Never
// throws, whatever the server sends.
Result<WatchEvent> decodeWatchLine(std::string_view line, const RequestDescription& request,
                                   std::string_view apiVersion, std::string_view kind);

// metadata.resourceVersion of an event's object; "" when absent or not a string.
std::string resourceVersionOf(const WatchEvent& event);

// Accumulates chunks and hands out complete lines (without the '\n'). A line longer than
// maxLineBytes is an error: the stream is not a Kubernetes watch or is corrupt.
class LineBuffer {
 public:
  explicit LineBuffer(std::size_t maxLineBytes = 64u << 20) : max_(maxLineBytes) {}

  // Calls onLine for each line completed by `chunk`; stops early when onLine returns false.
  Result<void> append(std::string_view chunk, const std::function<bool(std::string_view)>& onLine);
  // Bytes of an incomplete line held back.
  std::size_t pending() const { return buffer_.size(); }

 private:
  std::size_t max_;
  std::string buffer_;
};

struct WatchOptions {
  std::string resourceVersion{};  // resume point; "" = start from the current state
  std::string labelSelector{};
  std::string fieldSelector{};
  bool allowBookmarks = true;
  // The server ends the watch after this long (a little random stretch is added by Reflector).
  std::chrono::seconds timeout{300};
  // No byte for this long means a half-open connection: the watch ends with kStalled.
  std::chrono::milliseconds idleTimeout{120'000};
};

enum class WatchEndReason {
  kClosed,   // the server ended the stream (its timeout, or a restart): resume from resourceVersion
  kStalled,  // silent past the idle deadline: reconnect and resume
  kGone,     // 410: the resourceVersion is too old: list again
  kStopped,  // the caller's stop token or handler ended it
};

std::string_view toString(WatchEndReason reason);

struct WatchEnd {
  WatchEndReason reason = WatchEndReason::kClosed;
  std::string resourceVersion;  // of the last event or bookmark seen, or the one passed in
  std::size_t events = 0;       // events delivered, bookmarks included
};

// Receives each event; return false to stop watching.
using WatchHandler = std::function<bool(const WatchEvent&)>;

}  // namespace certchaos::kube
