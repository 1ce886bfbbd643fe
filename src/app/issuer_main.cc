// certchaos-issuer: the cert-manager external issuer for ChaosIssuer / ChaosClusterIssuer.
#include <CLI/CLI.hpp>
#include <iostream>

#include "certchaos/issuer/controller.h"
#include "certchaos/kube/client_config.h"

int main(int argc, char** argv) {
  CLI::App app{
      "certchaos-issuer: a cert-manager external issuer that signs with a real CA and "
      "injects the faults its ChaosIssuer asks for"};
  std::string kubeconfig, context;
  certchaos::issuer::ControllerOptions options;
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig (default: $KUBECONFIG, else in-cluster)");
  app.add_option("--context", context, "kubeconfig context");
  app.add_option("--cluster-resource-namespace", options.clusterResourceNamespace,
                 "where ChaosClusterIssuers keep their CA Secrets")
      ->capture_default_str();
  app.add_option("--listen-address", options.listenAddress,
                 "HOST:PORT for /metrics, /healthz, /readyz (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--address-file", options.addressFile, "write the bound address here as JSON");
  app.add_option("--workers", options.workers, "concurrent request reconcilers")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  // cert-manager's controller has the same two flags (its defaults are 20 and 50).
  certchaos::kube::ClientOptions clientOptions;
  app.add_option("--kube-api-qps", clientOptions.qps,
                 "requests per second to the API server, sustained (client-side rate limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 100000.0));
  app.add_option("--kube-api-burst", clientOptions.burst,
                 "requests to the API server at once above --kube-api-qps")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_flag("--leader-elect", options.leaderElect, "elect a leader on a Lease");
  app.add_option("--leader-election-namespace", options.leaseNamespace, "namespace of the Lease")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  namespace kube = certchaos::kube;
  auto config = (kubeconfig.empty() && std::getenv("KUBECONFIG") == nullptr &&
                 std::getenv("KUBERNETES_SERVICE_HOST") != nullptr)
                    ? kube::inClusterConfig(kube::InClusterOptions::fromEnvironment())
                    : kube::loadClientConfig(
                          kube::KubeconfigLoadOptions::fromEnvironment(kubeconfig), context);
  if (!config) {
    std::cerr << "error: " << config.error().message << "\n";
    return 1;
  }
  config->options.qps = clientOptions.qps;
  config->options.burst = clientOptions.burst;
  return certchaos::issuer::runController(std::make_shared<kube::Client>(std::move(*config)),
                                          options);
}
