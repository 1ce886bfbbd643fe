// The runner's side of root-rotation (scenario 17): the grace period checked against the
// Certificate before anything is applied, and the client trusts named as the report shows them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "certchaos/common/result.h"

namespace certchaos::scenario {

// The Certificate's lifetime as cert-manager requests it (spec.duration, 90 days when absent):
// the grace period must lie between 0 and it, both nominal (the time scale divides both alike).
// `grace` as given with --set; an error names the parameter, the value and the range.
Result<void> checkRotationGrace(const std::string& grace, const nlohmann::json& certificate);

// "CN=certchaos rotated root, CN=certchaos CA": the certificates of a CA bundle, in order.
std::string caBundleText(const std::string& caPem);

}  // namespace certchaos::scenario
