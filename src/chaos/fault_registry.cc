#include "fault_registry.h"

#include "faults/faults.h"

namespace certchaos::chaos {

const std::vector<const FaultFactory*>& faultFactories() {
  static const std::vector<const FaultFactory*> kAll = {
      &faults::rogueIssuer(),
      &faults::skipApproval(),
      &faults::sleep(),
      &faults::hang(),
      &faults::failTransient(),
      &faults::failPermanent(),
      &faults::deny(),
      &faults::failNoFailureTime(),
      &faults::rateLimit(),
      &faults::shortLived(),
      &faults::expired(),
      &faults::notYetValid(),
      &faults::expiredIntermediate(),
      &faults::incompleteChain(),
      &faults::untrustedRoot(),
      &faults::wrongSan(),
      &faults::keyMismatch(),
      &faults::badProfile(),
      &faults::corrupt(),
      &faults::backdated(),
      &faults::outageWindow(),
      &faults::rootRotation(),
      &faults::revoked(),
      &faults::oversized(),
      &faults::expiredCrossSign(),
      &faults::chainSwitch(),
  };
  return kAll;
}

const FaultFactory* findFaultFactory(std::string_view type) {
  for (const auto* f : faultFactories()) {
    if (f->info.type == type) return f;
  }
  return nullptr;
}

}  // namespace certchaos::chaos
