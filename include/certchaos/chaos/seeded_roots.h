// The root CAs scenarios 14 and 16 bring in, derived from the fault's seed so that the runner
// can give its clients the very root the issuer uses: the expired root an old client still
// trusts (14, expired-cross-sign) and the new root a chain switches to (16, chain-switch).
// Test CAs only: whoever knows the seed (it is in the issuer's spec) can derive their keys.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>

#include "certchaos/common/result.h"
#include "certchaos/common/time.h"
#include "certchaos/pki/signing_authority.h"

namespace certchaos::chaos {

// "CN=certchaos expired cross-sign root", valid 2000-05-30 to 2020-05-30 (AddTrust External CA
// Root's dates): the root whose cross-signature scenario 14 adds to the served chain.
Result<pki::SigningAuthority> expiredCrossSignRoot(std::uint64_t seed);

// "CN=certchaos alternate root", valid 2020 to 2099: the root scenario 16 switches to.
Result<pki::SigningAuthority> alternateRoot(std::uint64_t seed);
// The intermediate under alternateRoot(seed) that signs the switched leaves, valid over
// [notBefore, notAfter].
Result<pki::SigningAuthority> alternateIntermediate(const pki::SigningAuthority& root,
                                                    std::uint64_t seed, SystemTime notBefore,
                                                    SystemTime notAfter);

// The seed the issuer's scenario fault runs with (SigningPlan::seed) for the spec the runner
// deploys ({scenario, parameters, seed, timeScale}): the engine's own derivation, not a copy.
Result<std::uint64_t> scenarioFaultSeed(const nlohmann::json& spec);

}  // namespace certchaos::chaos
