// ClientConfig: everything a Client needs to reach one API server as one identity, built from a
// kubeconfig context or from the in-cluster service-account mount.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "certchaos/common/clock.h"
#include "certchaos/common/result.h"
#include "certchaos/kube/credentials.h"
#include "certchaos/kube/kubeconfig.h"

namespace certchaos::kube {

struct TlsConfig {
  std::string caPem;  // empty: the system trust store
  bool insecureSkipVerify = false;
  std::string serverName;  // tls-server-name: the name checked in the server's certificate
  // The kubeconfig's client certificate, in memory (never a temp file). An exec plugin that
  // returns a certificate overrides it per request.
  std::string clientCertPem;
  std::string clientKeyPem;
};

// Client-side behaviour; the defaults follow client-go where it has one.
struct ClientOptions {
  double qps = 50;  // token bucket: sustained requests per second...
  int burst = 100;  // ...and how many may go at once
  std::chrono::milliseconds requestTimeout{30'000};
  std::chrono::milliseconds connectTimeout{10'000};
  int maxAttempts = 5;  // for retryable failures (429, 5xx, connection errors)
  std::chrono::milliseconds initialBackoff{200};
  std::chrono::milliseconds maxBackoff{10'000};
  std::chrono::seconds maxRetryAfter{30};  // a longer Retry-After is capped, not obeyed blindly
  std::string userAgent = "certchaos/0.1";
};

struct ClientConfig {
  std::string server;  // "https://127.0.0.1:6443"
  TlsConfig tls;
  std::shared_ptr<CredentialProvider> credentials;  // may be null: anonymous
  std::string ns = "default";                       // the context's namespace
  std::string proxyUrl;
  std::string contextName;
  ClientOptions options;
};

// Builds the config of a context (contextOverride, else current-context). Reads CA, client
// certificate and key files now and keeps them in memory.
Result<ClientConfig> clientConfigFromKubeconfig(const Kubeconfig& kubeconfig,
                                                const std::string& contextOverride = "");

// loadKubeconfig + clientConfigFromKubeconfig.
Result<ClientConfig> loadClientConfig(const KubeconfigLoadOptions& options,
                                      const std::string& contextOverride = "");

struct InClusterOptions {
  std::string mountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
  std::string host;  // $KUBERNETES_SERVICE_HOST
  std::string port;  // $KUBERNETES_SERVICE_PORT
  static InClusterOptions fromEnvironment();
};

// The in-cluster identity: the mounted token (re-read when it rotates), CA and namespace.
Result<ClientConfig> inClusterConfig(const InClusterOptions& options, Clock& clock = realClock());

}  // namespace certchaos::kube
