// Structured logs: one JSON object per line ({"ts","level","logger","msg",...fields}), the format
// the runner collects and the report quotes. Never pass a key, token or Secret value as a field.
#pragma once

#include <iosfwd>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace certchaos::obs {

enum class Level { kDebug, kInfo, kWarn, kError };

class Logger {
 public:
  // `out` must outlive the logger; lines are written whole, under a lock shared by all loggers.
  explicit Logger(std::string name, std::ostream* out = nullptr);

  void log(Level level, std::string_view msg, const nlohmann::json& fields = {}) const;
  void debug(std::string_view msg, const nlohmann::json& fields = {}) const {
    log(Level::kDebug, msg, fields);
  }
  void info(std::string_view msg, const nlohmann::json& fields = {}) const {
    log(Level::kInfo, msg, fields);
  }
  void warn(std::string_view msg, const nlohmann::json& fields = {}) const {
    log(Level::kWarn, msg, fields);
  }
  void error(std::string_view msg, const nlohmann::json& fields = {}) const {
    log(Level::kError, msg, fields);
  }

  static void setMinimumLevel(Level level);

 private:
  std::string name_;
  std::ostream* out_;
};

}  // namespace certchaos::obs
