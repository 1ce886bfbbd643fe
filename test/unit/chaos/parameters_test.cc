#include "certchaos/chaos/parameters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace certchaos::chaos {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

const std::vector<ParameterInfo> kDeclared = {
    param("delay", ParameterKind::kDuration, "1h", "hold"),
    param("validity", ParameterKind::kDuration, "1h", "life", {}, true),
    param("limit", ParameterKind::kInteger, "5", "count", {}, true),
    param("jitter", ParameterKind::kFraction, "0", "share"),
    param("mode", ParameterKind::kEnum, "a", "pick", {"a", "b"}),
    param("message", ParameterKind::kText, "hello", "text"),
};

TEST(ParameterSetTest, DefaultsApply) {
  auto p = ParameterSet::parse(kDeclared, {}, 1, "spec.parameters");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->duration("delay"), hours(1));
  EXPECT_EQ(p->integer("limit"), 5);
  EXPECT_EQ(p->fraction("jitter"), 0.0);
  EXPECT_EQ(p->text("mode"), "a");
  EXPECT_EQ(p->text("message"), "hello");
}

TEST(ParameterSetTest, GivenValuesParse) {
  auto p = ParameterSet::parse(
      kDeclared, {{"delay", "1h30m"}, {"limit", "7"}, {"jitter", "0.25"}, {"mode", "b"}}, 1, "x");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->duration("delay"), std::chrono::minutes(90));
  EXPECT_EQ(p->integer("limit"), 7);
  EXPECT_DOUBLE_EQ(p->fraction("jitter"), 0.25);
  EXPECT_EQ(p->text("mode"), "b");
}

TEST(ParameterSetTest, TimeScaleDividesDurationsAndKeepsNominal) {
  auto p = ParameterSet::parse(kDeclared, {{"delay", "1h"}}, 60, "x");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->duration("delay"), std::chrono::minutes(1));
  EXPECT_EQ(p->nominal().at("delay"), "1h");
  EXPECT_EQ(p->timeScale(), 60);
}

TEST(ParameterSetTest, NegativeDelayIsRefused) {
  auto p = ParameterSet::parse(kDeclared, {{"delay", "-5m"}}, 1, "spec.parameters");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "InvalidSpec");
  EXPECT_THAT(p.error().message,
              HasSubstr("spec.parameters.delay: expected a non-negative duration, found \"-5m\""));
}

TEST(ParameterSetTest, UnparsableDurationIsRefused) {
  auto p = ParameterSet::parse(kDeclared, {{"delay", "an hour"}}, 1, "spec.parameters");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.error().message, HasSubstr("spec.parameters.delay: expected a duration such as"));
  EXPECT_THAT(p.error().message, HasSubstr("found \"an hour\""));
}

TEST(ParameterSetTest, AnOutOfRangeDurationSaysSo) {
  auto p = ParameterSet::parse(kDeclared, {{"delay", "9999999999h"}}, 1, "spec.parameters");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.error().message,
              HasSubstr("spec.parameters.delay: duration \"9999999999h\" is out of range"));
  EXPECT_THAT(p.error().message, Not(HasSubstr("such as")));
}

TEST(ParameterSetTest, PositiveMeansZeroIsRefused) {
  auto p = ParameterSet::parse(kDeclared, {{"validity", "0s"}, {"limit", "0"}}, 1, "f");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.error().message, HasSubstr("f.validity: expected a positive duration"));
  EXPECT_THAT(p.error().message, HasSubstr("f.limit: expected a positive integer, found \"0\""));
}

TEST(ParameterSetTest, FractionAboveOneAndBadEnumAreRefused) {
  auto p = ParameterSet::parse(kDeclared, {{"jitter", "1.5"}, {"mode", "c"}}, 1, "f");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.error().message,
              HasSubstr("f.jitter: expected a number from 0 to 1, found \"1.5\""));
  EXPECT_THAT(p.error().message, HasSubstr("f.mode: expected one of a, b, found \"c\""));
}

TEST(ParameterSetTest, UnknownParameterListsKnownOnes) {
  auto p = ParameterSet::parse(kDeclared, {{"dealy", "1h"}}, 1, "spec.parameters");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.error().message,
              HasSubstr("spec.parameters.dealy: unknown parameter; expected one of: delay, "
                        "jitter, limit, message, mode, validity"));
}

TEST(ParameterSetTest, IntegerRefusesTrailingGarbage) {
  auto p = ParameterSet::parse(kDeclared, {{"limit", "5x"}}, 1, "f");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.error().message, HasSubstr("found \"5x\""));
}

}  // namespace
}  // namespace certchaos::chaos
