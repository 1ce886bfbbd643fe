// Plane actions other commands reuse (demo starts the plane as `up` does).
#pragma once

#include "certchaos/localcluster/local_cluster.h"
#include "cli_context.h"

namespace certchaos::cli {

// `certchaos up`: starts the plane (or reports the running one) and prints how to use it.
int runUp(const CliContext& cli, localcluster::UpOptions options, bool withIssuer);

}  // namespace certchaos::cli
