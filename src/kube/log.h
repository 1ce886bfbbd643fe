// The kube module's logger (spdlog, key=value messages). Never log a token, key or certificate.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace certchaos::kube {

std::shared_ptr<spdlog::logger> logger();

}  // namespace certchaos::kube
