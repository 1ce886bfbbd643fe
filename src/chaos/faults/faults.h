// One declaration per fault type; each is defined in its own file beside this one.
#pragma once

#include "fault_registry.h"

namespace certchaos::chaos::faults {

const FaultFactory& rogueIssuer();
const FaultFactory& skipApproval();
const FaultFactory& sleep();
const FaultFactory& hang();
const FaultFactory& failTransient();
const FaultFactory& failPermanent();
const FaultFactory& deny();
const FaultFactory& failNoFailureTime();
const FaultFactory& rateLimit();
const FaultFactory& shortLived();
const FaultFactory& expired();
const FaultFactory& notYetValid();
const FaultFactory& expiredIntermediate();
const FaultFactory& incompleteChain();
const FaultFactory& untrustedRoot();
const FaultFactory& wrongSan();
const FaultFactory& keyMismatch();
const FaultFactory& badProfile();
const FaultFactory& corrupt();
const FaultFactory& backdated();
const FaultFactory& outageWindow();
const FaultFactory& rootRotation();
const FaultFactory& revoked();
const FaultFactory& oversized();
const FaultFactory& expiredCrossSign();
const FaultFactory& chainSwitch();

}  // namespace certchaos::chaos::faults
