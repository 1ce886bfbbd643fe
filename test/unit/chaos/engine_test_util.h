// Helpers for fault engine tests: an engine from a spec snippet, and request contexts.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "certchaos/chaos/fault_engine.h"
#include "pki_test_util.h"

namespace certchaos::chaos::testing {

// An engine from the chaos part of a spec, e.g. R"("scenario": "3")"; seed 1 unless given.
inline FaultEngine engineFor(const std::string& specFields) {
  auto spec = parseChaosSpecText(R"({"selfSigned": {}, "seed": 1, )" + specFields + "}");
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  SeededRandom seeds(99);
  auto engine = FaultEngine::fromSpec(*spec, seeds);
  EXPECT_TRUE(engine.ok()) << (engine.ok() ? "" : engine.error().message);
  return engine.ok() ? std::move(*engine) : FaultEngine();
}

// An approved request for this issuer in an opted-in namespace.
inline RequestContext approvedRequest(std::string uid = "uid-1") {
  RequestContext ctx;
  ctx.uid = std::move(uid);
  ctx.now = pki::testing::testNow();
  ctx.issuerRefMatches = true;
  ctx.chaosAllowed = true;
  ctx.approved = true;
  return ctx;
}

}  // namespace certchaos::chaos::testing
