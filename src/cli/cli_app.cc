#include "cli_app.h"

#include <filesystem>
#include <iostream>

#include "input_checks.h"

namespace certchaos::cli {

namespace {

// The deepest subcommand the command line selected ("deploy" for `certchaos deploy foo`).
CLI::App* deepestSelected(CLI::App* app) {
  for (;;) {
    auto selected = app->get_subcommands();
    if (selected.empty()) return app;
    app = selected.front();
  }
}

std::string commandPath(const CLI::App* app) {
  std::string path;
  for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent()) {
    path.insert(0, path.empty() ? app->get_name() : app->get_name() + " ");
  }
  return path;
}

// CLI11 reports `certchaos no-such-command` as "A subcommand is required": say what was typed
// instead, and what the commands are.
bool reportUnknownCommand(CLI::App& root, std::ostream& err) {
  CLI::App* at = deepestSelected(&root);
  const auto all = [](CLI::App*) { return true; };
  if (at->get_subcommands(all).empty()) return false;
  std::string typed;
  for (const auto& word : root.remaining(/*recurse=*/true)) {
    if (!word.empty() && word[0] != '-') {
      typed = word;
      break;
    }
  }
  std::string commands;
  for (const auto* sub : at->get_subcommands(all)) {
    commands += (commands.empty() ? "" : ", ") + sub->get_name();
  }
  const std::string path = commandPath(at);
  const std::string program = root.get_name() + (path.empty() ? "" : " " + path);
  err << "error: expected a command of '" << program << "' (" << commands << "), found "
      << (typed.empty() ? std::string("none") : "'" + typed + "', which is none of them")
      << "\nRun '" << program << " --help' for usage and examples.\n";
  return true;
}

}  // namespace

void buildCommandTree(CLI::App& app, CliContext& context) {
  app.require_subcommand(1);
  app.fallthrough();
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
  setExamples(&app,
              "  certchaos up && certchaos demo\n"
              "  certchaos scenarios\n"
              "  certchaos deploy issuer demo-issuer -n demo --scenario 3 --set delay=1h\n"
              "  certchaos run 3 -n demo --time-scale 60 && certchaos report show 3\n"
              "Exit codes: 0 ok, 1 error, 2 bad usage; run: by verdict (README, 'CLI').\n");

  addPlaneCommands(app, context);
  addScenariosCommand(app, context);
  addDeployCommands(app, context);
  addRenewCommand(app, context);
  addRunCommands(app, context);
  addControllerCommand(app, context);
  addReportCommands(app, context);
  addAbortCommand(app, context);
  addCompletionCommand(app, context);
}

int runCommandLine(int argc, char** argv) {
  const bool plugin = argc > 0 && std::filesystem::path(argv[0]).filename() == "kubectl-certchaos";
  CLI::App app{"certchaos: chaos engineering for certificate issuance on Kubernetes",
               plugin ? "kubectl certchaos" : "certchaos"};
  CliContext context;
  buildCommandTree(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const bool missingCommand = dynamic_cast<const CLI::RequiredError*>(&e) != nullptr ||
                                dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr;
    if (missingCommand && reportUnknownCommand(app, context.err())) return kExitUsage;
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!context.global.ns.empty()) {
    if (auto valid = checkNamespaceName(context.global.ns, "-n/--namespace"); !valid) {
      return context.usage(valid.error().message, commandPath(deepestSelected(&app)));
    }
  }
  if (!context.action) return kExitUsage;
  // Client warnings ("watch stalled, reconnecting") through the console, above any progress.
  ClientLogRouting clientLog(context.err(), context.global.verbose);
  context.clientLog = &clientLog;
  return context.action();
}

}  // namespace certchaos::cli
