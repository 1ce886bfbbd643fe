// The trust the run's clients get for the scenarios that bring in roots of their own (private to
// src/scenario): chain-switch's bundle, and expired-cross-sign's old client.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "certchaos/common/result.h"

namespace certchaos::scenario {

struct ClientTrust {
  std::string bundlePem;      // what the probe trusts
  std::string oldClientPem;   // expired-cross-sign: the old client's trust store; else empty
  std::string oldClientRoot;  // "CN=..., notAfter ..." of that store's root
  std::string note;           // for the timeline: who trusts what
};

// chain-switch: ca.crt, plus the new root the issuer will switch to when `clientsTrust` is
// "old-and-new-root" (announced ahead). expired-cross-sign: ca.crt for the modern client, and a
// second trust store holding only the expired root (an old client, from before the current
// root: AddTrust-era stores); that client verifies with OpenSSL's default flags, so it fails on
// the expired root only because the served chain leads it there. The roots are derived from the
// seed of the issuer's `spec` as the issuer derives them (chaos/seeded_roots.h). Other scenarios:
// ca.crt alone.
Result<ClientTrust> clientTrustFor(const std::string& scenario, const std::string& clientsTrust,
                                   const nlohmann::json& issuerSpec, const std::string& caPem);

}  // namespace certchaos::scenario
