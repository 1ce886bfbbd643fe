// The -f FILE of `certchaos deploy issuer` (YAML or JSON, anyone's file): read as the command
// reads it (parseIssuerManifest), merged with the flags (buildIssuer), and validated.
#include "certchaos/chaos/chaos_spec.h"
#include "fuzz_check.h"
#include "issuer_spec.h"
#include "output.h"

using namespace certchaos;
using certchaos::fuzz::check;

namespace {

void checkIssuerFile(const std::string& text) {
  auto manifest = cli::parseIssuerManifest(text, "-f issuer.yaml");
  if (!manifest) {
    check(manifest.error().message.find("issuer.yaml") != std::string::npos,
          "an -f error names the file");
    return;
  }
  (void)cli::toYaml(manifest->object);
  cli::IssuerFlags flags;
  flags.name = manifest->name.empty() ? "fuzz" : manifest->name;
  flags.ns = manifest->ns.empty() ? "default" : manifest->ns;
  flags.cluster = manifest->cluster;
  auto object = cli::buildIssuer(flags, manifest->object, nullptr);
  if (!object) return;
  const auto& spec = (*object)["spec"];
  (void)chaos::validateChaosSpec(spec);
  (void)cli::specHasChaos(spec);
  (void)cli::describeChaos(spec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  checkIssuerFile(std::string(certchaos::fuzz::asText(data, size)));
  return 0;
}
