#include "certchaos/kube/client_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "log.h"

namespace certchaos::kube {
namespace {

namespace fs = std::filesystem;

Result<std::string> readFile(const std::string& path, const ConfigOrigin& origin,
                             const std::string& field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return makeError("BadConfig", origin.file + ": " + origin.field + "." + field +
                                      ": expected a readable file, found none at " + path +
                                      "; fix the path or use the *-data field");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Result<std::string> dataOrFile(const std::string& data, const std::string& file,
                               const ConfigOrigin& origin, const std::string& field) {
  if (!data.empty()) return data;
  if (file.empty()) return std::string();
  return readFile(file, origin, field);
}

// The token or exec provider of a user; its client certificate goes into `tls`.
Result<std::shared_ptr<CredentialProvider>> credentialsFor(const KubeconfigUser& user,
                                                           const std::string& userName,
                                                           const KubeconfigCluster& cluster,
                                                           const std::string& caPem,
                                                           TlsConfig& tls) {
  auto where = [&](const std::string& field) {
    return user.origin.file + ": " + user.origin.field + (field.empty() ? "" : "." + field) +
           " (user \"" + userName + "\")";
  };
  if (!user.authProviderName.empty()) {
    return makeError("BadConfig", where("auth-provider") +
                                      ": expected token, client certificate or exec, found the "
                                      "legacy auth-provider \"" +
                                      user.authProviderName +
                                      "\", which is not supported; use an exec plugin");
  }
  if (user.hasBasicAuth && user.token.empty() && user.tokenFile.empty() && !user.exec) {
    return makeError("BadConfig", where("username") +
                                      ": expected token, client certificate or exec, found "
                                      "basic auth, which Kubernetes no longer supports");
  }
  auto cert =
      dataOrFile(user.clientCertData, user.clientCertFile, user.origin, "client-certificate");
  if (!cert.ok()) return cert.error();
  auto key = dataOrFile(user.clientKeyData, user.clientKeyFile, user.origin, "client-key");
  if (!key.ok()) return key.error();
  if (cert->empty() != key->empty()) {
    return makeError("BadConfig",
                     where(cert->empty() ? "client-certificate" : "client-key") +
                         ": expected a client certificate and its key together, found only the " +
                         (cert->empty() ? "key" : "certificate") + "; add the missing one");
  }
  tls.clientCertPem = *cert;
  tls.clientKeyPem = *key;
  if (user.exec) {
    ExecClusterInfo info{cluster.server, caPem, cluster.insecureSkipTlsVerify,
                         cluster.tlsServerName};
    return makeExecCredentials(*user.exec, info);
  }
  if (!user.token.empty()) {
    return makeStaticCredentials(Credential{user.token, "", ""}, "token of user " + userName);
  }
  if (!user.tokenFile.empty()) return makeTokenFileCredentials(user.tokenFile);
  return std::shared_ptr<CredentialProvider>();  // client certificate only, or anonymous
}

}  // namespace

Result<ClientConfig> clientConfigFromKubeconfig(const Kubeconfig& kubeconfig,
                                                const std::string& contextOverride) {
  std::string files;
  for (const auto& f : kubeconfig.files) files += (files.empty() ? "" : ", ") + f;
  std::string contextName = contextOverride.empty() ? kubeconfig.currentContext : contextOverride;
  if (contextName.empty()) {
    return makeError("BadConfig", "expected current-context or --context, found neither in " +
                                      files + "; run kubectl config use-context NAME");
  }
  auto ctx = kubeconfig.contexts.find(contextName);
  if (ctx == kubeconfig.contexts.end()) {
    std::string known;
    for (const auto& [name, c] : kubeconfig.contexts) known += (known.empty() ? "" : ", ") + name;
    return makeError("BadConfig", "expected a context named \"" + contextName + "\" in " + files +
                                      ", found only [" + known + "]; pick one with --context");
  }
  const KubeconfigContext& context = ctx->second;
  auto cl = kubeconfig.clusters.find(context.cluster);
  if (cl == kubeconfig.clusters.end()) {
    return makeError("BadConfig", context.origin.file + ": " + context.origin.field +
                                      ".cluster: expected a cluster named \"" + context.cluster +
                                      "\", found none; add it under clusters or fix the context");
  }
  const KubeconfigCluster& cluster = cl->second;
  if (cluster.server.empty()) {
    return makeError("BadConfig", cluster.origin.file + ": " + cluster.origin.field +
                                      ".server: expected the API server URL, found nothing");
  }

  ClientConfig config;
  config.contextName = contextName;
  config.server = cluster.server;
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  config.proxyUrl = cluster.proxyUrl;
  config.ns = context.ns.empty() ? "default" : context.ns;
  config.tls.serverName = cluster.tlsServerName;
  config.tls.insecureSkipVerify = cluster.insecureSkipTlsVerify;
  auto ca = dataOrFile(cluster.caData, cluster.caFile, cluster.origin, "certificate-authority");
  if (!ca.ok()) return ca.error();
  config.tls.caPem = *ca;
  if (cluster.insecureSkipTlsVerify) {
    if (!config.tls.caPem.empty()) {
      return makeError("BadConfig", cluster.origin.file + ": " + cluster.origin.field +
                                        ": expected either a CA or insecure-skip-tls-verify, "
                                        "found both; remove one");
    }
    logger()->warn(
        "msg=\"TLS verification disabled by the kubeconfig\" cluster={} file={} field={}",
        context.cluster, cluster.origin.file, cluster.origin.field + ".insecure-skip-tls-verify");
  }

  if (!context.user.empty()) {
    auto us = kubeconfig.users.find(context.user);
    if (us == kubeconfig.users.end()) {
      return makeError("BadConfig", context.origin.file + ": " + context.origin.field +
                                        ".user: expected a user named \"" + context.user +
                                        "\", found none; add it under users or fix the context");
    }
    auto creds = credentialsFor(us->second, context.user, cluster, config.tls.caPem, config.tls);
    if (!creds.ok()) return creds.error();
    config.credentials = *creds;
  }
  return config;
}

Result<ClientConfig> loadClientConfig(const KubeconfigLoadOptions& options,
                                      const std::string& contextOverride) {
  auto kubeconfig = loadKubeconfig(options);
  if (!kubeconfig.ok()) return kubeconfig.error();
  return clientConfigFromKubeconfig(*kubeconfig, contextOverride);
}

InClusterOptions InClusterOptions::fromEnvironment() {
  InClusterOptions options;
  if (const char* h = std::getenv("KUBERNETES_SERVICE_HOST")) options.host = h;
  if (const char* p = std::getenv("KUBERNETES_SERVICE_PORT")) options.port = p;
  return options;
}

Result<ClientConfig> inClusterConfig(const InClusterOptions& options, Clock& clock) {
  if (options.host.empty() || options.port.empty()) {
    return makeError("BadConfig",
                     "expected KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (set in every "
                     "pod), found them unset; outside a cluster pass --kubeconfig");
  }
  ClientConfig config;
  bool ipv6 = options.host.find(':') != std::string::npos;
  config.server =
      "https://" + (ipv6 ? "[" + options.host + "]" : options.host) + ":" + options.port;
  ConfigOrigin origin{options.mountDir, "service-account mount"};
  std::string caPath = (fs::path(options.mountDir) / "ca.crt").string();
  auto ca = readFile(caPath, origin, "ca.crt");
  if (!ca.ok()) return ca.error();
  config.tls.caPem = *ca;
  std::string tokenPath = (fs::path(options.mountDir) / "token").string();
  auto provider = makeTokenFileCredentials(tokenPath, clock);
  auto first = provider->credential();  // fail now rather than on the first request
  if (!first.ok()) return first.error();
  config.credentials = provider;
  std::ifstream nsFile(fs::path(options.mountDir) / "namespace");
  std::string ns;
  if (nsFile && std::getline(nsFile, ns) && !ns.empty()) config.ns = ns;
  config.contextName = "in-cluster";
  return config;
}

}  // namespace certchaos::kube
