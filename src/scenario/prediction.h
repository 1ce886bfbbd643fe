// What the same fault would do with production settings (90-day certificates, cert-manager's
// 1 h first retry backoff, the Certificate's own renewBefore): the question the engineer has.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "certchaos/chaos/catalog.h"
#include "certchaos/report/report.h"

namespace certchaos::scenario {

report::Prediction predict(const chaos::ScenarioInfo& scenario,
                           const std::map<std::string, std::string>& parameters,
                           const nlohmann::json& certificate, double timeScale,
                           const report::CertManagerBackoff& backoffOfThisRun);

}  // namespace certchaos::scenario
