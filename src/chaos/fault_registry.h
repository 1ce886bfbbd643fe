// The fault types the engine knows: their catalog entry and how to build one from parameters
// (private to src/chaos; each fault lives in src/chaos/faults/<type>.cc).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "certchaos/chaos/catalog.h"
#include "certchaos/chaos/fault.h"
#include "certchaos/chaos/parameters.h"

namespace certchaos::chaos {

struct FaultFactory {
  FaultTypeInfo info;
  std::shared_ptr<const Fault> (*make)(const ParameterSet& params);
};

const std::vector<const FaultFactory*>& faultFactories();
const FaultFactory* findFaultFactory(std::string_view type);

}  // namespace certchaos::chaos
