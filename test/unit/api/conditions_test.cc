#include "certchaos/api/conditions.h"

#include <gtest/gtest.h>

namespace certchaos::api {
namespace {

TEST(PrintableTest, KeepsTextAndUtf8) {
  EXPECT_EQ(printable("spec.parameters.delay: expected a duration"),
            "spec.parameters.delay: expected a duration");
  EXPECT_EQ(printable("Zertifikat für café — ✓ 🔒"), "Zertifikat für café — ✓ 🔒");
}

TEST(PrintableTest, EscapesControlCharacters) {
  EXPECT_EQ(printable("a\nInjected: line"), "a\\nInjected: line");
  EXPECT_EQ(printable("tab\there\r"), "tab\\there\\r");
  EXPECT_EQ(printable("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(printable(std::string("nul\0end", 7)), "nul\\x00end");
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
  EXPECT_EQ(printable("c1\xc2\x85next"), "c1\\u0085next");   // U+0085 NEXT LINE
  EXPECT_EQ(printable("nbsp\xc2\xa0ok"), "nbsp\xc2\xa0ok");  // U+00A0 is printable
}

TEST(PrintableTest, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(printable("bad\xff"), "bad\\xff");
  EXPECT_EQ(printable("cut\xe2\x82"), "cut\\xe2\\x82");
  EXPECT_EQ(printable("overlong\xc0\xaf"), "overlong\\xc0\\xaf");
  EXPECT_EQ(printable("surrogate\xed\xa0\x80"), "surrogate\\xed\\xa0\\x80");
}

TEST(BuildConditionTest, TheMessageIsPrintable) {
  auto c =
      buildCondition(nlohmann::json::object(),
                     {"Ready", "False", "InvalidSpec", "found \"x\n\x1b[2J\"", 1, std::nullopt},
                     std::chrono::system_clock::now());
  EXPECT_EQ(c["message"], "found \"x\\n\\x1b[2J\"");
}

}  // namespace
}  // namespace certchaos::api
