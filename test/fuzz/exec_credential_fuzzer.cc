// What an exec credential plugin prints (client.authentication.k8s.io ExecCredential): any
// stdout is either a credential with a token or a certificate and key, or an error.
#include "certchaos/kube/credentials.h"
#include "fuzz_check.h"

using certchaos::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto reply = certchaos::kube::parseExecCredentialReply(certchaos::fuzz::asText(data, size),
                                                         "client.authentication.k8s.io/v1");
  if (!reply) {
    check(!reply.error().message.empty(), "a refused reply says why");
    return 0;
  }
  const auto& c = reply->credential;
  check(!c.bearerToken.empty() || !c.clientCertPem.empty(), "a credential has a secret");
  check(c.clientCertPem.empty() == c.clientKeyPem.empty(), "certificate and key come together");
  return 0;
}
