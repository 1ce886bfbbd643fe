// Kubeconfig files (--kubeconfig, $KUBECONFIG): parse, merge, and build the client config of the
// current context when that reads no file (the fuzzer must not depend on the file system).
#include "certchaos/kube/client_config.h"
#include "certchaos/kube/kubeconfig.h"
#include "fuzz_check.h"

using namespace certchaos::kube;
using certchaos::fuzz::check;

namespace {

bool readsFiles(const Kubeconfig& config) {
  for (const auto& [name, cluster] : config.clusters) {
    if (!cluster.caFile.empty()) return true;
  }
  for (const auto& [name, user] : config.users) {
    if (!user.clientCertFile.empty() || !user.clientKeyFile.empty() || !user.tokenFile.empty()) {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(certchaos::fuzz::asText(data, size));
  auto config = parseKubeconfig(text, "/fuzz/kube/config");
  if (!config) {
    check(config.error().message.find("/fuzz/kube/config") != std::string::npos,
          "a kubeconfig error names the file");
    return 0;
  }
  Kubeconfig merged;
  mergeKubeconfig(merged, *config);
  mergeKubeconfig(merged, *config);
  check(merged.clusters.size() == config->clusters.size(), "merging twice adds nothing");
  if (!readsFiles(merged)) (void)clientConfigFromKubeconfig(merged);
  return 0;
}
