#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "certchaos/kube/event_recorder.h"
#include "certchaos/kube/leader_election.h"
#include "client_fixture.h"

namespace certchaos::kube {
namespace {

using namespace std::chrono_literals;
using testing::FakeApiServer;

TEST(EventRecorder, FoldsRepeatsIntoOneEvent) {
  FakeApiServer server;
  testing::FakeClock clock;
  auto client = std::make_shared<Client>(testing::fakeConfig(server), nullptr, clock);
  EventRecorder recorder(client, {"certchaos-issuer", "pod-1"}, clock);
  nlohmann::json cr = {{"apiVersion", "cert-manager.io/v1"},
                       {"kind", "CertificateRequest"},
                       {"metadata", {{"name", "cr-1"}, {"namespace", "ns"}, {"uid", "u-1"}}}};

  auto first = recorder.record(cr, EventType::kWarning, "FaultInjected", "slept 60s");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ((*first)["count"], 1);
  EXPECT_EQ((*first)["involvedObject"]["kind"], "CertificateRequest");
  EXPECT_EQ((*first)["involvedObject"]["uid"], "u-1");
  EXPECT_EQ((*first)["type"], "Warning");
  EXPECT_EQ((*first)["firstTimestamp"], "2024-01-01T00:00:00Z");

  clock.advance(5s);
  auto second = recorder.record(cr, EventType::kWarning, "FaultInjected", "slept 60s");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ((*second)["count"], 2);
  EXPECT_EQ((*second)["lastTimestamp"], "2024-01-01T00:00:05Z");
  EXPECT_EQ((*second)["metadata"]["name"], (*first)["metadata"]["name"]);
  EXPECT_EQ(server.countRequests("POST", "/api/v1/namespaces/ns/events"), 1u);
  EXPECT_EQ(server.countRequests("PATCH", "/api/v1/namespaces/ns/events/"), 1u);

  auto other = recorder.record(cr, EventType::kNormal, "Issued", "signed");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(server.countRequests("POST", "/api/v1/namespaces/ns/events"), 2u);
}

LeaderElectionConfig fastElection(const std::string& identity) {
  LeaderElectionConfig c;
  c.leaseNamespace = "ns";
  c.leaseName = "certchaos-issuer";
  c.identity = identity;
  c.leaseDuration = 1s;
  c.renewDeadline = 600ms;
  c.retryPeriod = 50ms;
  return c;
}

TEST(LeaderElection, SecondCandidateTakesOverAfterACleanRelease) {
  FakeApiServer server;
  auto client = std::make_shared<Client>(testing::fakeConfig(server));
  std::atomic<bool> aLeading{false}, bLeading{false};
  auto aConfig = fastElection("a");
  aConfig.onStartedLeading = [&](std::stop_token stop) {
    aLeading = true;
    while (!stop.stop_requested()) std::this_thread::sleep_for(5ms);
    aLeading = false;
  };
  auto bConfig = fastElection("b");
  bConfig.onStartedLeading = [&](std::stop_token) { bLeading = true; };
  LeaderElector a(client, aConfig);
  LeaderElector b(client, bConfig);

  std::jthread aThread([&](std::stop_token stop) { a.run(stop); });
  ASSERT_TRUE(server.waitFor([&] { return a.isLeader(); }));
  std::jthread bThread([&](std::stop_token stop) { b.run(stop); });
  ASSERT_TRUE(server.waitFor([&] { return b.observedLeader() == "a"; }));
  EXPECT_FALSE(b.isLeader());

  auto stopped = std::chrono::steady_clock::now();
  aThread.request_stop();
  aThread.join();
  EXPECT_FALSE(aLeading.load());
  auto lease = server.getObject("/apis/coordination.k8s.io/v1/leases", "ns", "certchaos-issuer");
  ASSERT_TRUE(server.waitFor([&] { return b.isLeader() && bLeading; }));
  // Released, so b does not wait for the lease to expire.
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, 900ms);
  lease = server.getObject("/apis/coordination.k8s.io/v1/leases", "ns", "certchaos-issuer");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);  // a released, so it is not a takeover
  EXPECT_THAT(lease["spec"]["renewTime"].get<std::string>(),
              ::testing::MatchesRegex(
                  R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z)"));
}

TEST(LeaderElection, ExpiredLeaseOfACrashedHolderIsTakenOver) {
  FakeApiServer server;
  server.putObject("/apis/coordination.k8s.io/v1/leases",
                   {{"metadata", {{"name", "certchaos-issuer"}, {"namespace", "ns"}}},
                    {"spec",
                     {{"holderIdentity", "crashed"},
                      {"leaseDurationSeconds", 1},
                      {"renewTime", "2024-01-01T00:00:00.000000Z"},
                      {"leaseTransitions", 3}}}});
  auto client = std::make_shared<Client>(testing::fakeConfig(server));
  LeaderElector b(client, fastElection("b"));
  auto started = std::chrono::steady_clock::now();
  std::jthread bThread([&](std::stop_token stop) { b.run(stop); });
  ASSERT_TRUE(server.waitFor([&] { return b.isLeader(); }, 3s));
  auto waited = std::chrono::steady_clock::now() - started;
  // Judged by b's own clock since it first saw the record: about one lease duration.
  EXPECT_GE(waited, 1s);
  EXPECT_LT(waited, 2s);
  auto lease = server.getObject("/apis/coordination.k8s.io/v1/leases", "ns", "certchaos-issuer");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 4);
}

}  // namespace
}  // namespace certchaos::kube
