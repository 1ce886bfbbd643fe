// controller: the runner controller that executes ChaosRuns (one more process of the local
// plane, started by `up`; a Deployment on a real cluster).
#include <cstdlib>
#include <filesystem>

#include "certchaos/chaosrun/run_controller.h"
#include "cli_context.h"

namespace certchaos::cli {

void addControllerCommand(CLI::App& app, CliContext& cli) {
  auto options = std::make_shared<chaosrun::RunControllerOptions>();
  auto* cmd = app.add_subcommand(
      "controller",
      "run the runner controller: execute ChaosRuns (wait for their start conditions, run the "
      "scenario, keep the report in a ConfigMap); until SIGTERM");
  cmd->add_option("--listen-address", options->listenAddress,
                  "HOST:PORT for /healthz and /readyz (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--address-file", options->addressFile, "write the bound address here as JSON");
  cmd->add_flag("--leader-elect", options->leaderElect,
                "elect a leader on the Lease certchaos-runner (several replicas)");
  cmd->add_option("--leader-election-namespace", options->leaseNamespace, "namespace of the Lease")
      ->capture_default_str();
  setExamples(cmd,
              "  certchaos controller --runs-dir /var/lib/certchaos/runs --leader-elect\n"
              "  certchaos --state-dir /tmp/plane controller   # started so by 'certchaos up'\n");
  cmd->callback([&cli, options] {
    cli.action = [&cli, options] {
      auto o = *options;
      o.runsDir = cli.global.runsDir;
      // On the local plane the run collects the logs of the plane's processes.
      std::error_code ec;
      if (std::filesystem::exists(cli.global.stateDir + "/state.json", ec)) {
        o.stateDir = cli.global.stateDir;
      }
      const bool inCluster = cli.global.kubeconfig.empty() &&
                             std::getenv("KUBECONFIG") == nullptr &&
                             std::getenv("KUBERNETES_SERVICE_HOST") != nullptr;
      std::shared_ptr<kube::Client> client;
      if (inCluster) {
        auto c = kube::Client::inCluster();
        if (!c) return cli.fail(c.error());
        client = *c;
      } else {
        auto target = cli.connect();
        if (!target) return cli.fail(target.error());
        client = target->client;
      }
      return chaosrun::runRunController(client, o);
    };
  });
}

}  // namespace certchaos::cli
