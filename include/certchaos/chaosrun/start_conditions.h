// The start conditions of a ChaosRun, read from the cluster: the Certificate's Secret holds a
// valid certificate signed by the run's issuer, and the issuer is Ready at its current
// generation. (IssuerFree, no other run on the issuer, is the controller's own knowledge.)
#pragma once

#include <string>
#include <vector>

#include "certchaos/common/time.h"
#include "certchaos/kube/client.h"
#include "certchaos/scenario/runner.h"

namespace certchaos::chaosrun {

struct StartCondition {
  std::string type;  // kCertificateSigned, kIssuerReady, kIssuerFree
  bool holds = false;
  std::string reason;
  std::string message;  // what holds, or what is awaited and what would fix it
};

// `awaitScenario`: IssuerReady also needs the issuer to carry the run's scenario (the deploy of
// the issuer with it is the trigger: spec.awaitIssuerScenario).
std::vector<StartCondition> evaluateStartConditions(kube::Client& client,
                                                    const scenario::RunOptions& run,
                                                    bool awaitScenario, SystemTime now);

bool allHold(const std::vector<StartCondition>& conditions);

}  // namespace certchaos::chaosrun
