// Per-run check overrides (certchaos run --check NAME[=TOLERANCE]): a scenario's check with another
// tolerance, a check of another kind added, and clear errors for everything else.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/chaos/catalog.h"
#include "evidence_builder.h"

namespace certchaos::scenario {
namespace {

using namespace testing;
using report::CheckOrigin;
using report::CheckOutcome;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::vector<CheckOverride> parsed(std::vector<std::string> texts) {
  std::vector<CheckOverride> out;
  for (const auto& t : texts) {
    auto o = parseCheckOverride(t);
    EXPECT_TRUE(o) << t;
    if (o) out.push_back(*o);
  }
  return out;
}

const std::vector<chaos::CheckSpec>& sleepChecks() {
  return chaos::findScenario("sleep")->checks;  // renewed-before-expiry, probes-valid
}

TEST(CheckOverridesTest, ParsesNameAndValue) {
  auto o = parseCheckOverride("max-requests=5");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, "max-requests");
  EXPECT_EQ(o->value, "5");
  auto bare = parseCheckOverride("own-issuer-only");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->value);
  auto reason = parseCheckOverride("clients-reject=has expired|not yet valid");
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->value, "has expired|not yet valid");
  auto empty = parseCheckOverride("=3");
  ASSERT_FALSE(empty);
  EXPECT_THAT(empty.error().message,
              AllOf(HasSubstr("expected NAME or NAME=TOLERANCE"), HasSubstr("probes-valid")));
}

TEST(CheckOverridesTest, NoOverridesKeepTheScenariosChecks) {
  auto checks = applyCheckOverrides(sleepChecks(), {});
  ASSERT_TRUE(checks);
  ASSERT_EQ(checks->size(), 2u);
  for (const auto& c : *checks) EXPECT_EQ(c.origin, CheckOrigin::kScenario);
}

TEST(CheckOverridesTest, AToleranceReplacesTheScenariosAndRemembersIt) {
  auto checks = applyCheckOverrides(sleepChecks(), parsed({"probes-valid=2"}));
  ASSERT_TRUE(checks) << checks.error().message;
  ASSERT_EQ(checks->size(), 2u);
  const auto& c = (*checks)[1];
  EXPECT_EQ(c.spec.kind, "probes-valid");
  EXPECT_EQ(c.origin, CheckOrigin::kOverridden);
  EXPECT_EQ(c.spec.tolerance, (std::map<std::string, std::string>{{"failures", "2"}}));
  EXPECT_EQ(c.scenarioTolerance, (std::map<std::string, std::string>{{"failures", "0"}}));
  EXPECT_EQ(c.spec.statement, sleepChecks()[1].statement);
  EXPECT_EQ((*checks)[0].origin, CheckOrigin::kScenario);
}

TEST(CheckOverridesTest, AnotherKindIsAddedAtItsDefaultOrTheGivenTolerance) {
  auto checks = applyCheckOverrides(
      sleepChecks(), parsed({"max-requests=4", "own-issuer-only", "served-renewal"}));
  ASSERT_TRUE(checks) << checks.error().message;
  ASSERT_EQ(checks->size(), 5u);
  EXPECT_EQ((*checks)[2].spec.kind, "max-requests");
  EXPECT_EQ((*checks)[2].origin, CheckOrigin::kAdded);
  EXPECT_EQ((*checks)[2].spec.tolerance.at("limit"), "4");
  EXPECT_EQ((*checks)[2].spec.statement, chaos::findCheck("max-requests")->statement);
  EXPECT_TRUE((*checks)[3].spec.tolerance.empty());
  EXPECT_EQ((*checks)[4].spec.tolerance.at("grace"), "5s") << "the catalog's default";
}

TEST(CheckOverridesTest, EveryKindHasACatalogDefaultThatValidates) {
  for (const auto& name : checkKindNames()) {
    const auto* c = chaos::findCheck(name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_FALSE(c->statement.empty()) << name;
    EXPECT_TRUE(validateCheck(*c)) << name;
  }
  EXPECT_EQ(chaos::checkCatalog().size(), checkKindNames().size());
}

TEST(CheckOverridesTest, BadOverridesSayWhatIsAllowed) {
  struct Case {
    std::vector<std::string> given;
    std::vector<std::string> mentions;
  };
  for (const auto& c : std::vector<Case>{
           {{"probes-vaild=1"},
            {"--check probes-vaild=1", "expected a check named one of", "probes-valid",
             "served-renewal"}},
           {{"max-requests=many"},
            {"--check max-requests=many", "expected an integer >= 0 (its limit)", "found 'many'"}},
           {{"probes-valid=-1"}, {"an integer >= 0", "found '-1'"}},
           {{"renewed-before-expiry=soon"}, {"a duration such as 5m (its margin)", "found 'soon'"}},
           {{"own-issuer-only=yes"},
            {"takes no tolerance, found 'yes'", "use --check own-issuer-only"}},
           {{"probes-valid"},
            {"the scenario already checks probes-valid", "--check probes-valid=failures",
             "an integer >= 0"}},
           {{"max-requests=3", "max-requests=4"}, {"given twice"}},
       }) {
    auto r = applyCheckOverrides(sleepChecks(), parsed(c.given));
    ASSERT_FALSE(r) << c.given.front();
    EXPECT_EQ(r.error().code, "BadInput");
    for (const auto& m : c.mentions) EXPECT_THAT(r.error().message, HasSubstr(m));
  }
}

// The overridden tolerance is the one judged, and the results say where each check came from.
TEST(CheckOverridesTest, TheHypothesisIsJudgedWithTheOverridesAndRecordsThem) {
  Evidence e = baseEvidence();
  e.probes.push_back({at(2s), false, "certificate has expired", "aa"});
  e.probes.push_back({at(3s), true, "", "aa"});
  auto strict = checkHypothesis(sleepChecks(), e);
  EXPECT_EQ(strict.checks[1].outcome, CheckOutcome::kViolated);
  auto checks = applyCheckOverrides(sleepChecks(), parsed({"probes-valid=1", "max-requests=9"}));
  ASSERT_TRUE(checks);
  auto lenient = checkHypothesis(*checks, e);
  ASSERT_EQ(lenient.checks.size(), 3u);
  EXPECT_NE(lenient.checks[1].outcome, CheckOutcome::kViolated) << lenient.checks[1].evidence;
  EXPECT_EQ(lenient.checks[1].origin, CheckOrigin::kOverridden);
  EXPECT_EQ(lenient.checks[1].tolerance.at("failures"), "1");
  EXPECT_EQ(lenient.checks[1].scenarioTolerance.at("failures"), "0");
  EXPECT_EQ(lenient.checks[2].name, "max-requests");
  EXPECT_EQ(lenient.checks[2].origin, CheckOrigin::kAdded);
}

}  // namespace
}  // namespace certchaos::scenario
