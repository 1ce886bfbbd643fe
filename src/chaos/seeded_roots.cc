#include "certchaos/chaos/seeded_roots.h"

#include <nlohmann/json.hpp>
#include <string>

#include "certchaos/chaos/chaos_spec.h"
#include "certchaos/chaos/fault_engine.h"
#include "certchaos/common/time.h"

namespace certchaos::chaos {
namespace {

Result<pki::PrivateKey> keyFor(std::string_view label, std::uint64_t seed) {
  return pki::PrivateKey::deriveEcdsaP256("certchaos " + std::string(label) + " " +
                                          std::to_string(seed));
}

Result<pki::SigningAuthority> seededRoot(std::string_view label, std::uint64_t seed,
                                         const std::string& commonName, const char* notBefore,
                                         const char* notAfter) {
  auto key = keyFor(label, seed);
  if (!key) return key.error();
  // Fixed dates: the issuer and the runner derive the same certificate at any time.
  return pki::SigningAuthority::rootWithKey(commonName, std::move(*key), *parseRfc3339(notBefore),
                                            *parseRfc3339(notAfter));
}

}  // namespace

Result<pki::SigningAuthority> expiredCrossSignRoot(std::uint64_t seed) {
  return seededRoot("expired-cross-sign root", seed, "certchaos expired cross-sign root",
                    "2000-05-30T10:48:38Z", "2020-05-30T10:48:38Z");
}

Result<pki::SigningAuthority> alternateRoot(std::uint64_t seed) {
  return seededRoot("chain-switch root", seed, "certchaos alternate root", "2020-01-01T00:00:00Z",
                    "2099-12-31T23:59:59Z");
}

Result<pki::SigningAuthority> alternateIntermediate(const pki::SigningAuthority& root,
                                                    std::uint64_t seed, SystemTime notBefore,
                                                    SystemTime notAfter) {
  auto key = keyFor("chain-switch intermediate", seed);
  if (!key) return key.error();
  return root.issueIntermediate("certchaos alternate intermediate", std::move(*key), notBefore,
                                notAfter);
}

Result<std::uint64_t> scenarioFaultSeed(const nlohmann::json& spec) {
  nlohmann::json full = spec;
  full.erase("ca");
  full["selfSigned"] = nlohmann::json::object();  // the CA source does not change the seed
  for (auto it = full.begin(); it != full.end();) {
    it = it->is_null() ? full.erase(it) : std::next(it);
  }
  auto parsed = parseChaosSpec(full);
  if (!parsed) return parsed.error();
  if (!parsed->seed) {
    return makeError("InvalidSpec",
                     "expected spec.seed to derive the scenario's CAs from, found none");
  }
  auto engine = FaultEngine::fromSpec(*parsed);
  if (!engine) return engine.error();
  if (engine->faults().empty()) {
    return makeError("InvalidSpec", "expected spec.scenario to configure a fault, found none");
  }
  return engine->faults().front().seed;
}

}  // namespace certchaos::chaos
