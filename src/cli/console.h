// The CLI's stderr, shared by three writers: the progress of long waits (a line redrawn in place
// on a terminal), the runner's progress lines and the Kubernetes client's own log lines ("watch
// stalled, reconnecting"). Each line is written whole, and the in-place line is cleared before
// another line is printed and drawn again after it, so none lands in the middle of another.
#pragma once

#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

#include "certchaos/kube/log_sink.h"

namespace certchaos::cli {

// The line drawn in place on a terminal (a Progress): consoleLine clears it, prints, and has it
// drawn again. At most one is active at a time.
class InPlaceLine {
 public:
  virtual ~InPlaceLine() = default;
  // Clears the in-place line, runs `print` (which writes whole lines), then redraws it.
  virtual void printAbove(const std::function<void()>& print) = 0;
};
void setActiveInPlaceLine(InPlaceLine* line);
// Ends `line` being the active one (if it is) and runs `last` (its final drawing) before any
// other console line can be written.
void clearActiveInPlaceLine(InPlaceLine* line, const std::function<void()>& last);

// Writes `line` and a newline to `out` as one piece, above the active in-place line.
void consoleLine(std::ostream& out, const std::string& line);

// An ostream whose every completed line goes through consoleLine(target, ...): what the runner
// writes its progress to.
class ConsoleLineStream final : public std::ostream {
 public:
  explicit ConsoleLineStream(std::ostream& target);
  ~ConsoleLineStream() override;

 private:
  class Buffer;
  std::unique_ptr<Buffer> buffer_;
};

// "watch stalled, reconnecting (resource=secrets, resourceVersion=42)": a client log line
// (`msg="..." key=value ...`) in plain words.
std::string plainLogMessage(std::string_view message);

// While alive, the client's log lines go through the console: warnings and errors as
// "warning: ..." lines on `err`, info and debug lines only with -v; every line, with its time and
// level, also to the log file set with logTo (a run keeps it with its report). Restores stderr.
class ClientLogRouting {
 public:
  ClientLogRouting(std::ostream& err, bool verbose);
  ~ClientLogRouting();
  ClientLogRouting(const ClientLogRouting&) = delete;
  ClientLogRouting& operator=(const ClientLogRouting&) = delete;

  // Appends every client log line to `path` from now on ("" stops).
  void logTo(const std::string& path);

  // One client log line (what the kube sink calls).
  void write(kube::LogLevel level, std::string_view message);

 private:
  std::ostream& err_;
  bool verbose_;
  std::mutex mu_;
  std::ofstream file_;
};

}  // namespace certchaos::cli
