#include "log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

#include "certchaos/kube/log_sink.h"

namespace certchaos::kube {
namespace {

LogLevel levelOf(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return LogLevel::kDebug;
    case spdlog::level::info:
      return LogLevel::kInfo;
    case spdlog::level::warn:
      return LogLevel::kWarn;
    default:
      return LogLevel::kError;
  }
}

// Hands each line to the sink set with setLogSink, else to stderr as spdlog formats it.
class RoutingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void route(LogSink sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (sink_) {
      sink_(levelOf(msg.level), std::string_view(msg.payload.data(), msg.payload.size()));
    } else {
      stderr_->log(msg);
    }
  }
  void flush_() override { stderr_->flush(); }

 private:
  LogSink sink_;
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> stderr_ =
      std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
};

std::shared_ptr<RoutingSink> routingSink() {
  static const auto sink = std::make_shared<RoutingSink>();
  return sink;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger() {
  static std::shared_ptr<spdlog::logger> log = [] {
    if (auto existing = spdlog::get("kube")) return existing;
    auto created = std::make_shared<spdlog::logger>("kube", routingSink());
    spdlog::register_logger(created);
    return created;
  }();
  return log;
}

void setLogSink(LogSink sink) { routingSink()->route(std::move(sink)); }

}  // namespace certchaos::kube
