// The -f FILE of `certchaos deploy issuer` (YAML or JSON, anyone's file): read as the command
// reads it, merged with the flags, and validated. The one entry point is checkIssuerFile, so the
// target follows the CLI when its reading of -f documents moves.
#include "certchaos/chaos/chaos_spec.h"
#include "fuzz_check.h"
#include "issuer_spec.h"
#include "output.h"

using namespace certchaos;
using certchaos::fuzz::check;

namespace {

void checkIssuerFile(const std::string& text) {
  auto document = cli::yamlToJson(text, "issuer.yaml");
  if (!document) {
    check(document.error().message.find("issuer.yaml") != std::string::npos,
          "an -f error names the file");
    return;
  }
  (void)cli::toYaml(*document);
  cli::IssuerFlags flags;
  flags.name = "fuzz";
  flags.ns = "default";
  auto object = cli::buildIssuer(flags, *document, nullptr);
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
