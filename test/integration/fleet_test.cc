// The fleet path at a small N on the real plane (issue 11): N Certificates (200, or
// $CERTCHAOS_FLEET_TEST_N) on one ChaosIssuer, created back to back, all become Ready; each has
// exactly one CertificateRequest, signed exactly once (the issuer's signing counter and its
// approved-to-Ready histogram grow by N, no more), none lost; the issuer's /metrics still pass
// promtool. And the issuer's cache of CertificateRequests — an Informer with the issuer's own
// options (requestCacheOptions, kRequestCacheStorage) against the same API server — holds none
// of their CSRs, certificates or CAs, which the stored objects do carry.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/issuer/lean_request.h"
#include "certchaos/kube/informer.h"
#include "certchaos/localcluster/local_cluster.h"
#include "plane.h"
#include "promtool.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;
namespace res = kube::resources;

using api::kChaosIssuer;

int fleetSize() {
  const char* v = std::getenv("CERTCHAOS_FLEET_TEST_N");
  const int n = v != nullptr ? std::atoi(v) : 0;
  return n > 0 ? n : 200;
}

std::string issuerMetrics(const std::string& stateDir) {
  auto status = localcluster::LocalCluster(stateDir).status();
  if (!status) return "";
  for (const auto& c : *status) {
    if (c.name == "certchaos-issuer") {
      return run({localcluster::programOnPath("curl"), "-sS", "--max-time", "5",
                  c.url + "/metrics"})
          .output;
    }
  }
  return "";
}

// The value of the sample `series` (name with its labels, as rendered) in Prometheus text; 0
// when absent (a counter not yet incremented).
double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return 0;
}

constexpr const char* kIssued = R"(certchaos_issuer_requests_total{outcome="issued"})";
constexpr const char* kApprovedToReady = "certchaos_issuer_approved_to_ready_seconds_count";
constexpr const char* kCachedRequests =
    R"(certchaos_issuer_cached_objects{resource="certificaterequests"})";

TEST(Fleet, EveryCertificateReadySignedOnceNoneLostAndTheCacheHoldsNoCsrOrCertificate) {
  auto& plane = SharedPlane::get();
  ASSERT_TRUE(plane.ok());
  auto admin = plane.admin();
  const int n = fleetSize();
  const std::string ns = plane.freshNamespace("fleet");
  ASSERT_TRUE(admin->create(kChaosIssuer, {{"metadata", {{"name", "fleet"}, {"namespace", ns}}},
                                           {"spec", {{"selfSigned", json::object()}}}}));
  auto wait = kubectl(plane.stateDir(), {"-n", ns, "wait", "--for=condition=Ready", "--timeout=60s",
                                         "chaosissuer/fleet"});
  ASSERT_EQ(wait.exitCode, 0) << wait.output;

  // Other tests of the binary may sign on the same issuer process: this test's namespace is
  // the only one signing while it runs (the binary runs its tests one at a time).
  const std::string before = issuerMetrics(plane.stateDir());
  ASSERT_NE(before.find("certchaos_issuer_requests_total"), std::string::npos) << before;

  for (int i = 0; i < n; ++i) {
    const std::string name = "c" + std::to_string(i);
    auto created = admin->create(
        api::kCertificate,
        {{"metadata", {{"name", name}, {"namespace", ns}}},
         {"spec",
          {{"secretName", name + "-tls"},
           {"dnsNames", {name + ".fleet.test"}},
           {"privateKey", {{"algorithm", "ECDSA"}, {"size", 256}}},
           {"issuerRef",
            {{"group", "certchaos.io"}, {"kind", "ChaosIssuer"}, {"name", "fleet"}}}}}});
    ASSERT_TRUE(created) << created.error().message;
  }
  wait = kubectl(
      plane.stateDir(),
      {"-n", ns, "wait", "--for=condition=Ready", "--timeout=600s", "certificate", "--all"}, "");
  ASSERT_EQ(wait.exitCode, 0) << wait.output;

  // Every Certificate Ready at its first revision, through exactly one request, Issued.
  auto certificates = admin->list(api::kCertificate, ns);
  ASSERT_TRUE(certificates) << certificates.error().message;
  ASSERT_EQ(static_cast<int>(certificates->items.size()), n);
  for (const auto& c : certificates->items) {
    EXPECT_TRUE(api::conditionIs(c, "Ready", "True")) << c.dump();
    EXPECT_EQ(c["status"].value("revision", 0), 1) << c.dump();
  }
  auto requests = admin->list(api::kCertificateRequest, ns);
  ASSERT_TRUE(requests) << requests.error().message;
  std::map<std::string, int> requestsPerCertificate;
  for (const auto& r : requests->items) {
    const auto annotations = r["metadata"].value("annotations", json::object());
    ++requestsPerCertificate[annotations.value("cert-manager.io/certificate-name", "")];
    const auto* ready = api::findCondition(r, "Ready");
    ASSERT_NE(ready, nullptr) << r.dump();
    EXPECT_EQ(ready->value("reason", ""), "Issued") << r.dump();
    // What the cache must leave out is there in the stored object.
    EXPECT_FALSE(r["spec"].value("request", "").empty());
    EXPECT_FALSE(r["status"].value("certificate", "").empty()) << r.dump();
  }
  EXPECT_EQ(static_cast<int>(requests->items.size()), n);
  EXPECT_EQ(static_cast<int>(requestsPerCertificate.size()), n);
  for (const auto& [certificate, count] : requestsPerCertificate) {
    EXPECT_EQ(count, 1) << "Certificate " << certificate << " has " << count << " requests";
  }

  // Signed exactly once each: the counter and the histogram grew by n, not more.
  const std::string after = issuerMetrics(plane.stateDir());
  EXPECT_EQ(sample(after, kIssued) - sample(before, kIssued), n) << after;
  EXPECT_EQ(sample(after, kApprovedToReady) - sample(before, kApprovedToReady), n) << after;
  EXPECT_GE(sample(after, kCachedRequests), n) << after;
  auto checked = promtoolCheckMetrics(after);
  EXPECT_EQ(checked.exitCode, 0) << checked.output << "\n" << after.substr(0, 2000);
  EXPECT_EQ(checked.output, "");

  // The issuer's cache of the same requests: lean.
  kube::Informer cache(admin, api::kCertificateRequest, ns, issuer::requestCacheOptions(),
                       issuer::kRequestCacheStorage);
  cache.start();
  ASSERT_TRUE(cache.waitForSync(seconds(60)));
  const auto cached = cache.cache().list();
  EXPECT_EQ(static_cast<int>(cached.size()), n);
  for (const auto& r : cached) {
    EXPECT_FALSE(r->value("spec", json::object()).contains("request")) << r->dump();
    const auto status = r->value("status", json::object());
    EXPECT_FALSE(status.contains("certificate")) << r->dump();
    EXPECT_FALSE(status.contains("ca")) << r->dump();
    EXPECT_FALSE((*r)["metadata"].contains("managedFields")) << r->dump();
    // What the reconcilers read is kept.
    EXPECT_TRUE(api::conditionIs(*r, "Ready", "True")) << r->dump();
    EXPECT_TRUE(r->value("spec", json::object()).contains("issuerRef")) << r->dump();
    EXPECT_FALSE((*r)["metadata"]
                     .value("annotations", json::object())
                     .value("cert-manager.io/certificate-name", "")
                     .empty())
        << r->dump();
  }
}

}  // namespace
}  // namespace certchaos::testing
