// certchaos: the command-line tool (also `kubectl certchaos`). Each command group lives in its
// own file under src/cli/; the tree and the parse are in cli_app.cc.
#include "cli_app.h"

int main(int argc, char** argv) { return certchaos::cli::runCommandLine(argc, argv); }
