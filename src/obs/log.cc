#include "certchaos/obs/log.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <iostream>

namespace certchaos::obs {
namespace {

std::mutex& outputMutex() {
  static std::mutex mu;
  return mu;
}

std::atomic<Level>& minimumLevel() {
  static std::atomic<Level> level{Level::kInfo};
  return level;
}

const char* levelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms.count()));
  return buf;
}

}  // namespace

Logger::Logger(std::string name, std::ostream* out) : name_(std::move(name)), out_(out) {}

void Logger::setMinimumLevel(Level level) { minimumLevel() = level; }

void Logger::log(Level level, std::string_view msg, const nlohmann::json& fields) const {
  if (level < minimumLevel().load()) return;
  nlohmann::json line = {
      {"ts", timestamp()}, {"level", levelName(level)}, {"logger", name_}, {"msg", msg}};
  if (fields.is_object()) {
    for (const auto& [k, v] : fields.items()) line[k] = v;
  }
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(outputMutex());
  std::ostream& out = out_ != nullptr ? *out_ : std::cerr;
  out << text << '\n';
  out.flush();
}

}  // namespace certchaos::obs
