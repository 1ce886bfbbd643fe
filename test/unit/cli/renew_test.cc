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

// cert-manager compares the failed request's failureTime with Issuing's lastTransitionTime to the
// second: a trigger in the failure's second would be taken for the failed issuance itself.
TEST(RenewTest, WaitsForTheSecondAfterTheLastFailure) {
  using std::chrono::milliseconds;
  const auto failed = *parseRfc3339("2025-01-01T12:00:07Z");
  json cert = {{"status", {{"lastFailureTime", "2025-01-01T12:00:07Z"}}}};
  EXPECT_EQ(waitBeforeTrigger(cert, failed + milliseconds(300)), milliseconds(700));
  EXPECT_EQ(waitBeforeTrigger(cert, failed), std::chrono::seconds(1));
  EXPECT_EQ(waitBeforeTrigger(cert, failed + std::chrono::seconds(1)),
            std::chrono::nanoseconds::zero());
  // A failure stamped a little ahead of this machine's clock is waited out too.
  EXPECT_EQ(waitBeforeTrigger(cert, failed - milliseconds(500)), milliseconds(1500));
  EXPECT_EQ(waitBeforeTrigger(cert, failed - std::chrono::minutes(5)),
            std::chrono::nanoseconds::zero());
  EXPECT_EQ(waitBeforeTrigger(json{{"status", json::object()}}, failed),
            std::chrono::nanoseconds::zero());
  EXPECT_EQ(waitBeforeTrigger(json{{"status", {{"lastFailureTime", "garbage"}}}}, failed),
            std::chrono::nanoseconds::zero());
}

}  // namespace
}  // namespace certchaos::scenario
