// The Kubernetes client against the real local control plane (kube-apiserver + etcd +
// cert-manager): verbs, server-side apply on a status, a watch across an API server restart,
// and RBAC errors for a narrow service-account identity.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>

#include "certchaos/api/cert_manager.h"
#include "certchaos/kube/client.h"
#include "certchaos/kube/credentials.h"
#include "certchaos/kube/errors.h"
#include "certchaos/kube/informer.h"
#include "certchaos/localcluster/local_cluster.h"
#include "plane.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

namespace res = kube::resources;
using nlohmann::json;

class KubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(plane().ok());
    client_ = plane().admin();
    ASSERT_NE(client_, nullptr);
  }
  static SharedPlane& plane() { return SharedPlane::get(); }
  std::shared_ptr<kube::Client> client_;
};

json configMap(const std::string& ns, const std::string& name, const std::string& value) {
  return {{"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", "kube-test"}}}}},
          {"data", {{"value", value}}}};
}

TEST_F(KubeClientTest, ConfigMapCreateGetListUpdatePatchDelete) {
  const std::string ns = plane().freshNamespace("cm");
  for (int i = 0; i < 3; ++i) {
    auto created = client_->create(res::kConfigMap, configMap(ns, "c" + std::to_string(i), "v"));
    ASSERT_TRUE(created) << created.error().message;
  }
  auto dup = client_->create(res::kConfigMap, configMap(ns, "c0", "v"));
  ASSERT_FALSE(dup);
  EXPECT_TRUE(kube::isAlreadyExists(dup.error())) << dup.error().code;

  auto got = client_->get(res::kConfigMap, ns, "c1");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ((*got)["data"]["value"], "v");

  // Paged list: one item per page, three pages.
  kube::ListOptions paged;
  paged.limit = 1;
  paged.labelSelector = "app=kube-test";
  auto page = client_->list(res::kConfigMap, ns, paged);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->items.size(), 1u);
  EXPECT_FALSE(page->continueToken.empty());
  auto all = client_->listAll(res::kConfigMap, ns, paged);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->items.size(), 3u);

  json updated = *got;
  updated["data"]["value"] = "w";
  auto put = client_->update(res::kConfigMap, updated);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ((*put)["data"]["value"], "w");
  // The old resourceVersion is stale now: a conditional update conflicts.
  auto stale = client_->update(res::kConfigMap, updated);
  ASSERT_FALSE(stale);
  EXPECT_TRUE(kube::isConflict(stale.error())) << stale.error().message;

  auto patched = client_->patch(res::kConfigMap, ns, "c1", kube::PatchType::kMerge,
                                {{"data", {{"extra", "x"}}}});
  ASSERT_TRUE(patched) << patched.error().message;
  EXPECT_EQ((*patched)["data"]["extra"], "x");
  EXPECT_EQ((*patched)["data"]["value"], "w");

  auto jsonPatched = client_->patch(res::kConfigMap, ns, "c1", kube::PatchType::kJsonPatch,
                                    json::array({{{"op", "remove"}, {"path", "/data/extra"}}}));
  ASSERT_TRUE(jsonPatched) << jsonPatched.error().message;
  EXPECT_FALSE((*jsonPatched)["data"].contains("extra"));

  ASSERT_TRUE(client_->remove(res::kConfigMap, ns, "c1"));
  auto gone = client_->get(res::kConfigMap, ns, "c1");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(kube::isNotFound(gone.error())) << gone.error().message;
}

TEST_F(KubeClientTest, CertificateCreateGetUpdateDelete) {
  const std::string ns = plane().freshNamespace("cert");
  json cert = {{"metadata", {{"name", "web"}, {"namespace", ns}}},
               {"spec",
                {{"secretName", "web-tls"},
                 {"dnsNames", {"web.example.test"}},
                 {"issuerRef", {{"name", "nobody"}, {"kind", "Issuer"}}}}}};
  auto created = client_->create(api::kCertificate, cert);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ((*created)["kind"], "Certificate");
  // cert-manager writes the status meanwhile: re-read and retry on conflict, as controllers do.
  Result<json> put = makeError("NotTried", "");
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto got = client_->get(api::kCertificate, ns, "web");
    ASSERT_TRUE(got) << got.error().message;
    json changed = *got;
    changed["spec"]["dnsNames"] = {"web.example.test", "www.example.test"};
    put = client_->update(api::kCertificate, changed);
    if (put || !kube::isConflict(put.error())) break;
  }
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ((*put)["spec"]["dnsNames"].size(), 2u);
  // Invalid: the CRD schema requires issuerRef.name.
  json bad = cert;
  bad["metadata"]["name"] = "bad";
  bad["spec"]["issuerRef"].erase("name");
  auto invalid = client_->create(api::kCertificate, bad);
  ASSERT_FALSE(invalid);
  EXPECT_TRUE(kube::isInvalid(invalid.error())) << invalid.error().message;
  EXPECT_NE(invalid.error().message.find("issuerRef.name"), std::string::npos)
      << invalid.error().message;
  ASSERT_TRUE(client_->remove(api::kCertificate, ns, "web"));
}

// Waits (by watching, not polling) until `predicate` holds for the named object.
json waitFor(const std::shared_ptr<kube::Client>& client, const kube::ResourceRef& resource,
             const std::string& ns, const std::string& name,
             const std::function<bool(const json&)>& predicate) {
  kube::ReflectorOptions options;
  options.fieldSelector = "metadata.name=" + name;
  kube::Informer informer(client, resource, ns, options);
  std::mutex mu;
  std::condition_variable cv;
  json found;
  auto check = [&](const kube::ObjectPtr& o) {
    std::lock_guard lock(mu);
    if (predicate(*o)) {
      found = *o;
      cv.notify_all();
    }
  };
  informer.addHandlers(
      {check, [&](const kube::ObjectPtr&, const kube::ObjectPtr& o) { check(o); }, nullptr});
  informer.start();
  std::unique_lock lock(mu);
  cv.wait_for(lock, std::chrono::seconds(30), [&] { return !found.is_null(); });
  return found;
}

bool hasCondition(const json& o, const std::string& type, const std::string& status) {
  for (const auto& c : o.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == type && c.value("status", "") == status) return true;
  }
  return false;
}

TEST_F(KubeClientTest, ServerSideApplyOnRequestStatusKeepsApproved) {
  const std::string ns = plane().freshNamespace("ssa");
  // A request for an external issuer: cert-manager's approver approves it, nobody signs it.
  json request = {
      {"metadata", {{"name", "req"}, {"namespace", ns}}},
      {"spec",
       {{"request", "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K"},
        {"issuerRef", {{"name", "x"}, {"kind", "ChaosIssuer"}, {"group", "example.test"}}}}}};
  ASSERT_TRUE(client_->create(api::kCertificateRequest, request));
  json approved = waitFor(client_, api::kCertificateRequest, ns, "req",
                          [](const json& o) { return hasCondition(o, "Approved", "True"); });
  ASSERT_FALSE(approved.is_null()) << "cert-manager did not approve the request";

  json status = {{"metadata", {{"name", "req"}, {"namespace", ns}}},
                 {"status",
                  {{"conditions",
                    {{{"type", "Ready"},
                      {"status", "False"},
                      {"reason", "Pending"},
                      {"message", "held by the test"},
                      {"lastTransitionTime", "2026-01-01T00:00:00Z"}}}}}}};
  kube::ApplyOptions apply;
  apply.fieldManager = "certchaos-test";
  apply.force = true;
  apply.subresource = "status";
  auto applied = client_->apply(api::kCertificateRequest, status, apply);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_TRUE(hasCondition(*applied, "Approved", "True")) << applied->dump(2);
  EXPECT_TRUE(hasCondition(*applied, "Ready", "False")) << applied->dump(2);
  // The Approved entry is exactly what cert-manager wrote.
  for (const auto& c : approved["status"]["conditions"]) {
    if (c["type"] != "Approved") continue;
    bool same = false;
    for (const auto& d : (*applied)["status"]["conditions"]) same = same || d == c;
    EXPECT_TRUE(same) << c.dump();
  }
}

TEST_F(KubeClientTest, WatchSurvivesApiServerRestartAndSeesEveryObjectOnce) {
  const std::string ns = plane().freshNamespace("watch");
  kube::Informer informer(client_, res::kConfigMap, ns);
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, int> adds;
  informer.addHandlers({[&](const kube::ObjectPtr& o) {
                          std::lock_guard lock(mu);
                          ++adds[(*o)["metadata"]["name"].get<std::string>()];
                          cv.notify_all();
                        },
                        nullptr, nullptr});
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(30)));

  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(client_->create(res::kConfigMap, configMap(ns, "a" + std::to_string(i), "v")));
  }
  std::ostringstream log;
  localcluster::LocalCluster cluster(plane().stateDir());
  auto restarted = cluster.restartComponent("kube-apiserver", log);
  ASSERT_TRUE(restarted) << restarted.error().message;
  for (int i = 0; i < 100; ++i) {
    auto created = client_->create(res::kConfigMap, configMap(ns, "b" + std::to_string(i), "v"));
    ASSERT_TRUE(created) << created.error().message;
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return adds.size() >= 200; }))
      << "only " << adds.size() << " of 200 objects reached the informer";
  for (const auto& [name, count] : adds) EXPECT_EQ(count, 1) << name;
  EXPECT_EQ(informer.cache().list().size(), 200u);
}

TEST_F(KubeClientTest, NarrowServiceAccountGetsForbiddenNamingVerbAndResource) {
  const std::string ns = plane().freshNamespace("rbac");
  ASSERT_TRUE(client_->create(res::kServiceAccount,
                              {{"metadata", {{"name", "narrow"}, {"namespace", ns}}}}));
  const kube::ResourceRef role{"rbac.authorization.k8s.io", "v1", "roles", "Role", true};
  const kube::ResourceRef binding{"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding",
                                  true};
  ASSERT_TRUE(client_->create(
      role,
      {{"metadata", {{"name", "read-configmaps"}, {"namespace", ns}}},
       {"rules",
        {{{"apiGroups", {""}}, {"resources", {"configmaps"}}, {"verbs", {"get", "list"}}}}}}));
  ASSERT_TRUE(client_->create(
      binding,
      {{"metadata", {{"name", "narrow"}, {"namespace", ns}}},
       {"roleRef",
        {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "read-configmaps"}}},
       {"subjects", {{{"kind", "ServiceAccount"}, {"name", "narrow"}, {"namespace", ns}}}}}));
  auto token = kubectl(plane().stateDir(), {"-n", ns, "create", "token", "narrow"});
  ASSERT_EQ(token.exitCode, 0) << token.output;
  std::string jwt = token.output.substr(0, token.output.find_last_not_of("\n") + 1);

  auto admin = client_->config();
  kube::ClientConfig narrow;
  narrow.server = admin.server;
  narrow.tls.caPem = admin.tls.caPem;
  narrow.credentials = kube::makeStaticCredentials({.bearerToken = jwt}, "test token");
  auto sa = std::make_shared<kube::Client>(narrow);

  EXPECT_TRUE(sa->list(res::kConfigMap, ns)) << "the Role allows listing configmaps";
  auto secrets = sa->list(res::kSecret, ns);
  ASSERT_FALSE(secrets);
  EXPECT_TRUE(kube::isForbidden(secrets.error())) << secrets.error().code;
  EXPECT_NE(secrets.error().message.find("list"), std::string::npos) << secrets.error().message;
  EXPECT_NE(secrets.error().message.find("secrets"), std::string::npos) << secrets.error().message;
  EXPECT_NE(secrets.error().message.find("system:serviceaccount:" + ns + ":narrow"),
            std::string::npos)
      << secrets.error().message;
}

}  // namespace
}  // namespace certchaos::testing
