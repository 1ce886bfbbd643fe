// YAML <-> JSON for -f files and -o yaml, and the plain tables.
#include "output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace certchaos::cli {
namespace {

using nlohmann::json;

TEST(CliOutputTest, YamlScalarsBecomeTypedJson) {
  auto j = yamlToJson("a: 1\nb: '1'\nc: true\nd: ~\ne: 1h\nf: [x, 2.5]\ng: {}\n", "t.yaml");
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(*j, (json{{"a", 1},
                      {"b", "1"},
                      {"c", true},
                      {"d", nullptr},
                      {"e", "1h"},
                      {"f", {"x", 2.5}},
                      {"g", json::object()}}));
}

TEST(CliOutputTest, YamlRoundTripKeepsStringsThatLookLikeNumbers) {
  json value = {{"seed", 42},  {"probability", "0.5"}, {"flag", "true"},
                {"empty", ""}, {"list", {"a", 1}},     {"message", "a: b"}};
  auto back = yamlToJson(toYaml(value), "round trip");
  ASSERT_TRUE(back) << back.error().message << "\n" << toYaml(value);
  EXPECT_EQ(*back, value) << toYaml(value);
}

TEST(CliOutputTest, SyntaxErrorsNameTheFileAndLine) {
  auto bad = yamlToJson("a: [1, 2\nb: 3\n", "issuer.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("issuer.yaml"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("line"), std::string::npos) << bad.error().message;
  auto two = yamlToJson("a: 1\n---\nb: 2\n", "two.yaml");
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("found 2"), std::string::npos);
}

// Found by the issuer_file fuzz target: yaml-cpp 0.7's LoadAll never returned on a ',' outside
// [ ] or { } at the top level (memory growing); and bytes that are not UTF-8 are named.
TEST(CliOutputTest, AStrayCommaAndInvalidUtf8AreRefusedWithoutHanging) {
  for (const char* text : {", reso", "- a\n,", "  ,"}) {
    auto stuck = yamlToJson(text, "issuer.yaml");
    ASSERT_FALSE(stuck) << text;
    EXPECT_NE(stuck.error().message.find("found a ',' outside [ ] or { }"), std::string::npos)
        << stuck.error().message;
  }
  EXPECT_TRUE(yamlToJson("a: [1, 2]\n", "issuer.yaml"));
  auto bad = yamlToJson(", \xd3\xdf\x9e\xf5\xd2\xdf\x9d\xf9", "issuer.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("issuer.yaml: expected UTF-8 text"), std::string::npos)
      << bad.error().message;
}

TEST(CliOutputTest, TablesAlignAndTruncateOnCharacters) {
  std::ostringstream out;
  printTable(out, {"NO", "NAME"}, {{"1", "rogue-issuer"}, {"10", "short-lived"}});
  EXPECT_EQ(out.str(), "NO   NAME\n1    rogue-issuer\n10   short-lived\n");
  EXPECT_EQ(truncate("notAfter − renewBefore", 10), "notAfter …");
  EXPECT_EQ(truncate("short", 10), "short");
  EXPECT_FALSE(checkFormat("xml", {"text", "json"}));
  EXPECT_NE(checkFormat("xml", {"text", "json"}).error().message.find("text|json"),
            std::string::npos);
}

}  // namespace
}  // namespace certchaos::cli
