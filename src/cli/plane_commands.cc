// up, down, status, kubeconfig: the local control plane.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "certchaos/common/duration.h"
#include "cli_context.h"
#include "plane_actions.h"

namespace certchaos::cli {

namespace lc = localcluster;

int runUp(const CliContext& cli, lc::UpOptions options, bool withIssuer) {
  lc::LocalCluster cluster(cli.global.stateDir);
  const std::string deploy = deployDir();
  if (options.crdDirs.empty() && !deploy.empty()) options.crdDirs.push_back(deploy + "/crds");
  if (options.deployDir.empty()) options.deployDir = deploy;
  if (withIssuer && options.issuerBinary.empty()) {
    options.issuerBinary = selfDir() + "/certchaos-issuer";
  }
  if (withIssuer && options.runnerBinary.empty()) options.runnerBinary = selfDir() + "/certchaos";
  // `make images` writes them beside bin/ in the build directory.
  if (options.node && options.imagesDir.empty()) options.imagesDir = selfDir() + "/../images";
  if (options.node && !options.issuerArgs.empty()) {
    return cli.usage(
        "--issuer-arg: expected it without --node, found both; on a node plane the issuer is "
        "installed with the Helm chart: set its values instead (helm upgrade certchaos-issuer "
        "deploy/chart/certchaos-issuer --reuse-values --set kubeApiQps=1000)",
        "up");
  }
  if (!withIssuer && !options.issuerArgs.empty()) {
    return cli.usage(
        "--issuer-arg: expected an issuer to pass it to, found --no-issuer; drop one of the two",
        "up");
  }
  if (withIssuer && options.deployDir.empty()) {
    return cli.fail({"NotFound",
                     "expected certchaos's deploy/ directory (CRDs and RBAC) next to the "
                     "binary, found none; pass --deploy-dir or --no-issuer"});
  }
  auto begin = std::chrono::steady_clock::now();
  auto state = cluster.up(options, std::cout);
  if (!state) return cli.fail(state.error());
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", secs);
  std::cout << "Local control plane ready in " << took << " s: " << state->apiserverUrl << "\n"
            << "kubeconfig: " << state->kubeconfigPath << "\n"
            << "  export KUBECONFIG=" << state->kubeconfigPath << "\n";
  return kExitOk;
}

namespace {

int runDown(const CliContext& cli) {
  lc::LocalCluster cluster(cli.global.stateDir);
  auto r = cluster.down(std::cout);
  return r ? kExitOk : cli.fail(r.error());
}

// The back-off cert-manager retries failed issuances with, and whether a run scaled it.
std::string backoffStatusLine(const lc::BackoffStatus& b) {
  std::string line = "cert-manager back-off: " + formatGoDuration(b.inForce.minimum) +
                     " minimum, " + formatGoDuration(b.inForce.maximum) + " maximum";
  if (!b.restore) return line;
  std::string pids;
  for (pid_t p : b.liveHolders) pids += (pids.empty() ? "" : ", ") + std::to_string(p);
  const std::string restore =
      formatGoDuration(b.restore->minimum) + "/" + formatGoDuration(b.restore->maximum);
  if (!pids.empty())
    return line + " (scaled for the run of pid " + pids + "; " + restore + " again after it)";
  return line + " (scaled for a run that no longer runs: 'certchaos up' restores " + restore + ")";
}

int runStatus(const CliContext& cli) {
  lc::LocalCluster cluster(cli.global.stateDir);
  auto status = cluster.status();
  if (!status) return cli.fail(status.error());
  bool allHealthy = true;
  std::printf("%-24s %-8s %-9s %-8s %s\n", "COMPONENT", "PID", "RUNNING", "HEALTHY", "ADDRESS");
  for (const auto& c : *status) {
    std::printf("%-24s %-8d %-9s %-8s %s\n", c.name.c_str(), c.pid, c.running ? "yes" : "no",
                c.healthy ? "yes" : "no", c.url.c_str());
    allHealthy = allHealthy && c.healthy;
  }
  if (auto backoff = cluster.backoffStatus()) {
    std::printf("%s\n", backoffStatusLine(*backoff).c_str());
  }
  std::printf("kubeconfig: %s\n", cluster.kubeconfigPath().c_str());
  std::fflush(stdout);
  return allHealthy ? kExitOk : kExitError;
}

int runKubeconfig(const CliContext& cli) {
  lc::LocalCluster cluster(cli.global.stateDir);
  auto state = cluster.loadState();
  if (!state) return cli.fail(state.error());
  std::cout << state->kubeconfigPath << "\n";
  return kExitOk;
}

}  // namespace

void addPlaneCommands(CLI::App& app, CliContext& cli) {
  struct UpFlags {
    lc::UpOptions options;
    int timeoutSeconds = 60;
    bool noIssuer = false;
  };
  auto flags = std::make_shared<UpFlags>();
  flags->options.controlplaneDir = lc::defaultControlplaneDir();

  auto* up = app.add_subcommand(
      "up",
      "start the local control plane (etcd, kube-apiserver, "
      "cert-manager controllers, certchaos-issuer, the ChaosRun controller) on loopback, or "
      "restart its stopped components");
  up->add_option("--controlplane-dir", flags->options.controlplaneDir,
                 "built control plane (env CERTCHAOS_CONTROLPLANE_DIR)")
      ->capture_default_str();
  up->add_option("--crds", flags->options.crdDirs,
                 "CRD directories to install (default: deploy/crds)");
  up->add_option("--deploy-dir", flags->options.deployDir,
                 "certchaos's deploy/ directory (CRDs, RBAC)");
  up->add_flag("--no-issuer", flags->noIssuer,
               "do not start certchaos-issuer (nor the ChaosRun controller)");
  up->add_flag("--fresh", flags->options.fresh,
               "DELETE the plane in --state-dir (every object in its etcd, its PKI) and start a "
               "new one; without it, up restarts stopped components and keeps the data");
  up->add_option("--component-timeout", flags->timeoutSeconds, "seconds to wait for each component")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  up->add_flag("--node", flags->options.node,
               "add a node (containerd, kubelet, kube-proxy, kube-scheduler, "
               "kube-controller-manager) on a bridge the plane creates, and run certchaos-issuer "
               "and the ChaosRun controller as pods installed with the Helm chart (needs root, "
               "'make node' and 'make images')");
  up->add_option("--images-dir", flags->options.imagesDir,
                 "--node: the image archives from 'make images' (default: the build's images/)");
  up->add_option("--cm-controller-arg", flags->options.cmControllerArgs,
                 "extra flag for cm-controller, e.g. "
                 "--certificate-request-minimum-backoff-duration=10s");
  up->add_option("--issuer-arg", flags->options.issuerArgs,
                 "extra flag for certchaos-issuer as a local process, e.g. --kube-api-qps=1000 "
                 "(not with --node, where the chart's values set them)");
  setExamples(up,
              "  certchaos up && export KUBECONFIG=$(certchaos kubeconfig)\n"
              "  certchaos --state-dir /tmp/plane up --no-issuer\n"
              "  certchaos up           # after a crash: restarts what stopped, keeps the data\n"
              "  certchaos up --fresh   # deletes the cluster's data, starts a new plane\n"
              "  certchaos up --node    # everything in pods on a real kubelet\n");
  up->callback([&cli, flags] {
    cli.action = [&cli, flags] {
      auto options = flags->options;
      options.componentTimeout = std::chrono::seconds(flags->timeoutSeconds);
      return runUp(cli, options, !flags->noIssuer);
    };
  });

  auto* down = app.add_subcommand("down", "stop the local control plane and remove its state");
  setExamples(down, "  certchaos down\n  certchaos --state-dir /tmp/plane down\n");
  down->callback([&cli] { cli.action = [&cli] { return runDown(cli); }; });

  auto* status = app.add_subcommand("status", "show each component, its pid, address, health");
  setExamples(status, "  certchaos status   # exit code 1 if a component is unhealthy\n");
  status->callback([&cli] { cli.action = [&cli] { return runStatus(cli); }; });

  auto* kubeconfig = app.add_subcommand("kubeconfig", "print the admin kubeconfig path");
  setExamples(kubeconfig, "  export KUBECONFIG=$(certchaos kubeconfig)\n");
  kubeconfig->callback([&cli] { cli.action = [&cli] { return runKubeconfig(cli); }; });
}

}  // namespace certchaos::cli
