// Kubeconfig files as kubectl reads them: --kubeconfig, $KUBECONFIG (several files merged, the
// first to set a value wins), ~/.kube/config.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "certchaos/common/result.h"

namespace certchaos::kube {

// Where an entry came from, so every later error names the file and the field.
struct ConfigOrigin {
  std::string file;   // absolute path of the kubeconfig file
  std::string field;  // e.g. "users[1]" (the entry's position in that file)
};

struct KubeconfigCluster {
  std::string server;
  std::string caData;  // decoded PEM from certificate-authority-data
  std::string caFile;  // certificate-authority, resolved against the kubeconfig's directory
  bool insecureSkipTlsVerify = false;
  std::string tlsServerName;
  std::string proxyUrl;
  ConfigOrigin origin;
};

struct ExecConfig {
  std::string command;  // resolved against the kubeconfig's directory if it contains a '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string apiVersion;  // client.authentication.k8s.io/v1 (or v1beta1)
  std::string installHint;
  bool provideClusterInfo = false;
  ConfigOrigin origin;
};

struct KubeconfigUser {
  std::string clientCertData;  // decoded PEM
  std::string clientCertFile;
  std::string clientKeyData;  // decoded PEM
  std::string clientKeyFile;
  std::string token;
  std::string tokenFile;
  std::optional<ExecConfig> exec;
  std::string authProviderName;  // legacy auth-provider: recognised only to say it is unsupported
  bool hasBasicAuth = false;     // username/password: recognised only to say it is unsupported
  ConfigOrigin origin;
};

struct KubeconfigContext {
  std::string cluster;
  std::string user;
  std::string ns;
  ConfigOrigin origin;
};

struct Kubeconfig {
  std::map<std::string, KubeconfigCluster> clusters;
  std::map<std::string, KubeconfigUser> users;
  std::map<std::string, KubeconfigContext> contexts;
  std::string currentContext;
  std::vector<std::string> files;  // the files read, in merge order
};

// Where to look, with the environment made explicit so tests can inject it.
struct KubeconfigLoadOptions {
  std::string explicitPath;                  // --kubeconfig: only this file, which must exist
  std::optional<std::string> kubeconfigEnv;  // $KUBECONFIG: ':'-separated; missing files skipped
  std::string homeDir;                       // for ~/.kube/config when neither is set

  // Reads $KUBECONFIG and $HOME.
  static KubeconfigLoadOptions fromEnvironment(std::string explicitPath = "");
};

// Parses one kubeconfig file. Errors name the file and the field ("users[1].user.token-file").
Result<Kubeconfig> parseKubeconfigFile(const std::string& path);

// Parses a kubeconfig held in memory; `path` is used for messages and relative paths.
Result<Kubeconfig> parseKubeconfig(const std::string& yamlText, const std::string& path);

// Adds what `from` sets and `into` does not: kubectl's rule that the first file to set a map key
// or a value wins.
void mergeKubeconfig(Kubeconfig& into, const Kubeconfig& from);

// Finds and merges the files like kubectl.
Result<Kubeconfig> loadKubeconfig(const KubeconfigLoadOptions& options);

}  // namespace certchaos::kube
