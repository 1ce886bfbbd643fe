#include "certchaos/kube/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/api/cert_manager.h"
#include "certchaos/kube/errors.h"
#include "client_fixture.h"
#include "temp_dir.h"
#include "test_pki.h"

namespace certchaos::kube {
namespace {

using namespace std::chrono_literals;
using testing::FakeApiServer;
using testing::fakeConfig;
using ::testing::HasSubstr;
using ::testing::Not;

nlohmann::json configMap(const std::string& ns, const std::string& name, const std::string& v) {
  return {{"metadata", {{"name", name}, {"namespace", ns}}}, {"data", {{"k", v}}}};
}

TEST(Client, CrudOnAConfigMap) {
  FakeApiServer server;
  Client client(fakeConfig(server));
  auto created = client.create(resources::kConfigMap, configMap("ns1", "cm", "one"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ((*created)["kind"], "ConfigMap");
  EXPECT_EQ(server.countRequests("POST", "/api/v1/namespaces/ns1/configmaps"), 1u);

  auto got = client.get(resources::kConfigMap, "ns1", "cm");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ((*got)["data"]["k"], "one");

  nlohmann::json changed = *got;
  changed["data"]["k"] = "two";
  auto updated = client.update(resources::kConfigMap, changed);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ((*updated)["data"]["k"], "two");

  // The old resourceVersion is now stale: Conflict, with what to do.
  auto stale = client.update(resources::kConfigMap, changed);
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(isConflict(stale.error()));
  EXPECT_THAT(stale.error().message, HasSubstr("update configmaps \"ns1/cm\""));
  EXPECT_THAT(stale.error().message, HasSubstr("current resourceVersion"));

  auto patched = client.patch(resources::kConfigMap, "ns1", "cm", PatchType::kMerge,
                              {{"data", {{"extra", "x"}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ((*patched)["data"]["extra"], "x");
  auto jsonPatched =
      client.patch(resources::kConfigMap, "ns1", "cm", PatchType::kJsonPatch,
                   nlohmann::json::array({{{"op", "remove"}, {"path", "/data/extra"}}}));
  ASSERT_TRUE(jsonPatched.ok()) << jsonPatched.error().message;
  EXPECT_FALSE((*jsonPatched)["data"].contains("extra"));
  auto requests = server.requests();
  EXPECT_EQ(requests[requests.size() - 2].contentType, "application/merge-patch+json");
  EXPECT_EQ(requests.back().contentType, "application/json-patch+json");

  ASSERT_TRUE(client.remove(resources::kConfigMap, "ns1", "cm").ok());
  auto gone = client.get(resources::kConfigMap, "ns1", "cm");
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(isNotFound(gone.error()));
  EXPECT_TRUE(isNotFound(client.remove(resources::kConfigMap, "ns1", "cm").error()));
}

// pods/log: plain text, not JSON; the query kubectl logs sends; a log larger than maxBytes keeps
// its end (streamed in chunks, never held whole); errors typed like any other reply.
TEST(Client, PodLogReadsTextKeepsItsEndAndTypesErrors) {
  FakeApiServer server;
  std::string sent;
  for (int i = 0; i < 5000; ++i) sent += "line " + std::to_string(i) + "\n";
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/api/v1/namespaces/ns1/pods/gone/log") {
      res.status = 404;
      res.set_content(FakeApiServer::statusBody(404, "NotFound", "pods \"gone\" not found"),
                      "application/json");
      return true;
    }
    if (req.path != "/api/v1/namespaces/ns1/pods/p1/log") return false;
    res.set_chunked_content_provider(
        "text/plain", [&](std::size_t offset, httplib::DataSink& sink) {
          // In pieces of 1000 bytes, as a kubelet streams it.
          if (offset < sent.size()) {
            sink.write(sent.data() + offset, std::min<std::size_t>(1000, sent.size() - offset));
          } else {
            sink.done();
          }
          return true;
        });
    return true;
  });
  Client client(fakeConfig(server));
  auto whole = client.podLog("ns1", "p1",
                             {.container = "c",
                              .timestamps = true,
                              .previous = true,
                              .sinceTime = "2026-12-03T10:00:00Z"});
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(*whole, sent);
  const auto request = server.requests().back();
  EXPECT_EQ(request.param("container"), "c");
  EXPECT_EQ(request.param("timestamps"), "true");
  EXPECT_EQ(request.param("previous"), "true");
  EXPECT_EQ(request.param("sinceTime"), "2026-12-03T10:00:00Z");

  auto tail = client.podLog("ns1", "p1", {.maxBytes = 100});
  ASSERT_TRUE(tail.ok()) << tail.error().message;
  EXPECT_EQ(*tail, sent.substr(sent.size() - 100));
  EXPECT_EQ(server.requests().back().param("previous"), "") << "sent only when asked";

  auto gone = client.podLog("ns1", "gone", {});
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(isNotFound(gone.error()));
  EXPECT_THAT(gone.error().message, HasSubstr("pods/log"));
}

TEST(Client, AlreadyExistsIsTyped) {
  FakeApiServer server;
  Client client(fakeConfig(server));
  ASSERT_TRUE(client.create(resources::kConfigMap, configMap("a", "dup", "1")).ok());
  auto again = client.create(resources::kConfigMap, configMap("a", "dup", "1"));
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(isAlreadyExists(again.error()));
}

TEST(Client, ListFollowsContinueTokens) {
  FakeApiServer server;
  for (int i = 0; i < 7; ++i) {
    server.putObject("/api/v1/configmaps", configMap("ns", "cm" + std::to_string(i), "v"));
  }
  Client client(fakeConfig(server));
  ListOptions options;
  options.limit = 3;
  options.labelSelector = "app=x,tier in (a b)";
  auto all = client.listAll(resources::kConfigMap, "ns", options);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->items.size(), 7u);
  EXPECT_EQ(all->items[0]["kind"], "ConfigMap");  // filled in for list items
  EXPECT_FALSE(all->resourceVersion.empty());
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].param("limit"), "3");
  EXPECT_EQ(requests[0].param("labelSelector"), "app=x,tier in (a b)");  // encoded, decoded intact
  EXPECT_EQ(requests[1].param("continue"), "3");
  EXPECT_EQ(requests[2].param("continue"), "6");
}

TEST(Client, ServerSideApplyOnStatusSendsFieldManagerAndForce) {
  FakeApiServer server;
  server.putObject("/apis/cert-manager.io/v1/certificaterequests",
                   {{"metadata", {{"name", "cr"}, {"namespace", "ns"}}},
                    {"status", {{"conditions", {{{"type", "Approved"}}}}}}});
  Client client(fakeConfig(server));
  nlohmann::json status = {{"metadata", {{"name", "cr"}, {"namespace", "ns"}}},
                           {"status", {{"certificate", "Q0VSVA=="}}}};
  auto applied =
      client.apply(api::kCertificateRequest, status,
                   {.fieldManager = "certchaos-issuer", .force = true, .subresource = "status"});
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  auto r = server.requests().back();
  EXPECT_EQ(r.method, "PATCH");
  EXPECT_EQ(r.path, "/apis/cert-manager.io/v1/namespaces/ns/certificaterequests/cr/status");
  EXPECT_EQ(r.contentType, "application/apply-patch+yaml");
  EXPECT_EQ(r.param("fieldManager"), "certchaos-issuer");
  EXPECT_EQ(r.param("force"), "true");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["apiVersion"], "cert-manager.io/v1");
  EXPECT_EQ(body["kind"], "CertificateRequest");

  auto missingManager = client.apply(api::kCertificateRequest, status, {});
  ASSERT_FALSE(missingManager.ok());
  EXPECT_THAT(missingManager.error().message, HasSubstr("fieldManager"));
}

TEST(Client, ClusterScopedPathsHaveNoNamespace) {
  FakeApiServer server;
  Client client(fakeConfig(server));
  ASSERT_TRUE(
      client.create(api::kClusterIssuer, {{"metadata", {{"name", "ca"}}}, {"spec", {{"ca", {}}}}})
          .ok());
  EXPECT_EQ(server.requests().back().path, "/apis/cert-manager.io/v1/clusterissuers");
  ASSERT_TRUE(client.get(api::kClusterIssuer, "", "ca").ok());
  EXPECT_EQ(server.requests().back().path, "/apis/cert-manager.io/v1/clusterissuers/ca");
}

TEST(Client, StatusRepliesBecomeTypedErrors) {
  FakeApiServer server;
  server.addHandler([](const httplib::Request& req, httplib::Response& res) {
    if (req.path.find("/forbidden") != std::string::npos) {
      res.status = 403;
      res.set_content(FakeApiServer::statusBody(
                          403, "Forbidden",
                          "secrets \"s\" is forbidden: User \"system:serviceaccount:ns:sa\" "
                          "cannot get resource \"secrets\" in the namespace \"ns\""),
                      "application/json");
      return true;
    }
    if (req.path.find("/invalid") != std::string::npos) {
      res.status = 422;
      nlohmann::json details = {{"causes",
                                 {{{"reason", "FieldValueRequired"},
                                   {"message", "Required value"},
                                   {"field", "spec.dnsNames"}}}}};
      res.set_content(FakeApiServer::statusBody(422, "Invalid", "Certificate is invalid", details),
                      "application/json");
      return true;
    }
    if (req.path.find("/gone") != std::string::npos) {
      res.status = 410;
      res.set_content(FakeApiServer::statusBody(410, "Expired", "too old resource version"),
                      "application/json");
      return true;
    }
    if (req.path.find("/html") != std::string::npos) {
      res.status = 404;
      res.set_content("<html>not here</html>", "text/html");
      return true;
    }
    return false;
  });
  Client client(fakeConfig(server));
  auto forbidden = client.get(resources::kSecret, "ns", "forbidden");
  ASSERT_FALSE(forbidden.ok());
  EXPECT_TRUE(isForbidden(forbidden.error()));
  EXPECT_THAT(forbidden.error().message, HasSubstr("get secrets \"ns/forbidden\""));
  EXPECT_THAT(forbidden.error().message, HasSubstr("grant the verb \"get\" on \"secrets\""));

  auto invalid = client.get(api::kCertificate, "ns", "invalid");
  ASSERT_FALSE(invalid.ok());
  EXPECT_TRUE(isInvalid(invalid.error()));
  EXPECT_THAT(invalid.error().message, HasSubstr("spec.dnsNames: Required value"));

  auto gone = client.get(api::kCertificate, "ns", "gone");
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(isGone(gone.error()));

  auto html = client.get(api::kCertificate, "ns", "html");
  ASSERT_FALSE(html.ok());
  EXPECT_TRUE(isNotFound(html.error()));  // decided by the HTTP status when there is no Status
}

TEST(Client, RetryAfterOn429IsHonoured) {
  FakeApiServer server;
  server.putObject("/api/v1/configmaps", configMap("ns", "cm", "v"));
  std::atomic<int> calls{0};
  server.addHandler([&](const httplib::Request&, httplib::Response& res) {
    if (calls++ >= 2) return false;
    res.status = 429;
    res.set_header("Retry-After", "3");
    res.set_content(FakeApiServer::statusBody(429, "TooManyRequests", "slow down"),
                    "application/json");
    return true;
  });
  testing::FakeClock clock;
  Client client(fakeConfig(server), nullptr, clock);
  auto got = client.get(resources::kConfigMap, "ns", "cm");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(calls.load(), 3);
  EXPECT_THAT(clock.sleeps(), ::testing::ElementsAre(3s, 3s));
}

TEST(Client, TooManyRequestsAfterTheLastAttemptIsTyped) {
  FakeApiServer server;
  server.addHandler([&](const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "1");
    return true;
  });
  testing::FakeClock clock;
  auto config = fakeConfig(server);
  config.options.maxAttempts = 2;
  Client client(config, nullptr, clock);
  auto got = client.get(resources::kConfigMap, "ns", "cm");
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(isTooManyRequests(got.error()));
  EXPECT_THAT(got.error().message, HasSubstr("retry after 1s"));
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(Client, ServerErrorsRetryOnlyIdempotentVerbs) {
  FakeApiServer server;
  std::atomic<int> failures{0};
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("X-Fail") == "" && failures++ % 2 == 0) {
      res.status = 503;
      return true;
    }
    return false;
  });
  server.putObject("/api/v1/configmaps", configMap("ns", "cm", "v"));
  testing::FakeClock clock;
  Client client(fakeConfig(server), nullptr, clock);
  ASSERT_TRUE(client.get(resources::kConfigMap, "ns", "cm").ok());  // 503, then 200
  EXPECT_EQ(server.countRequests("GET", "/api/v1/namespaces/ns/configmaps/cm"), 2u);
  auto created = client.create(resources::kConfigMap, configMap("ns", "new", "v"));  // 503 only
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, codes::kServerError);
  EXPECT_EQ(server.countRequests("POST", "/api/v1/namespaces/ns/configmaps"), 1u);
}

TEST(Client, ConnectionErrorsAreRetriedThenReported) {
  int port;
  {
    FakeApiServer closed;  // a port that was just released: nothing listens there
    port = closed.port();
  }
  ClientConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  config.options.maxAttempts = 3;
  testing::FakeClock clock;
  Client client(config, nullptr, clock);
  auto got = client.get(resources::kConfigMap, "ns", "cm");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, codes::kConnection);
  EXPECT_THAT(got.error().message, HasSubstr("check the server URL"));
  EXPECT_EQ(clock.sleeps().size(), 2u);
}

TEST(Client, UnauthorizedReReadsTheTokenFileOnce) {
  testing::TempDir dir;
  std::string tokenPath = dir.write("token", "old-token");
  FakeApiServer server;
  server.putObject("/api/v1/configmaps", configMap("ns", "cm", "v"));
  server.addHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") == "Bearer new-token") return false;
    dir.write("token", "new-token");  // the kubelet rotates the token as this one expires
    res.status = 401;
    res.set_content(FakeApiServer::statusBody(401, "Unauthorized", "Unauthorized"),
                    "application/json");
    return true;
  });
  testing::FakeClock clock;
  auto provider = makeTokenFileCredentials(tokenPath, clock);
  ASSERT_EQ(provider->credential()->bearerToken, "old-token");
  Client client(fakeConfig(server, provider), nullptr, clock);
  auto got = client.get(resources::kConfigMap, "ns", "cm");
  ASSERT_TRUE(got.ok()) << got.error().message;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].authorization, "Bearer old-token");
  EXPECT_EQ(requests[1].authorization, "Bearer new-token");
}

TEST(Client, PersistentUnauthorizedIsTypedAndHidesTheToken) {
  FakeApiServer server;
  server.addHandler([](const httplib::Request&, httplib::Response& res) {
    res.status = 401;
    return true;
  });
  Client client(fakeConfig(server, makeStaticCredentials({"s3cr3t-token", "", ""}, "token")));
  auto got = client.get(resources::kConfigMap, "ns", "cm");
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(isUnauthorized(got.error()));
  EXPECT_THAT(got.error().message, ::testing::Not(HasSubstr("s3cr3t")));
  EXPECT_EQ(server.requests().size(), 2u);  // one re-read, then give up
}

TEST(Client, RequestTimeoutIsReported) {
  FakeApiServer server;
  server.addHandler([&](const httplib::Request&, httplib::Response& res) {
    server.holdUntilShutdown(2s);
    res.status = 200;
    return true;
  });
  auto config = fakeConfig(server);
  config.options.requestTimeout = 200ms;
  config.options.maxAttempts = 1;
  Client client(config);
  auto got = client.get(resources::kConfigMap, "ns", "cm");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, codes::kTimeout);
}

TEST(Client, RateLimitSpacesRequests) {
  FakeApiServer server;
  server.putObject("/api/v1/configmaps", configMap("ns", "cm", "v"));
  testing::FakeClock clock;
  auto config = fakeConfig(server);
  config.options.qps = 10;
  config.options.burst = 2;
  Client client(config, nullptr, clock);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client.get(resources::kConfigMap, "ns", "cm").ok());
  // Two go at once (the burst), the next two wait 100 ms each for a token.
  EXPECT_THAT(clock.sleeps(), ::testing::ElementsAre(100ms, 100ms));
}

TEST(Client, TlsWithClusterCaAndClientCertificate) {
  testing::TempDir dir;
  auto pki = testing::makeTestPki();
  testing::FakeTls tls{testing::writeFile(dir.path(), "server.crt", pki.serverCertPem),
                       testing::writeFile(dir.path(), "server.key", pki.serverKeyPem),
                       testing::writeFile(dir.path(), "ca.crt", pki.caPem)};
  FakeApiServer server(tls);
  server.putObject("/api/v1/configmaps", configMap("ns", "cm", "tls"));

  auto config = fakeConfig(server);
  config.tls.caPem = pki.caPem;
  config.tls.clientCertPem = pki.clientCertPem;
  config.tls.clientKeyPem = pki.clientKeyPem;
  Client client(config);
  auto got = client.get(resources::kConfigMap, "ns", "cm");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ((*got)["data"]["k"], "tls");

  // tls-server-name: connect to 127.0.0.1 but verify the name kubernetes.test.
  auto named = config;
  named.server = "https://localhost:" + std::to_string(server.port());
  named.tls.serverName = "kubernetes.test";
  EXPECT_TRUE(Client(named).get(resources::kConfigMap, "ns", "cm").ok());

  // Without the cluster CA the server is not trusted, and the error says where to look.
  auto untrusted = config;
  untrusted.tls.caPem = testing::makeTestPki().caPem;
  untrusted.options.maxAttempts = 1;
  auto refused = Client(untrusted).get(resources::kConfigMap, "ns", "cm");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, codes::kConnection);
  EXPECT_THAT(refused.error().message, HasSubstr("certificate-authority"));

  // Without a client certificate the server (which requires one) refuses the handshake.
  auto anonymous = config;
  anonymous.tls.clientCertPem.clear();
  anonymous.tls.clientKeyPem.clear();
  anonymous.options.maxAttempts = 1;
  EXPECT_FALSE(Client(anonymous).get(resources::kConfigMap, "ns", "cm").ok());

  // insecure-skip-tls-verify (only ever from the kubeconfig) accepts any server certificate.
  auto insecure = anonymous;
  insecure.tls.caPem.clear();
  insecure.tls.insecureSkipVerify = true;
  insecure.tls.clientCertPem = pki.clientCertPem;
  insecure.tls.clientKeyPem = pki.clientKeyPem;
  EXPECT_TRUE(Client(insecure).get(resources::kConfigMap, "ns", "cm").ok());
}

TEST(Errors, StatusWithoutBodyFallsBackToHttpStatus) {
  auto e = statusToError({"list", "pods", ""}, 500, "");
  EXPECT_EQ(e.code, codes::kServerError);
  EXPECT_THAT(e.message, HasSubstr("HTTP 500"));
  EXPECT_EQ(statusToError({"get", "pods", "a/b"}, 409,
                          FakeApiServer::statusBody(409, "AlreadyExists", "exists"))
                .code,
            codes::kAlreadyExists);
}

// While an API server restarts, its answers must not send the reader to fix RBAC or the
// request rate: they say it is transient.
TEST(Errors, AStartingApiServerIsNotAdvisedAsMissingRbacOrTooManyRequests) {
  auto starting = statusToError(
      {"get", "secrets", "ns/ca"}, 403,
      FakeApiServer::statusBody(403, "Forbidden",
                                "secrets \"ca\" is forbidden: User \"system:serviceaccount:"
                                "certchaos-system:certchaos-issuer\" cannot get resource "
                                "\"secrets\": RBAC: clusterrole.rbac.authorization.k8s.io "
                                "\"certchaos-issuer\" not found"));
  EXPECT_EQ(starting.code, codes::kForbidden);
  EXPECT_THAT(starting.message, HasSubstr("probably starting"));
  EXPECT_THAT(starting.message, HasSubstr("so retry"));

  auto initializing = statusToError(
      {"list", "certificaterequests.cert-manager.io", ""}, 429,
      FakeApiServer::statusBody(429, "TooManyRequests", "storage is (re)initializing"),
      std::chrono::seconds(1));
  EXPECT_EQ(initializing.code, codes::kTooManyRequests);
  EXPECT_THAT(initializing.message, HasSubstr("not ready to serve this yet"));
  EXPECT_THAT(initializing.message, Not(HasSubstr("lower the request rate")));
  EXPECT_THAT(initializing.message, Not(HasSubstr("grant")));

  // A real denial still says what to grant; real throttling still says what to do.
  auto denied = statusToError({"create", "secrets", "default/x"}, 403,
                              FakeApiServer::statusBody(403, "Forbidden", "secrets is forbidden"));
  EXPECT_THAT(denied.message, HasSubstr("grant the verb \"create\" on \"secrets\""));
  EXPECT_THAT(denied.message, Not(HasSubstr("starting")));
  auto throttled = statusToError({"list", "pods", ""}, 429,
                                 FakeApiServer::statusBody(429, "TooManyRequests", "slow down"));
  EXPECT_THAT(throttled.message, HasSubstr("retry with back-off"));
}

// A Status whose fields have other JSON types (a proxy's reply, a broken server) threw
// nlohmann::json::type_error instead of becoming an Error.
TEST(Errors, StatusFieldsOfTheWrongTypeAreIgnored) {
  for (
      const char* body :
      {R"({"kind":5})", R"({"kind":"Status","reason":5,"message":[]})",
       R"({"kind":"Status","reason":"Conflict","details":{"causes":[{"field":1,"message":{}}]}})"}) {
    auto e = statusToError({"get", "pods", "a/b"}, 500, body);
    EXPECT_FALSE(e.code.empty()) << body;
    EXPECT_THAT(e.message, HasSubstr("HTTP 500")) << body;
  }
}

TEST(Query, EncodesEverythingButUnreserved) {
  EXPECT_EQ(urlEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  Query q;
  q.add(params::kLabelSelector, "app in (x,y)").add(params::kLimit, 5LL).add(params::kContinue, "");
  q.addBool(params::kForce, false).addBool(params::kWatch, true);
  EXPECT_EQ(q.encode(), "labelSelector=app%20in%20%28x%2Cy%29&limit=5&watch=true");
}

}  // namespace
}  // namespace certchaos::kube
