#include "console.h"

#include <chrono>

#include "certchaos/common/time.h"

namespace certchaos::cli {
namespace {

// Guards stderr writes and the active in-place line. Lock order: this, then a Progress's own.
std::mutex& consoleMutex() {
  static std::mutex mu;
  return mu;
}

InPlaceLine*& activeLine() {
  static InPlaceLine* line = nullptr;
  return line;
}

}  // namespace

void setActiveInPlaceLine(InPlaceLine* line) {
  std::lock_guard lock(consoleMutex());
  activeLine() = line;
}

void clearActiveInPlaceLine(InPlaceLine* line, const std::function<void()>& last) {
  std::lock_guard lock(consoleMutex());
  if (activeLine() == line) activeLine() = nullptr;
  last();
}

void consoleLine(std::ostream& out, const std::string& line) {
  std::lock_guard lock(consoleMutex());
  auto print = [&] {
    out << line << '\n';
    out.flush();
  };
  if (activeLine() != nullptr) {
    activeLine()->printAbove(print);
  } else {
    print();
  }
}

// No put area: every character reaches overflow/xsputn, so a line is handed on as soon as its
// newline is written, flushed or not.
class ConsoleLineStream::Buffer final : public std::streambuf {
 public:
  explicit Buffer(std::ostream& target) : target_(target) {
    // Constructed before this buffer, so destroyed after it: a static stream flushing its last
    // partial line at exit still finds the console's lock.
    (void)consoleMutex();
  }
  ~Buffer() override {
    if (!pending_.empty()) consoleLine(target_, pending_);
  }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    xsputn(&ch, 1);
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) {
      if (s[i] == '\n') {
        consoleLine(target_, pending_);
        pending_.clear();
      } else {
        pending_ += s[i];
      }
    }
    return n;
  }

 private:
  std::ostream& target_;
  std::string pending_;
};

ConsoleLineStream::ConsoleLineStream(std::ostream& target)
    : std::ostream(nullptr), buffer_(std::make_unique<Buffer>(target)) {
  rdbuf(buffer_.get());
}

ConsoleLineStream::~ConsoleLineStream() {
  rdbuf(nullptr);
  buffer_.reset();
}

std::string plainLogMessage(std::string_view message) {
  constexpr std::string_view kMsg = "msg=\"";
  if (message.substr(0, kMsg.size()) != kMsg) return std::string(message);
  const auto end = message.find('"', kMsg.size());
  if (end == std::string_view::npos) return std::string(message);
  std::string out(message.substr(kMsg.size(), end - kMsg.size()));
  std::string_view rest = message.substr(end + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return out;
  std::string fields;
  bool inQuotes = false;
  for (char c : rest) {
    if (c == '"') inQuotes = !inQuotes;
    fields += (c == ' ' && !inQuotes) ? std::string(", ") : std::string(1, c);
  }
  return out + " (" + fields + ")";
}

ClientLogRouting::ClientLogRouting(std::ostream& err, bool verbose) : err_(err), verbose_(verbose) {
  kube::setLogSink(
      [this](kube::LogLevel level, std::string_view message) { write(level, message); });
}

ClientLogRouting::~ClientLogRouting() { kube::setLogSink({}); }

void ClientLogRouting::logTo(const std::string& path) {
  std::lock_guard lock(mu_);
  if (file_.is_open()) file_.close();
  if (!path.empty()) file_.open(path, std::ios::app);
}

void ClientLogRouting::write(kube::LogLevel level, std::string_view message) {
  const char* name = level == kube::LogLevel::kDebug  ? "debug"
                     : level == kube::LogLevel::kInfo ? "info"
                     : level == kube::LogLevel::kWarn ? "warning"
                                                      : "error";
  {
    std::lock_guard lock(mu_);
    if (file_.is_open()) {
      file_ << formatRfc3339(std::chrono::system_clock::now(), TimePrecision::kMicroseconds)
            << " level=" << name << " " << message << '\n';
      file_.flush();
    }
  }
  if (level >= kube::LogLevel::kWarn || verbose_) {
    consoleLine(err_, std::string(name) + ": " + plainLogMessage(message));
  }
}

}  // namespace certchaos::cli
