#include "certchaos/common/utf8.h"

#include <gtest/gtest.h>

namespace certchaos {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_FALSE(firstInvalidUtf8(""));
  EXPECT_FALSE(firstInvalidUtf8("kind: ChaosIssuer # caf\u00e9 \u20ac \U0001F600"));
}

TEST(Utf8, FindsTheFirstBadByte) {
  // An input of the issuer_file fuzz target.
  EXPECT_EQ(firstInvalidUtf8(", \xd3\xdf\x9e\xf5\xd2\xdf\x9d\xf9"), 2u);
  EXPECT_EQ(firstInvalidUtf8("ab\xc0\xaf"), 2u);        // overlong '/'
  EXPECT_EQ(firstInvalidUtf8("\xed\xa0\x80"), 0u);      // a surrogate
  EXPECT_EQ(firstInvalidUtf8("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(firstInvalidUtf8("ok\xe2\x82"), 2u);        // cut short
  EXPECT_EQ(firstInvalidUtf8("\x80"), 0u);              // a lone continuation byte
}

}  // namespace
}  // namespace certchaos
