// The certchaos command tree and the run of one command line: what main does, reachable from
// tests (the --help examples are parsed by a unit test).
#pragma once

#include <CLI/CLI.hpp>

#include "cli_context.h"

namespace certchaos::cli {

// The global flags (kubectl's) and every command group, on `app`.
void buildCommandTree(CLI::App& app, CliContext& context);

// Parses argv and runs the chosen command; returns the exit code. Usage errors (unknown command
// or flag, malformed value, a namespace that is no namespace name) exit kExitUsage.
int runCommandLine(int argc, char** argv);

}  // namespace certchaos::cli
