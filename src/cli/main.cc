// certchaos: the command-line tool (also `kubectl certchaos`). Each command group lives in its
// own file under src/cli/; main only builds the tree, parses, and runs the chosen command.
#include <CLI/CLI.hpp>
#include <filesystem>

#include "cli_context.h"

int main(int argc, char** argv) {
  namespace cli = certchaos::cli;
  const bool plugin = argc > 0 && std::filesystem::path(argv[0]).filename() == "kubectl-certchaos";
  CLI::App app{"certchaos: chaos engineering for certificate issuance on Kubernetes",
               plugin ? "kubectl certchaos" : "certchaos"};
  app.require_subcommand(1);
  app.fallthrough();
  cli::CliContext context;
  auto& g = context.global;
  app.add_option("--state-dir", g.stateDir,
                 "state of the local control plane (env CERTCHAOS_STATE_DIR)")
      ->capture_default_str();
  app.add_option("--kubeconfig", g.kubeconfig,
                 "kubeconfig file (default: $KUBECONFIG, else the running local plane's, else "
                 "~/.kube/config)");
  app.add_option("--context", g.context, "kubeconfig context (default: its current context)");
  app.add_option("-n,--namespace", g.ns, "namespace (default: the context's)");
  app.add_option("--runs-dir", g.runsDir, "where runs keep their reports (env CERTCHAOS_RUNS_DIR)")
      ->capture_default_str();
  app.add_flag("-v,--verbose", g.verbose, "say which kubeconfig and cluster are used");
  cli::setExamples(&app,
                   "  certchaos up && certchaos demo\n"
                   "  certchaos scenarios\n"
                   "  certchaos deploy issuer demo-issuer -n demo --scenario 3 --set delay=1h\n"
                   "  certchaos run 3 -n demo --time-scale 60 && certchaos report show 3\n"
                   "Exit codes: 0 ok, 1 error, 2 bad usage; run: by verdict (README, 'CLI').\n");

  cli::addPlaneCommands(app, context);
  cli::addScenariosCommand(app, context);
  cli::addDeployCommands(app, context);
  cli::addRenewCommand(app, context);
  cli::addRunCommands(app, context);
  cli::addReportCommands(app, context);
  cli::addAbortCommand(app, context);
  cli::addCompletionCommand(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? cli::kExitOk : cli::kExitUsage;
  }
  return context.action ? context.action() : cli::kExitUsage;
}
