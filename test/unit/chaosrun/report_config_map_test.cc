// The report ConfigMap fits one object: logs keep their tails, an oversized report.json loses
// timeline entries from its middle, and every cut is said (trimmed.txt and the result), never
// silent; nothing is cut when it fits.
#include "certchaos/chaosrun/report_config_map.h"

#include <gtest/gtest.h>

namespace certchaos::chaosrun {
namespace {

using nlohmann::json;

const json kRun = {{"metadata", {{"name", "r1"}, {"namespace", "demo"}, {"uid", "u-1"}}}};

std::size_t dataSize(const json& configMap) {
  std::size_t n = 0;
  for (const auto& [k, v] : configMap["data"].items()) n += k.size() + v.get<std::string>().size();
  return n;
}

std::string reportWith(int entries) {
  json timeline = json::array();
  for (int i = 0; i < entries; ++i) {
    timeline.push_back({{"kind", "ProbeSucceeded"}, {"message", "entry " + std::to_string(i)}});
  }
  return json{{"schemaVersion", "1"}, {"timeline", timeline}}.dump(2);
}

TEST(ReportConfigMapTest, KeepsEverythingWhenItFitsAndIsOwnedByTheRun) {
  auto cm = buildReportConfigMap(kRun, reportWith(3), {{"issuer", "line 1\nline 2\n"}}, "/runs/x");
  EXPECT_TRUE(cm.trimmed.empty());
  EXPECT_EQ(cm.object["metadata"]["name"], "r1-report");
  EXPECT_EQ(cm.object["metadata"]["namespace"], "demo");
  EXPECT_EQ(cm.object["metadata"]["ownerReferences"][0]["uid"], "u-1");
  EXPECT_EQ(cm.object["metadata"]["ownerReferences"][0]["kind"], "ChaosRun");
  EXPECT_EQ(cm.object["data"]["report.json"], reportWith(3));
  EXPECT_EQ(cm.object["data"]["issuer.log"], "line 1\nline 2\n");
  EXPECT_FALSE(cm.object["data"].contains("trimmed.txt"));
}

TEST(ReportConfigMapTest, CutsLogsFromTheFrontAndSaysSo) {
  std::string log;
  for (int i = 0; i < 20000; ++i) log += "log line " + std::to_string(i) + "\n";
  const std::size_t budget = 64 * 1024;
  auto cm = buildReportConfigMap(kRun, reportWith(3), {{"cert-manager", log}}, "/runs/x", budget);
  EXPECT_LE(dataSize(cm.object), budget);
  const std::string kept = cm.object["data"]["cert-manager.log"];
  EXPECT_NE(kept.find("log line 19999\n"), std::string::npos) << "the end of the log is kept";
  EXPECT_EQ(kept.find("log line 0\n"), std::string::npos);
  EXPECT_EQ(kept.rfind("log line ", 0), 0u) << "cut at a line";
  EXPECT_NE(cm.trimmed.find("cert-manager.log: the first"), std::string::npos) << cm.trimmed;
  EXPECT_NE(cm.trimmed.find("/runs/x"), std::string::npos) << "says where the whole run is";
  EXPECT_NE(cm.object["data"]["trimmed.txt"].get<std::string>().find("cert-manager.log"),
            std::string::npos);
  EXPECT_EQ(cm.object["data"]["report.json"], reportWith(3)) << "the report comes first";
}

TEST(ReportConfigMapTest, AReportTooLargeLosesTimelineEntriesFromTheMiddleNotItsEnds) {
  const std::string big = reportWith(20000);
  const std::size_t budget = 128 * 1024;
  ASSERT_GT(big.size(), budget);
  auto cm = buildReportConfigMap(kRun, big, {}, "/runs/x", budget);
  EXPECT_LE(dataSize(cm.object), budget);
  json kept = json::parse(cm.object["data"]["report.json"].get<std::string>());
  ASSERT_GE(kept["timeline"].size(), 2u);
  EXPECT_LT(kept["timeline"].size(), 20000u);
  EXPECT_EQ(kept["timeline"].front()["message"], "entry 0");
  EXPECT_EQ(kept["timeline"].back()["message"], "entry 19999");
  EXPECT_EQ(kept["schemaVersion"], "1") << "the rest of the report is whole";
  EXPECT_NE(cm.trimmed.find("timeline entries dropped"), std::string::npos) << cm.trimmed;
}

TEST(ReportConfigMapTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  auto cm = buildReportConfigMap(kRun, reportWith(1), {{"app", std::string("ok \xff\xfe end\n")}},
                                 "/runs/x");
  EXPECT_EQ(cm.object["data"]["app.log"], "ok \xEF\xBF\xBD\xEF\xBF\xBD end\n");
  EXPECT_NO_THROW((void)cm.object.dump());
}

}  // namespace
}  // namespace certchaos::chaosrun
