// A ChaosRun (JSON, as the API server stores it) through what the runner controller reads of it
// before anything runs: the runner's options, the run's key, phase and abort request. Whatever the
// object, no crash; options it accepts are ones the runner can take (a scenario, a Certificate,
// a positive time scale and timeout).
#include <nlohmann/json.hpp>

#include "certchaos/chaosrun/chaos_run.h"
#include "fuzz_check.h"

using certchaos::fuzz::check;
namespace cr = certchaos::chaosrun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto run = nlohmann::json::parse(certchaos::fuzz::asText(data, size), nullptr, false);
  if (run.is_discarded()) return 0;
  (void)cr::runKey(run);
  (void)cr::finished(cr::phaseOf(run));
  (void)cr::abortRequested(run);
  auto options = cr::runOptionsFor(run);
  if (!options) {
    check(!options.error().message.empty(), "a refused ChaosRun says why");
    return 0;
  }
  check(!options->scenario.empty(), "accepted options name a scenario");
  check(!options->certificate.name.empty(), "accepted options name a Certificate");
  check(options->timeScale >= 1, "accepted options have a time scale of at least 1");
  check(options->timeout.count() > 0, "accepted options have a positive timeout");
  return 0;
}
