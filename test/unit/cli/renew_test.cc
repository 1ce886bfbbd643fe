// The Issuing condition cmctl renew writes, as a pure function of the Certificate.
#include "certchaos/scenario/renew.h"

#include <gtest/gtest.h>

#include "certchaos/common/time.h"

namespace certchaos::scenario {
namespace {

using nlohmann::json;

TEST(RenewTest, AppendsIssuingTrueWithTheGeneration) {
  const auto now = *parseRfc3339("2025-01-01T12:00:00Z");
  json cert = {{"metadata", {{"name", "web"}, {"generation", 3}}},
               {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
  json out = withIssuingTriggered(cert, now);
  ASSERT_EQ(out["status"]["conditions"].size(), 2u);
  EXPECT_EQ(out["status"]["conditions"][1],
            (json{{"type", "Issuing"},
                  {"status", "True"},
                  {"reason", "ManuallyTriggered"},
                  {"message", "Certificate re-issuance manually triggered"},
                  {"observedGeneration", 3},
                  {"lastTransitionTime", "2025-01-01T12:00:00Z"}}));
}

TEST(RenewTest, KeepsTheTransitionTimeOfAnIssuingTrueAndReplacesAFalse) {
  const auto now = *parseRfc3339("2025-01-01T12:00:00Z");
  json issuing = {{"metadata", {{"generation", 1}}},
                  {"status",
                   {{"conditions",
                     {{{"type", "Issuing"},
                       {"status", "True"},
                       {"reason", "Expiring"},
                       {"lastTransitionTime", "2024-12-31T00:00:00Z"}}}}}}};
  auto kept = withIssuingTriggered(issuing, now)["status"]["conditions"][0];
  EXPECT_EQ(kept["lastTransitionTime"], "2024-12-31T00:00:00Z");
  EXPECT_EQ(kept["reason"], "ManuallyTriggered");

  issuing["status"]["conditions"][0]["status"] = "False";
  auto replaced = withIssuingTriggered(issuing, now)["status"]["conditions"];
  ASSERT_EQ(replaced.size(), 1u);
  EXPECT_EQ(replaced[0]["lastTransitionTime"], "2025-01-01T12:00:00Z");
  EXPECT_EQ(replaced[0]["status"], "True");

  json bare = {{"metadata", {{"generation", 1}}}};
  EXPECT_EQ(withIssuingTriggered(bare, now)["status"]["conditions"].size(), 1u);
}

}  // namespace
}  // namespace certchaos::scenario
