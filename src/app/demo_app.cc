// certchaos-demo-app: an HTTPS server that serves the certificate of a Kubernetes Secret and
// reloads it when the Secret changes (or, with --no-reload, keeps the first one for ever).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "certchaos/common/time.h"
#include "certchaos/demoapp/certificate_store.h"
#include "certchaos/demoapp/https_server.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/client.h"
#include "certchaos/kube/informer.h"
#include "certchaos/obs/log.h"

namespace {

using certchaos::obs::Logger;
namespace kube = certchaos::kube;
namespace demoapp = certchaos::demoapp;

void loadFromSecret(const kube::Object& secret, demoapp::CertificateStore& store,
                    const Logger& log) {
  const auto& data = secret.value("data", nlohmann::json::object());
  if (!data.contains("tls.crt") || !data.contains("tls.key")) {
    log.warn("secret has no tls.crt/tls.key yet; nothing to serve",
             {{"secret", secret["metadata"].value("name", "")}});
    return;
  }
  auto crt = kube::base64Decode(data["tls.crt"].get<std::string>());
  auto key = kube::base64Decode(data["tls.key"].get<std::string>());
  if (!crt || !key) {
    log.error("secret data is not valid base64", {{"field", !crt ? "tls.crt" : "tls.key"}});
    return;
  }
  auto outcome = store.load(*crt, *key);
  if (!outcome) {
    log.error("cannot load the certificate from the secret",
              {{"reason", outcome.error().code}, {"error", outcome.error().message}});
    return;
  }
  auto current = store.current();
  nlohmann::json fields = {
      {"serial", current->serial()},
      {"notAfter", certchaos::formatRfc3339(current->chain.front().notAfter())},
      {"resourceVersion", secret["metadata"].value("resourceVersion", "")}};
  switch (*outcome) {
    case demoapp::LoadOutcome::kLoaded:
      log.info("serving certificate", fields);
      break;
    case demoapp::LoadOutcome::kUnchanged:
      break;
    case demoapp::LoadOutcome::kIgnoredNoReload: {
      auto ignored = certchaos::pki::Certificate::chainFromPem(*crt);
      if (ignored) fields["ignoredSerial"] = ignored->front().serialHex();
      log.warn("secret changed but --no-reload keeps the first certificate", fields);
      break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"certchaos-demo-app: serves the certificate of a Kubernetes Secret over HTTPS"};
  std::string kubeconfig, context, ns = "default", secretName, listen = "127.0.0.1:0", addressFile;
  bool noReload = false;
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig (default: $KUBECONFIG, in-cluster)");
  app.add_option("--context", context, "kubeconfig context");
  app.add_option("-n,--namespace", ns, "namespace of the Secret")->capture_default_str();
  app.add_option("--secret", secretName, "Secret with tls.crt and tls.key")->required();
  app.add_option("--listen", listen, "HOST:PORT to serve HTTPS on (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--address-file", addressFile, "write the bound address here as JSON");
  app.add_flag("--no-reload", noReload, "keep serving the first certificate for ever");
  CLI11_PARSE(app, argc, argv);

  Logger log("demo-app");
  auto colon = listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(listen.substr(colon + 1));
    } catch (const std::exception&) {
    }
  }
  if (port < 0 || port > 65535) {
    std::cerr << "error: --listen expects HOST:PORT (e.g. 127.0.0.1:8443), found '" << listen
              << "'\n";
    return 2;
  }
  const std::string host = listen.substr(0, colon);

  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto client = (kubeconfig.empty() && std::getenv("KUBECONFIG") == nullptr &&
                 std::getenv("KUBERNETES_SERVICE_HOST") != nullptr)
                    ? kube::Client::inCluster()
                    : kube::Client::fromKubeconfig(kubeconfig, context);
  if (!client) {
    std::cerr << "error: " << client.error().message << "\n";
    return 1;
  }

  demoapp::CertificateStore store(!noReload);
  kube::ReflectorOptions options;
  options.fieldSelector = "metadata.name=" + secretName;
  kube::Informer informer(*client, kube::resources::kSecret, ns, options);
  informer.addHandlers({
      [&](const kube::ObjectPtr& s) { loadFromSecret(*s, store, log); },
      [&](const kube::ObjectPtr&, const kube::ObjectPtr& s) { loadFromSecret(*s, store, log); },
      [&](const kube::ObjectPtr&) {
        log.warn("secret deleted; still serving the last certificate", {{"secret", secretName}});
      },
  });
  informer.start();

  demoapp::HttpsServer server(store);
  auto bound = server.start(host, port);
  if (!bound) {
    std::cerr << "error: " << bound.error().message << "\n";
    return 1;
  }
  const std::string address = host + ":" + std::to_string(*bound);
  log.info("listening", {{"address", "https://" + address},
                         {"secret", ns + "/" + secretName},
                         {"reload", !noReload}});
  if (!addressFile.empty()) {
    std::ofstream(addressFile + ".tmp") << nlohmann::json{{"address", address}}.dump() << "\n";
    std::rename((addressFile + ".tmp").c_str(), addressFile.c_str());
  }

  int sig = 0;
  sigwait(&signals, &sig);
  log.info("shutting down", {{"signal", sig}});
  server.stop();
  informer.stop();
  return 0;
}
