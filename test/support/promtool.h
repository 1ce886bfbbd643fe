// Test support: Prometheus' own `promtool check metrics` on an exposition (/metrics) text.
#pragma once

#include <string>

#include "certchaos/localcluster/process.h"

namespace certchaos::testing {

// $CERTCHAOS_PROMTOOL (the Makefile sets it), else the cache's promtool/current that
// controlplane/tools/promtool/build.sh feeds (`make controlplane` builds it).
std::string promtoolPath();

// Runs `promtool check metrics` with `exposition` on its stdin. promtool exits 0 and prints
// nothing for a clean exposition; its problems (lint included) come back in `output`.
localcluster::CommandOutput promtoolCheckMetrics(const std::string& exposition);

}  // namespace certchaos::testing
