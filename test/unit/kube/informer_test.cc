#include "certchaos/kube/informer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/api/cert_manager.h"
#include "certchaos/kube/log_sink.h"
#include "client_fixture.h"
#include "watch_stream.h"

namespace certchaos::kube {
namespace {

using namespace std::chrono_literals;
using testing::FakeApiServer;
using testing::listOf;
using testing::namedObject;
using testing::streamChunks;
using testing::watchLine;

ReflectorOptions fastOptions() {
  ReflectorOptions options;
  options.backoff = {1ms, 20ms, 2.0, 0.1};
  options.idleTimeout = 10s;
  return options;
}

bool isWatch(const httplib::Request& req) { return req.has_param("watch"); }

TEST(Informer, RelistsAfter410GoneMidStream) {
  FakeApiServer server;
  std::atomic<int> lists{0};
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (!isWatch(req)) {
      int n = ++lists;
      auto body =
          n == 1 ? listOf({namedObject("a", "10")}, "10")
                 : listOf({namedObject("a", "10"), namedObject("b", "11"), namedObject("c", "20")},
                          "20");
      res.set_content(body.dump(), "application/json");
      return true;
    }
    if (req.get_param_value("resourceVersion") == "10") {
      streamChunks(server, res,
                   {watchLine("ADDED", namedObject("b", "11")),
                    watchLine("ERROR", nlohmann::json::parse(FakeApiServer::statusBody(
                                           410, "Expired", "too old resource version: 10")))},
                   false);
    } else {
      streamChunks(server, res, {}, true);
    }
    return true;
  });
  auto client = std::make_shared<Client>(testing::fakeConfig(server));
  Informer informer(client, resources::kConfigMap, "ns", fastOptions());
  std::mutex mu;
  std::vector<std::string> added;
  informer.addHandlers({.onAdd = [&](const ObjectPtr& o) {
    std::lock_guard<std::mutex> lock(mu);
    added.push_back((*o)["metadata"]["name"]);
  }});
  informer.start();
  ASSERT_TRUE(informer.waitForSync(5s));
  ASSERT_TRUE(server.waitFor([&] {
    return informer.cache().size() == 3 &&
           server.countRequests("GET", "/api", "resourceVersion", "20") > 0;
  }));
  EXPECT_EQ(lists.load(), 2);
  EXPECT_EQ(informer.stats().gone, 1u);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(added, ::testing::ElementsAre("a", "b", "c"));  // each once
}

TEST(Informer, RelistsAfter410GoneStatusOnResume) {
  FakeApiServer server;
  std::atomic<int> lists{0};
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (!isWatch(req)) {
      ++lists;
      res.set_content(listOf({namedObject("a", "5")}, "5").dump(), "application/json");
      return true;
    }
    if (lists == 1) {
      res.status = 410;
      res.set_content(FakeApiServer::statusBody(410, "Expired", "too old"), "application/json");
      return true;
    }
    streamChunks(server, res, {}, true);
    return true;
  });
  auto client = std::make_shared<Client>(testing::fakeConfig(server));
  Informer informer(client, resources::kConfigMap, "ns", fastOptions());
  informer.start();
  ASSERT_TRUE(server.waitFor([&] { return lists == 2 && informer.stats().watches >= 2; }));
  EXPECT_EQ(informer.cache().size(), 1u);
}

TEST(Informer, StalledWatchIsReplacedWithinTheIdleDeadlineAndResumes) {
  FakeApiServer server;
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (!isWatch(req)) {
      res.set_content(listOf({}, "5").dump(), "application/json");
      return true;
    }
    std::string rv = req.get_param_value("resourceVersion");
    if (rv == "5") {
      streamChunks(server, res, {watchLine("ADDED", namedObject("a", "6"))}, true);  // then silence
    } else {
      streamChunks(server, res, {watchLine("ADDED", namedObject("b", "7"))}, true);
    }
    return true;
  });
  auto client = std::make_shared<Client>(testing::fakeConfig(server));
  auto options = fastOptions();
  options.idleTimeout = 300ms;
  Informer informer(client, resources::kConfigMap, "ns", options);
  auto started = std::chrono::steady_clock::now();
  informer.start();
  ASSERT_TRUE(server.waitFor([&] { return informer.cache().size() == 2; }, 3s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_GE(informer.stats().stalls, 1u);
  EXPECT_EQ(server.countRequests("GET", "/api", "resourceVersion", "6"), 1u);  // resumed, no relist
  EXPECT_EQ(server.countRequests("GET", "/api", "watch", ""), 1u);
}

// Issue 13: "watch stalled, reconnecting" landed on stderr in the middle of the CLI's progress
// lines. With a sink installed the client's warnings go there, and nothing to stderr.
TEST(Informer, StallWarningGoesToTheInstalledLogSinkNotStderr) {
  FakeApiServer server;
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (!isWatch(req)) {
      res.set_content(listOf({}, "5").dump(), "application/json");
      return true;
    }
    streamChunks(server, res, {watchLine("ADDED", namedObject("a", "6"))}, true);  // then silence
    return true;
  });
  std::mutex mu;
  std::vector<std::pair<LogLevel, std::string>> lines;
  setLogSink([&](LogLevel level, std::string_view message) {
    std::lock_guard lock(mu);
    lines.emplace_back(level, std::string(message));
  });
  ::testing::internal::CaptureStderr();
  {
    auto client = std::make_shared<Client>(testing::fakeConfig(server));
    auto options = fastOptions();
    options.idleTimeout = 300ms;
    Informer informer(client, resources::kConfigMap, "ns", options);
    informer.start();
    ASSERT_TRUE(server.waitFor([&] { return informer.stats().stalls >= 1; }, 3s));
    informer.stop();
  }
  const std::string stderrText = ::testing::internal::GetCapturedStderr();
  setLogSink({});
  EXPECT_EQ(stderrText, "");
  std::lock_guard lock(mu);
  bool stalled = false;
  for (const auto& [level, message] : lines) {
    stalled = stalled || (level == LogLevel::kWarn &&
                          message.find("msg=\"watch stalled, reconnecting\"") == 0 &&
                          message.find("resource=configmaps") != std::string::npos);
  }
  EXPECT_TRUE(stalled) << lines.size() << " lines, none the stall warning";
}

TEST(Informer, HandlersSeeUpdatesDeletesAndRelistDiffs) {
  FakeApiServer server;
  std::atomic<int> lists{0};
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (!isWatch(req)) {
      int n = ++lists;
      auto body = n == 1 ? listOf({namedObject("a", "1"), namedObject("b", "2")}, "2")
                         : listOf({namedObject("a", "9")}, "9");  // b vanished, a changed
      res.set_content(body.dump(), "application/json");
      return true;
    }
    if (req.get_param_value("resourceVersion") == "2") {
      streamChunks(
          server, res,
          {watchLine("MODIFIED", namedObject("a", "3")),
           watchLine("BOOKMARK", {{"metadata", {{"resourceVersion", "4"}}}}),
           watchLine("DELETED", namedObject("a", "5")), watchLine("ADDED", namedObject("a", "6")),
           watchLine("ERROR",
                     nlohmann::json::parse(FakeApiServer::statusBody(410, "Gone", "gone")))},
          false);
    } else {
      streamChunks(server, res, {}, true);
    }
    return true;
  });
  auto client = std::make_shared<Client>(testing::fakeConfig(server));
  Informer informer(client, resources::kConfigMap, "ns", fastOptions());
  std::mutex mu;
  std::vector<std::string> log;
  auto note = [&](const std::string& what, const ObjectPtr& o) {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(what + " " + (*o)["metadata"]["name"].get<std::string>() + "@" +
                  (*o)["metadata"]["resourceVersion"].get<std::string>());
  };
  informer.addHandlers({
      .onAdd = [&](const ObjectPtr& o) { note("add", o); },
      .onUpdate = [&](const ObjectPtr&, const ObjectPtr& o) { note("update", o); },
      .onDelete = [&](const ObjectPtr& o) { note("delete", o); },
  });
  informer.start();
  ASSERT_TRUE(server.waitFor([&] { return lists == 2 && informer.stats().watches >= 2; }));
  informer.stop();
  EXPECT_THAT(log, ::testing::ElementsAre("add a@1", "add b@2", "update a@3", "delete a@3",
                                          "add a@6", "delete b@2", "update a@9"));
  EXPECT_EQ(informer.cache().size(), 1u);
}

TEST(Informer, IndexesByIssuerRef) {
  FakeApiServer server;
  auto request = [](const std::string& name, const std::string& issuer, const std::string& kind) {
    nlohmann::json o = namedObject(name, "1");
    o["spec"]["issuerRef"] = {{"name", issuer}, {"kind", kind}, {"group", "certchaos.io"}};
    return o;
  };
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (!isWatch(req)) {
      res.set_content(
          listOf({request("r1", "chaos", "ChaosIssuer"), request("r2", "chaos", "ChaosIssuer"),
                  request("r3", "other", "ChaosClusterIssuer")},
                 "1")
              .dump(),
          "application/json");
      return true;
    }
    streamChunks(server, res, {}, true);
    return true;
  });
  auto client = std::make_shared<Client>(testing::fakeConfig(server));
  Informer informer(client, api::kCertificateRequest, "", fastOptions());
  informer.addIndex("issuerRef", issuerRefIndex);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(5s));
  EXPECT_EQ(informer.cache().byIndex("issuerRef", "certchaos.io/ChaosIssuer/chaos").size(), 2u);
  EXPECT_EQ(informer.cache().byIndex("issuerRef", "certchaos.io/ChaosClusterIssuer/other").size(),
            1u);
  EXPECT_EQ(informer.cache().byIndex(kNamespaceIndex, "ns").size(), 3u);
  ASSERT_TRUE(informer.cache().get("ns/r1"));
  EXPECT_EQ((*informer.cache().get("ns/r1"))["kind"], "CertificateRequest");
}

TEST(Informer, ReconnectsAfterServerErrorsWithBackoff) {
  FakeApiServer server;
  std::atomic<int> attempts{0};
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (!isWatch(req)) {
      if (++attempts < 3) {
        res.status = 500;
        return true;
      }
      res.set_content(listOf({namedObject("a", "1")}, "1").dump(), "application/json");
      return true;
    }
    streamChunks(server, res, {}, true);
    return true;
  });
  auto client = std::make_shared<Client>(testing::fakeConfig(server));
  Informer informer(client, resources::kConfigMap, "ns", fastOptions());
  informer.start();
  ASSERT_TRUE(informer.waitForSync(5s));
  EXPECT_EQ(informer.cache().size(), 1u);
  EXPECT_GE(attempts.load(), 3);
}

}  // namespace
}  // namespace certchaos::kube
