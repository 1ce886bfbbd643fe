// The commands a run's output suggests ("show it again: ..."), carrying the global flags that
// chose where the run went: a hint without --runs-dir or --state-dir would look elsewhere.
#pragma once

#include <string>

#include "cli_context.h"

namespace certchaos::cli {

// "certchaos" plus --state-dir and --runs-dir when they differ from the defaults.
std::string certchaosCommand(const GlobalOptions& global);

}  // namespace certchaos::cli
