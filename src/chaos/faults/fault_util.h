// Helpers shared by the fault files (private to src/chaos/faults).
#pragma once

#include <memory>
#include <string>

#include "certchaos/chaos/fault.h"
#include "certchaos/chaos/parameters.h"
#include "certchaos/common/duration.h"

namespace certchaos::chaos::faults {

// "1h0m0s", or "1h (1m0s at time scale 60)" when the scenario is time-compressed.
inline std::string durationText(const ParameterSet& params, const std::string& name) {
  const std::string wall = formatGoDuration(params.duration(name));
  if (params.timeScale() == 1) return wall;
  return params.nominal().at(name) + " (" + wall + " at time scale " +
         std::to_string(params.timeScale()) + ")";
}

template <typename T>
std::shared_ptr<const Fault> make(const ParameterSet& params) {
  return std::make_shared<const T>(params);
}

}  // namespace certchaos::chaos::faults
