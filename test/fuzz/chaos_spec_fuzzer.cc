// A ChaosIssuer spec (JSON, as the API server stores it) through what the issuer does with it:
// parse and validate, compile into a FaultEngine, and decide a few requests. Whatever the spec,
// no crash; a spec the validation accepts compiles.
#include <nlohmann/json.hpp>

#include "certchaos/chaos/chaos_spec.h"
#include "certchaos/chaos/fault_engine.h"
#include "fuzz_check.h"

using namespace certchaos::chaos;
using certchaos::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = nlohmann::json::parse(certchaos::fuzz::asText(data, size), nullptr, false);
  if (json.is_discarded()) return 0;
  auto spec = parseChaosSpec(json);
  auto valid = validateChaosSpec(json);
  check(spec.ok() || !valid.ok(), "validateChaosSpec refuses what parseChaosSpec refuses");
  if (!spec) return 0;
  certchaos::SeededRandom seeds(42);
  auto engine = FaultEngine::fromSpec(*spec, seeds);
  check(engine.ok() == valid.ok(), "validateChaosSpec accepts exactly what compiles");
  if (!engine) return 0;
  (void)engine->summary();
  const SystemTime now{std::chrono::hours(480000)};
  for (int attempt = 1; attempt <= 3; ++attempt) {
    RequestContext ctx;
    ctx.uid = "uid-" + std::to_string(attempt);
    ctx.now = now;
    ctx.chaosAllowed = attempt != 2;
    ctx.approved = attempt != 3;
    ctx.attempt = attempt;
    if (attempt == 2) ctx.holdStartedAt = now - std::chrono::hours(1);
    ctx.recentIssuances = {now - std::chrono::seconds(1), now - std::chrono::hours(2)};
    Decision decision = engine->decide(ctx);
    check(actionName(decision.action) != nullptr, "a decision has an action");
    for (std::size_t i : decision.signingFaults) {
      check(i < engine->faults().size(), "signing faults index the engine's faults");
    }
  }
  return 0;
}
