#include "log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace certchaos::kube {

std::shared_ptr<spdlog::logger> logger() {
  static std::shared_ptr<spdlog::logger> log = [] {
    if (auto existing = spdlog::get("kube")) return existing;
    auto created = spdlog::stderr_color_mt("kube");
    return created;
  }();
  return log;
}

}  // namespace certchaos::kube
