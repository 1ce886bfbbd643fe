// certchaos: the command-line tool. Each subcommand is a small function over the library modules.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "certchaos/localcluster/local_cluster.h"

namespace {

namespace lc = certchaos::localcluster;

// Exit codes (documented in the README).
constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::string stateDir = lc::defaultStateDir();
};

int fail(const certchaos::Error& e) {
  std::cerr << "error: " << e.message << "\n";
  return kExitError;
}

std::filesystem::path selfDir() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
}

// certchaos's deploy/ directory (CRDs, RBAC): next to a build tree (build/bin -> deploy) or in an
// installed share directory; "" if neither exists.
std::string deployDir() {
  std::error_code ec;
  for (auto candidate : {selfDir() / "../../deploy", selfDir() / "../share/certchaos/deploy"}) {
    if (std::filesystem::is_directory(candidate / "crds", ec)) {
      return std::filesystem::canonical(candidate).string();
    }
  }
  return "";
}

int runUp(const GlobalOptions& g, lc::UpOptions options, bool withIssuer) {
  lc::LocalCluster cluster(g.stateDir);
  const std::string deploy = deployDir();
  if (options.crdDirs.empty() && !deploy.empty()) options.crdDirs.push_back(deploy + "/crds");
  if (options.deployDir.empty()) options.deployDir = deploy;
  if (withIssuer && options.issuerBinary.empty()) {
    options.issuerBinary = (selfDir() / "certchaos-issuer").string();
  }
  if (withIssuer && options.deployDir.empty()) {
    return fail({"NotFound",
                 "expected certchaos's deploy/ directory (CRDs and RBAC) next to the "
                 "binary, found none; pass --deploy-dir or --no-issuer"});
  }
  auto begin = std::chrono::steady_clock::now();
  auto state = cluster.up(options, std::cout);
  if (!state) return fail(state.error());
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::cout << "Local control plane ready in " << std::fixed;
  std::cout.precision(1);
  std::cout << secs << " s: " << state->apiserverUrl << "\n"
            << "kubeconfig: " << state->kubeconfigPath << "\n"
            << "  export KUBECONFIG=" << state->kubeconfigPath << "\n";
  return kExitOk;
}

int runDown(const GlobalOptions& g) {
  lc::LocalCluster cluster(g.stateDir);
  auto r = cluster.down(std::cout);
  return r ? kExitOk : fail(r.error());
}

int runStatus(const GlobalOptions& g) {
  lc::LocalCluster cluster(g.stateDir);
  auto status = cluster.status();
  if (!status) return fail(status.error());
  bool allHealthy = true;
  std::printf("%-16s %-8s %-9s %-8s %s\n", "COMPONENT", "PID", "RUNNING", "HEALTHY", "ADDRESS");
  for (const auto& c : *status) {
    std::printf("%-16s %-8d %-9s %-8s %s\n", c.name.c_str(), c.pid, c.running ? "yes" : "no",
                c.healthy ? "yes" : "no", c.url.c_str());
    allHealthy = allHealthy && c.healthy;
  }
  std::printf("kubeconfig: %s\n", cluster.kubeconfigPath().c_str());
  return allHealthy ? kExitOk : kExitError;
}

int runKubeconfig(const GlobalOptions& g) {
  lc::LocalCluster cluster(g.stateDir);
  auto state = cluster.loadState();
  if (!state) return fail(state.error());
  std::cout << state->kubeconfigPath << "\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"certchaos: chaos engineering for certificate issuance on Kubernetes"};
  app.require_subcommand(1);
  GlobalOptions g;
  app.add_option("--state-dir", g.stateDir,
                 "state of the local control plane (env CERTCHAOS_STATE_DIR)")
      ->capture_default_str();

  lc::UpOptions up;
  up.controlplaneDir = lc::defaultControlplaneDir();
  int timeoutSeconds = 60;
  auto* upCmd = app.add_subcommand("up",
                                   "start the local control plane (etcd, kube-apiserver, "
                                   "cert-manager controllers) on loopback");
  upCmd
      ->add_option("--controlplane-dir", up.controlplaneDir,
                   "built control plane (env CERTCHAOS_CONTROLPLANE_DIR)")
      ->capture_default_str();
  upCmd->add_option("--crds", up.crdDirs, "CRD directories to install (default: deploy/crds)");
  upCmd->add_option("--deploy-dir", up.deployDir, "certchaos's deploy/ directory (CRDs, RBAC)");
  bool noIssuer = false;
  upCmd->add_flag("--no-issuer", noIssuer, "do not start certchaos-issuer");
  upCmd->add_option("--component-timeout", timeoutSeconds, "seconds to wait for each component")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  upCmd->add_option("--cm-controller-arg", up.cmControllerArgs,
                    "extra flag for cm-controller, e.g. "
                    "--certificate-request-minimum-backoff-duration=10s");
  upCmd->footer("Example:\n  certchaos up && export KUBECONFIG=$(certchaos kubeconfig)");
  auto* downCmd = app.add_subcommand("down", "stop the local control plane and remove its state");
  auto* statusCmd = app.add_subcommand("status", "show each component, its pid, address, health");
  auto* kubeconfigCmd = app.add_subcommand("kubeconfig", "print the admin kubeconfig path");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  up.componentTimeout = std::chrono::seconds(timeoutSeconds);
  if (upCmd->parsed()) return runUp(g, up, !noIssuer);
  if (downCmd->parsed()) return runDown(g);
  if (statusCmd->parsed()) return runStatus(g);
  if (kubeconfigCmd->parsed()) return runKubeconfig(g);
  return kExitUsage;
}
