// Synthetic run evidence for the check and verdict tests: the seed scenario's base (a certificate
// served at t0, notAfter t0 + 60 s, time scale 60) to which each test adds what it needs.
#pragma once

#include <chrono>

#include "certchaos/scenario/checks.h"

namespace certchaos::scenario::testing {

using namespace std::chrono_literals;

inline SystemTime t0() {
  return SystemTime(std::chrono::sys_days(std::chrono::year(2024) / 5 / 1) + 12h);
}
inline SystemTime at(std::chrono::milliseconds offset) { return t0() + offset; }

inline Evidence baseEvidence() {
  Evidence e;
  e.now = at(1000ms);
  e.timeScale = 60;
  e.renewalForcedAt = at(1000ms);
  e.baseSerial = "aa";
  e.baseNotAfter = at(60s);
  e.ownIssuer = "certchaos chaos CA";
  e.probing = true;
  e.probeCount = 1;
  e.probes = {{at(0ms), true, "", "aa"}};
  e.secret = {};
  e.proofs = {{"sleep", report::EvidenceSource::kIssuerEvent, "Event ChaosSleep", at(1200ms)}};
  return e;
}

inline chaos::CheckSpec spec(std::string kind, std::map<std::string, std::string> tolerance = {}) {
  return {std::move(kind), "statement", std::move(tolerance)};
}

}  // namespace certchaos::scenario::testing
