#include "certchaos/localcluster/cm_backoff.h"

#include <algorithm>
#include <cmath>

#include "certchaos/common/duration.h"

namespace certchaos::localcluster {

namespace {

std::chrono::nanoseconds divided(std::chrono::nanoseconds d, double timeScale) {
  const auto ms = std::llround(std::chrono::duration<double, std::milli>(d).count() / timeScale);
  return std::chrono::milliseconds(std::max<long long>(ms, 1));
}

// The value of `flag` given as --flag=V or as --flag V, if any (the last one wins, as in Go).
std::optional<std::chrono::nanoseconds> flagValue(const std::vector<std::string>& args,
                                                  const std::string& flag) {
  std::optional<std::chrono::nanoseconds> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string text;
    if (args[i].rfind(flag + "=", 0) == 0) {
      text = args[i].substr(flag.size() + 1);
    } else if (args[i] == flag && i + 1 < args.size()) {
      text = args[i + 1];
    } else {
      continue;
    }
    if (auto d = parseGoDuration(text)) out = *d;
  }
  return out;
}

}  // namespace

CertManagerBackoff scaledBackoff(double timeScale) {
  const CertManagerBackoff production;
  if (!(timeScale > 1)) return production;
  return {divided(production.minimum, timeScale), divided(production.maximum, timeScale)};
}

CertManagerBackoff backoffOfArgs(const std::vector<std::string>& args) {
  CertManagerBackoff out;
  out.minimum = flagValue(args, kMinimumBackoffFlag).value_or(out.minimum);
  out.maximum = flagValue(args, kMaximumBackoffFlag).value_or(out.maximum);
  return out;
}

std::vector<std::string> withBackoffArgs(std::vector<std::string> args,
                                         const CertManagerBackoff& backoff) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool dropped = false;
    for (const std::string flag : {kMinimumBackoffFlag, kMaximumBackoffFlag}) {
      if (args[i].rfind(flag + "=", 0) == 0) dropped = true;
      if (args[i] == flag) {
        dropped = true;
        ++i;  // and its value
      }
      if (dropped) break;
    }
    if (!dropped) out.push_back(std::move(args[i]));
  }
  // Built by append: g++ 12 at -O2 warns falsely (-Warray-bounds) on string&& + const char*.
  for (const auto& [flag, value] : {std::pair{kMinimumBackoffFlag, backoff.minimum},
                                    std::pair{kMaximumBackoffFlag, backoff.maximum}}) {
    std::string arg = flag;
    arg.append("=").append(formatGoDuration(value));
    out.push_back(std::move(arg));
  }
  return out;
}

}  // namespace certchaos::localcluster
