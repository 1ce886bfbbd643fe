// Credential providers: where a request's identity comes from (a static token or client
// certificate, a token file that rotates, or an exec plugin), re-read after a 401.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "certchaos/common/clock.h"
#include "certchaos/common/result.h"
#include "certchaos/common/time.h"
#include "certchaos/kube/kubeconfig.h"

namespace certchaos::kube {

// Secrets live here and nowhere else: never log a Credential.
struct Credential {
  std::string bearerToken{};
  std::string clientCertPem{};  // set together with clientKeyPem, or neither
  std::string clientKeyPem{};
};

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // The credential to use now; cached by the provider as long as it is valid.
  virtual Result<Credential> credential() = 0;
  // The server said 401: drop the cache so the next credential() re-reads or re-runs.
  virtual void invalidate() = 0;
  // Where the credential comes from, safe to log ("token file /var/run/...").
  virtual std::string describe() const = 0;
};

// A fixed credential (token or client certificate from the kubeconfig).
std::shared_ptr<CredentialProvider> makeStaticCredentials(Credential credential,
                                                          std::string description);

// A bearer token read from a file, re-read when the file changes (kubelet rotates projected
// service-account tokens by swapping a symlink), after a 401, and at least every minute.
std::shared_ptr<CredentialProvider> makeTokenFileCredentials(std::string path,
                                                             Clock& clock = realClock());

// What an exec plugin is told about the cluster when provideClusterInfo is set.
struct ExecClusterInfo {
  std::string server;
  std::string caPem;
  bool insecureSkipTlsVerify = false;
  std::string tlsServerName;
};

// An exec credential plugin (client.authentication.k8s.io/v1): run without a shell, with
// KUBERNETES_EXEC_INFO set, its reply cached until status.expirationTimestamp.
std::shared_ptr<CredentialProvider> makeExecCredentials(ExecConfig config, ExecClusterInfo cluster,
                                                        Clock& clock = realClock());

// What an exec plugin printed on stdout: an ExecCredential of `apiVersion` with a token or a
// client certificate and key. The error says what was expected and what was found (never a
// secret); the caller prefixes where the plugin is configured.
struct ExecCredentialReply {
  Credential credential;
  std::optional<SystemTime> expiry;  // status.expirationTimestamp; absent: until a 401
};
Result<ExecCredentialReply> parseExecCredentialReply(std::string_view stdoutText,
                                                     std::string_view apiVersion);

}  // namespace certchaos::kube
