#include "certchaos/kube/watch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "certchaos/kube/client.h"
#include "client_fixture.h"
#include "watch_stream.h"

namespace certchaos::kube {
namespace {

using namespace std::chrono_literals;
using testing::FakeApiServer;

const std::string kEvent =
    testing::watchLine("MODIFIED", {{"apiVersion", "v1"},
                                    {"kind", "ConfigMap"},
                                    {"metadata",
                                     {{"name", "cm-\u00e9"},  // a multi-byte character to split
                                      {"namespace", "ns"},
                                      {"resourceVersion", "42"}}},
                                    {"data", {{"k", "line1\nline2"}}}});

TEST(LineBuffer, OneEventSplitAtEveryBytePosition) {
  for (std::size_t cut = 0; cut <= kEvent.size(); ++cut) {
    LineBuffer buffer;
    std::vector<std::string> lines;
    auto collect = [&](std::string_view line) {
      lines.emplace_back(line);
      return true;
    };
    ASSERT_TRUE(buffer.append(std::string_view(kEvent).substr(0, cut), collect).ok());
    ASSERT_TRUE(buffer.append(std::string_view(kEvent).substr(cut), collect).ok());
    ASSERT_EQ(lines.size(), 1u) << "cut at " << cut;
    auto event = parseWatchEvent(lines[0]);
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_EQ(event->type, WatchEventType::kModified);
    EXPECT_EQ(event->object["data"]["k"], "line1\nline2");  // an escaped newline is no boundary
    EXPECT_EQ(buffer.pending(), 0u);
  }
}

TEST(LineBuffer, ByteByByteAndManyEventsPerChunk) {
  std::string three = kEvent + kEvent + kEvent;
  LineBuffer buffer;
  int lines = 0;
  for (char c : three) {
    ASSERT_TRUE(buffer
                    .append(std::string_view(&c, 1),
                            [&](std::string_view) {
                              ++lines;
                              return true;
                            })
                    .ok());
  }
  EXPECT_EQ(lines, 3);
  lines = 0;
  ASSERT_TRUE(buffer.append(three, [&](std::string_view) { return ++lines < 2; }).ok());
  EXPECT_EQ(lines, 2);  // stopped when asked
}

TEST(LineBuffer, RejectsOverlongLines) {
  LineBuffer buffer(16);
  auto r = buffer.append(std::string(17, 'x'), [](std::string_view) { return true; });
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("corrupt"));
}

TEST(ParseWatchEvent, RejectsWhatIsNotAnEvent) {
  EXPECT_FALSE(parseWatchEvent("{").ok());
  EXPECT_FALSE(parseWatchEvent("[]").ok());
  EXPECT_FALSE(parseWatchEvent(R"({"type":"ADDED"})").ok());
  EXPECT_FALSE(parseWatchEvent(R"({"type":"RENAMED","object":{}})").ok());
  auto bookmark = parseWatchEvent(R"({"type":"BOOKMARK","object":{"metadata":{}}})");
  ASSERT_TRUE(bookmark.ok());
  EXPECT_EQ(bookmark->type, WatchEventType::kBookmark);
}

TEST(ClientWatch, EventSplitAcrossHttpChunksAtEveryBytePosition) {
  FakeApiServer server;
  std::atomic<std::size_t> cut{1};
  server.addHandler([&](const httplib::Request&, httplib::Response& res) {
    std::size_t at = cut.load();
    testing::streamChunks(server, res, {kEvent.substr(0, at), kEvent.substr(at)}, false);
    return true;
  });
  Client client(testing::fakeConfig(server));
  for (std::size_t at = 1; at < kEvent.size(); ++at) {
    cut = at;
    std::vector<WatchEvent> events;
    auto end = client.watch(resources::kConfigMap, "ns", {.resourceVersion = "41"},
                            [&](const WatchEvent& e) {
                              events.push_back(e);
                              return true;
                            });
    ASSERT_TRUE(end.ok()) << "cut at " << at << ": " << end.error().message;
    EXPECT_EQ(end->reason, WatchEndReason::kClosed);
    EXPECT_EQ(end->resourceVersion, "42");
    ASSERT_EQ(events.size(), 1u) << "cut at " << at;
    EXPECT_EQ(events[0].object["metadata"]["name"], "cm-\u00e9");
  }
  auto r = server.requests().front();
  EXPECT_EQ(r.param("watch"), "true");
  EXPECT_EQ(r.param("resourceVersion"), "41");
  EXPECT_EQ(r.param("allowWatchBookmarks"), "true");
  EXPECT_EQ(r.param("timeoutSeconds"), "300");
}

TEST(ClientWatch, GoneAsStatusOrAsErrorEvent) {
  FakeApiServer server;
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("resourceVersion") == "1") {
      res.status = 410;
      res.set_content(FakeApiServer::statusBody(410, "Expired", "too old"), "application/json");
      return true;
    }
    testing::streamChunks(
        server, res,
        {testing::watchLine("ADDED", testing::namedObject("a", "3")),
         testing::watchLine(
             "ERROR", nlohmann::json::parse(FakeApiServer::statusBody(410, "Expired", "too old")))},
        false);
    return true;
  });
  Client client(testing::fakeConfig(server));
  auto ignore = [](const WatchEvent&) { return true; };
  auto status = client.watch(resources::kConfigMap, "ns", {.resourceVersion = "1"}, ignore);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status->reason, WatchEndReason::kGone);
  auto event = client.watch(resources::kConfigMap, "ns", {.resourceVersion = "2"}, ignore);
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->reason, WatchEndReason::kGone);
  EXPECT_EQ(event->events, 1u);
}

TEST(ClientWatch, OtherErrorEventsAreErrors) {
  FakeApiServer server;
  server.addHandler([&](const httplib::Request&, httplib::Response& res) {
    testing::streamChunks(
        server, res,
        {testing::watchLine("ERROR", nlohmann::json::parse(FakeApiServer::statusBody(
                                         500, "InternalError", "etcd is down")))},
        false);
    return true;
  });
  Client client(testing::fakeConfig(server));
  auto end = client.watch(resources::kConfigMap, "ns", {}, [](const WatchEvent&) { return true; });
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code, codes::kServerError);
  EXPECT_THAT(end.error().message, ::testing::HasSubstr("etcd is down"));
}

// Fields of the wrong JSON type made the decoder throw nlohmann::json::type_error inside libcurl's
// body callback, which ended the process (regression inputs in test/fuzz/corpus/watch_stream).
TEST(ClientWatch, FieldsOfTheWrongTypeNeverThrow) {
  FakeApiServer server;
  server.addHandler([&](const httplib::Request&, httplib::Response& res) {
    testing::streamChunks(
        server, res,
        {R"({"type":"ADDED","object":{"metadata":"not an object"}})"
         "\n",
         R"({"type":"ADDED","object":{"metadata":{"resourceVersion":7}}})"
         "\n",
         R"({"type":"ERROR","object":{"kind":5,"code":"410","reason":[1],"message":{}}})"
         "\n"},
        false);
    return true;
  });
  Client client(testing::fakeConfig(server));
  std::size_t delivered = 0;
  auto end = client.watch(resources::kConfigMap, "ns", {.resourceVersion = "41"},
                          [&](const WatchEvent&) { return ++delivered > 0; });
  EXPECT_EQ(delivered, 2u);
  ASSERT_FALSE(end.ok());  // an ERROR event without a usable code is a server error
  EXPECT_EQ(end.error().code, codes::kServerError);
}

TEST(DecodeWatchLine, ErrorEventsBecomeTheirStatusAndObjectsGetTheirKind) {
  const RequestDescription watch{"watch", "configmaps", "ns/*"};
  auto gone =
      decodeWatchLine(testing::watchLine("ERROR", nlohmann::json::parse(FakeApiServer::statusBody(
                                                      410, "InternalError", "too old"))),
                      watch, "v1", "ConfigMap");
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(isGone(gone.error())) << gone.error().code;
  auto added = decodeWatchLine(R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"9"}}})",
                               watch, "v1", "ConfigMap");
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->object["apiVersion"], "v1");
  EXPECT_EQ(added->object["kind"], "ConfigMap");
  EXPECT_EQ(resourceVersionOf(*added), "9");
}

TEST(ClientWatch, SilentStreamEndsAsStalledWithinTheIdleDeadline) {
  FakeApiServer server;
  server.addHandler([&](const httplib::Request&, httplib::Response& res) {
    testing::streamChunks(server, res,
                          {testing::watchLine("ADDED", testing::namedObject("a", "7"))}, true);
    return true;
  });
  Client client(testing::fakeConfig(server));
  auto started = std::chrono::steady_clock::now();
  auto end = client.watch(resources::kConfigMap, "ns", {.idleTimeout = 300ms},
                          [](const WatchEvent&) { return true; });
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(end.ok()) << end.error().message;
  EXPECT_EQ(end->reason, WatchEndReason::kStalled);
  EXPECT_EQ(end->resourceVersion, "7");
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1500ms);
}

TEST(ClientWatch, StopTokenEndsAWatchAtOnce) {
  FakeApiServer server;
  server.addHandler([&](const httplib::Request&, httplib::Response& res) {
    testing::streamChunks(server, res,
                          {testing::watchLine("ADDED", testing::namedObject("a", "7"))}, true);
    return true;
  });
  Client client(testing::fakeConfig(server));
  std::stop_source stop;
  auto started = std::chrono::steady_clock::now();
  auto end = client.watch(
      resources::kConfigMap, "ns", {},
      [&](const WatchEvent&) {
        stop.request_stop();  // from the handler's thread, like a shutdown signal would
        return true;
      },
      stop.get_token());
  ASSERT_TRUE(end.ok()) << end.error().message;
  EXPECT_EQ(end->reason, WatchEndReason::kStopped);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

// libcurl keeps a connection for the next request only while its connection cache holds fewer
// than the multi handle's maxconnects, open watches included; at its default (4 for one easy
// handle), a process with a few watches open opened a new connection, and TLS handshake, for
// every request (the issuer: three per issuance).
TEST(ClientConnections, RequestsReuseOneConnectionWhileWatchesAreOpen) {
  FakeApiServer server;
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("watch") != "true") return false;
    testing::streamChunks(server, res, {}, /*hold=*/true);
    return true;
  });
  server.putObject("/api/v1/configmaps", testing::namedObject("a", "7"));
  Client client(testing::fakeConfig(server));
  constexpr int kWatches = 6;
  std::stop_source stop;
  std::vector<std::jthread> watches;
  for (int i = 0; i < kWatches; ++i) {
    watches.emplace_back([&] {
      (void)client.watch(
          resources::kConfigMap, "ns", {}, [](const WatchEvent&) { return true; },
          stop.get_token());
    });
  }
  ASSERT_TRUE(server.waitFor([&] {
    return server.countRequests("GET", "/api/v1/namespaces/ns/configmaps", "watch", "true") ==
           kWatches;
  }));
  for (int i = 0; i < 20; ++i) {
    auto got = client.get(resources::kConfigMap, "ns", "a");
    ASSERT_TRUE(got.ok()) << got.error().message;
  }
  std::set<int> ports;
  for (const auto& r : server.requests()) {
    if (r.param("watch").empty()) ports.insert(r.remotePort);
  }
  EXPECT_EQ(ports.size(), 1u) << "connections opened for 20 GETs";
  stop.request_stop();
}

}  // namespace
}  // namespace certchaos::kube
