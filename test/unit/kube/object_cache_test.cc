#include "certchaos/kube/object_cache.h"

#include <gtest/gtest.h>

#include "certchaos/kube/base64.h"

namespace certchaos::kube {
namespace {

nlohmann::json obj(const std::string& ns, const std::string& name, const std::string& rv,
                   const std::string& label = "") {
  nlohmann::json o = {{"metadata", {{"name", name}, {"resourceVersion", rv}}}};
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  if (!label.empty()) o["metadata"]["labels"]["app"] = label;
  return o;
}

std::vector<std::string> appLabel(const nlohmann::json& o) {
  auto labels = o["metadata"].value("labels", nlohmann::json::object());
  if (!labels.contains("app")) return {};
  return {labels["app"].get<std::string>()};
}

// Both ways of keeping objects behave the same.
class ObjectCacheTest : public ::testing::TestWithParam<ObjectCache::Storage> {};

TEST_P(ObjectCacheTest, KeysAndIndexesFollowChanges) {
  ObjectCache cache(GetParam());
  cache.addIndex("app", appLabel);
  EXPECT_FALSE(cache.upsert(obj("ns", "a", "1", "web")));
  EXPECT_FALSE(cache.upsert(obj("", "cluster-wide", "2", "web")));
  EXPECT_EQ(objectKey(obj("ns", "a", "1")), "ns/a");
  EXPECT_TRUE(cache.get("cluster-wide"));
  EXPECT_EQ(cache.byIndex("app", "web").size(), 2u);

  auto old = cache.upsert(obj("ns", "a", "3", "db"));  // relabelled
  ASSERT_TRUE(old);
  EXPECT_EQ((*old)["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(cache.byIndex("app", "web").size(), 1u);
  EXPECT_EQ(cache.byIndex("app", "db").size(), 1u);
  EXPECT_EQ(cache.byIndex(kNamespaceIndex, "ns").size(), 1u);

  EXPECT_TRUE(cache.remove("ns/a"));
  EXPECT_FALSE(cache.remove("ns/a"));
  EXPECT_TRUE(cache.byIndex("app", "db").empty());
  EXPECT_TRUE(cache.byIndex("no-such-index", "x").empty());
}

TEST_P(ObjectCacheTest, ReplaceReportsTheDiff) {
  ObjectCache cache(GetParam());
  cache.upsert(obj("ns", "same", "1"));
  cache.upsert(obj("ns", "changed", "1"));
  cache.upsert(obj("ns", "vanished", "1"));
  auto diff =
      cache.replace({obj("ns", "same", "1"), obj("ns", "changed", "2"), obj("ns", "new", "3")});
  ASSERT_EQ(diff.added.size(), 1u);
  EXPECT_EQ((*diff.added[0])["metadata"]["name"], "new");
  ASSERT_EQ(diff.updated.size(), 1u);
  EXPECT_EQ((*diff.updated[0].second)["metadata"]["resourceVersion"], "2");
  ASSERT_EQ(diff.removed.size(), 1u);
  EXPECT_EQ((*diff.removed[0])["metadata"]["name"], "vanished");
  EXPECT_EQ(cache.size(), 3u);
}

TEST_P(ObjectCacheTest, ObjectsComeBackAsTheyWereStored) {
  ObjectCache cache(GetParam());
  nlohmann::json o = obj("ns", "a", "7", "web");
  o["spec"] = {{"n", 42},
               {"f", 0.5},
               {"neg", -3},
               {"big", 18446744073709551615ull},
               {"t", true},
               {"null", nullptr},
               {"text", "caf\u00e9 \u2713"},
               {"list", nlohmann::json::array({1, "two", nlohmann::json::object()})}};
  cache.upsert(o);
  EXPECT_EQ(*cache.get("ns/a"), o);
  EXPECT_EQ(*cache.list().at(0), o);
  EXPECT_EQ(*cache.byIndex("namespace", "ns").at(0), o);
  auto old = cache.remove("ns/a");
  ASSERT_TRUE(old);
  EXPECT_EQ(*old, o);
}

INSTANTIATE_TEST_SUITE_P(Storage, ObjectCacheTest,
                         ::testing::Values(ObjectCache::Storage::kParsed,
                                           ObjectCache::Storage::kPacked),
                         [](const auto& info) {
                           return info.param == ObjectCache::Storage::kParsed ? "Parsed" : "Packed";
                         });

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto back = base64Decode(base64Encode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(*base64Decode("aGVs\nbG8="), "hello");
  EXPECT_FALSE(base64Decode("aGVsbG8").ok());
  EXPECT_FALSE(base64Decode("aGV*bG8=").ok());
}

}  // namespace
}  // namespace certchaos::kube
