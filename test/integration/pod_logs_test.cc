// Logs through the API (issue 9, item 5): the runner's log sources against a real API server.
// Without a node the plane can only say why a pod's log cannot be read; with one (a plane of
// `certchaos up --node`, named by CERTCHAOS_NODE_KUBECONFIG) a container's log comes through
// pods/log from the kubelet, and this test checks that what the run keeps is that log.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/kube/client.h"
#include "certchaos/kube/errors.h"
#include "certchaos/report/redaction.h"
#include "certchaos/scenario/log_source.h"
#include "plane.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;

const kube::ResourceRef kSubjectAccessReview{"authorization.k8s.io", "v1", "subjectaccessreviews",
                                             "SubjectAccessReview", false};
const kube::ResourceRef kNode{"", "v1", "nodes", "Node", false};
const kube::ResourceRef kNamespace{"", "v1", "namespaces", "Namespace", false};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

json podSpec(const std::string& name, const std::string& ns, const json& spec) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name}, {"namespace", ns}, {"labels", {{"certchaos.io/test", "pod-logs"}}}}},
          {"spec", spec}};
}

// The runner's ServiceAccount, with the ClusterRole `up` applied from deploy/rbac/40-runner.yaml,
// may find pods and read their logs in any namespace — and still may not delete a pod.
TEST(PodLogsTest, TheRunnersRoleMayListPodsAndReadTheirLogs) {
  auto admin = SharedPlane::get().admin();
  auto allowed = [&](const std::string& verb, const std::string& resource,
                     const std::string& subresource) {
    json review = {{"apiVersion", "authorization.k8s.io/v1"},
                   {"kind", "SubjectAccessReview"},
                   {"spec",
                    {{"user", "system:serviceaccount:certchaos-system:certchaos-runner"},
                     {"groups", {"system:serviceaccounts", "system:authenticated"}},
                     {"resourceAttributes",
                      {{"namespace", "cert-manager"},
                       {"verb", verb},
                       {"resource", resource},
                       {"subresource", subresource}}}}}};
    auto answer = admin->create(kSubjectAccessReview, review);
    EXPECT_TRUE(answer.ok()) << answer.error().message;
    return answer.ok() && (*answer)["status"].value("allowed", false);
  };
  EXPECT_TRUE(allowed("list", "pods", ""));
  EXPECT_TRUE(allowed("get", "pods", ""));
  EXPECT_TRUE(allowed("get", "pods", "log"));
  EXPECT_FALSE(allowed("delete", "pods", ""));
  EXPECT_FALSE(allowed("create", "pods", "exec"));
}

// On a plane without a node: a selector that matches nothing, a pod no scheduler placed, and a
// pod bound to a node that does not exist each give an entry that says why, and nothing throws.
TEST(PodLogsTest, PodsWhoseLogCannotBeReadAreEntriesThatSayWhy) {
  auto& plane = SharedPlane::get();
  auto admin = plane.admin();
  const std::string ns = plane.freshNamespace("pod-logs");
  TempDir run;
  report::Redactor redactor;
  const auto since = std::chrono::system_clock::now();

  auto none =
      scenario::collectLogs(admin.get(), "app", scenario::PodLogSource{ns, "app=absent", ""}, since,
                            run.path(), redactor);
  ASSERT_EQ(none.size(), 1U);
  EXPECT_EQ(none[0].describe(), "pods/log " + ns + " -l app=absent");
  EXPECT_EQ(none[0].error, "no pod in namespace " + ns +
                               " matches the selector app=absent; say where it runs with "
                               "--app-logs NS/SELECTOR (a ChaosRun: spec.logs)");

  const json container = {{"name", "main"}, {"image", "ghcr.io/certchaos/not-built:0.0.0"}};
  auto pending =
      admin->create(kube::resources::kPod, podSpec("pending", ns, {{"containers", {container}}}));
  ASSERT_TRUE(pending.ok()) << pending.error().message;
  auto bound = admin->create(
      kube::resources::kPod,
      podSpec("bound", ns, {{"nodeName", "no-such-node"}, {"containers", {container}}}));
  ASSERT_TRUE(bound.ok()) << bound.error().message;

  auto logs = scenario::collectLogs(admin.get(), "issuer",
                                    scenario::PodLogSource{ns, "certchaos.io/test=pod-logs", ""},
                                    since, run.path(), redactor);
  ASSERT_EQ(logs.size(), 2U);
  std::map<std::string, report::CollectedLog> byFrom;
  for (const auto& l : logs) byFrom[l.from] = l;
  const auto& unscheduled = byFrom[ns + "/pending/main"];
  EXPECT_EQ(unscheduled.error, "the pod is not on a node (phase Pending): it has no log yet");
  const auto& ghost = byFrom[ns + "/bound/main"];
  EXPECT_EQ(ghost.path, "");
  // What the API server says (it cannot find the node to ask its kubelet), quoted.
  EXPECT_NE(ghost.error.find("no-such-node"), std::string::npos) << ghost.error;
  EXPECT_FALSE(std::filesystem::exists(run.path() + "/logs/issuer-bound-main.log"));
}

// ChaosRun spec.logs: the CRD's own rules refuse a value the runner could not use, saying what
// is expected, and take each form the runner takes.
TEST(PodLogsTest, AChaosRunsLogSourcesAreCheckedByTheCrd) {
  auto& plane = SharedPlane::get();
  auto admin = plane.admin();
  const std::string ns = plane.freshNamespace("run-logs");
  auto runWith = [&](const json& logs) {
    json run = {{"apiVersion", "certchaos.io/v1alpha1"},
                {"kind", "ChaosRun"},
                {"metadata", {{"name", "r"}, {"namespace", ns}}},
                {"spec",
                 {{"scenario", "3"},
                  {"issuer", {{"name", "chaos"}}},
                  {"certificate", {{"name", "app"}}},
                  {"logs", logs}}}};
    return admin->create(api::kChaosRun, run, {.dryRun = true});
  };
  auto good = runWith({{"issuer", "certchaos-system/app.kubernetes.io/name=certchaos-issuer"},
                       {"certManager",
                        "cert-manager/app.kubernetes.io/name=cert-manager,"
                        "app.kubernetes.io/component in (controller)@manager"},
                       {"app", "none"}});
  EXPECT_TRUE(good.ok()) << good.error().message;
  EXPECT_TRUE(runWith({{"app", "file:/var/log/app.log"}}).ok());
  for (const std::string bad : {"/var/log/app.log", "Demo/app=x", "demo/", "demo/app=x@Web"}) {
    auto refused = runWith({{"app", bad}});
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message.find("logs.app: expected NS/SELECTOR[@CONTAINER] for pods"),
              std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("found " + bad), std::string::npos)
        << refused.error().message;
  }
}

// A plane with a Ready node: CERTCHAOS_NODE_KUBECONFIG, else the shared test plane (which has
// none today, so the test is skipped there).
std::shared_ptr<kube::Client> nodePlaneClient(std::string& readyNode, json& nodeObject) {
  std::shared_ptr<kube::Client> client;
  if (const char* path = std::getenv("CERTCHAOS_NODE_KUBECONFIG"); path && *path) {
    auto loaded = kube::Client::fromKubeconfig(path);
    EXPECT_TRUE(loaded.ok()) << "CERTCHAOS_NODE_KUBECONFIG=" << path << ": "
                             << loaded.error().message;
    if (!loaded) return nullptr;
    client = *loaded;
  } else {
    client = SharedPlane::get().admin();
  }
  auto nodes = client->listAll(kNode, "");
  if (!nodes) return nullptr;
  for (const auto& n : nodes->items) {
    for (const auto& c : n["status"].value("conditions", json::array())) {
      if (c.value("type", "") == "Ready" && c.value("status", "") == "True") {
        readyNode = n["metadata"].value("name", "");
        nodeObject = n;
        return client;
      }
    }
  }
  return nullptr;
}

// The image of the certchaos CLI, as the node's containerd holds it (status.images).
std::string cliImageOn(const json& node) {
  for (const auto& image : node["status"].value("images", json::array())) {
    for (const auto& name : image.value("names", json::array())) {
      const std::string n = name.get<std::string>();
      if (n.find("/certchaos:") != std::string::npos) return n;
    }
  }
  return "";
}

// The real pods/log path: a container on the node writes a line only this test knows (with a
// secret in it); the run keeps it, with the kubelet's timestamps and the secret redacted.
TEST(PodLogsTest, AContainersLogComesThroughPodsLogFromTheKubelet) {
  std::string node;
  json nodeObject;
  auto client = nodePlaneClient(node, nodeObject);
  if (!client) {
    GTEST_SKIP() << "the plane has no Ready node: pods/log needs a kubelet. Run it against "
                    "`certchaos up --node` with CERTCHAOS_NODE_KUBECONFIG=$(certchaos "
                    "kubeconfig)";
  }
  const std::string image = cliImageOn(nodeObject);
  if (image.empty()) {
    GTEST_SKIP() << "node " << node
                 << " has no certchaos image in status.images (make images, up --node)";
  }
  const auto nonce = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  const std::string ns = "pod-logs-" + nonce.substr(nonce.size() - 8);
  ASSERT_TRUE(
      client
          ->create(kNamespace,
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}})
          .ok());
  struct Cleanup {
    std::shared_ptr<kube::Client> client;
    std::string ns;
    ~Cleanup() { (void)client->remove(kNamespace, "", ns); }
  } cleanup{client, ns};

  // The CLI refuses an unknown command and quotes it on stderr: the container's log.
  const std::string secret = "s3cr3t-" + nonce;
  const std::string marker = "pods-log-" + nonce;
  const auto since = std::chrono::system_clock::now() - std::chrono::seconds(1);
  auto created =
      client->create(kube::resources::kPod, podSpec("talker", ns,
                                                    {{"restartPolicy", "Never"},
                                                     {"nodeName", node},
                                                     {"containers",
                                                      {{{"name", "cli"},
                                                        {"image", image},
                                                        {"imagePullPolicy", "Never"},
                                                        {"args", {marker + "-" + secret}}}}}}));
  ASSERT_TRUE(created.ok()) << created.error().message;

  // Its container ran to the end: a watch on the pod says when.
  std::string phase;
  auto watched =
      client->watch(kube::resources::kPod, ns,
                    {.fieldSelector = "metadata.name=talker", .timeout = std::chrono::seconds(60)},
                    [&](const kube::WatchEvent& e) {
                      phase = e.object.value("status", json::object()).value("phase", "");
                      return phase != "Succeeded" && phase != "Failed";
                    });
  ASSERT_TRUE(watched.ok()) << watched.error().message;
  ASSERT_TRUE(phase == "Succeeded" || phase == "Failed") << "the pod never ended: " << phase;

  TempDir run;
  report::Redactor redactor;
  ASSERT_TRUE(redactor.addSecret(secret).ok());
  auto logs = scenario::collectLogs(client.get(), "app",
                                    scenario::PodLogSource{ns, "certchaos.io/test=pod-logs", ""},
                                    since, run.path(), redactor);
  ASSERT_EQ(logs.size(), 1U);
  EXPECT_EQ(logs[0].describe(), "pods/log " + ns + "/talker/cli");
  ASSERT_EQ(logs[0].error, "");
  const std::string text = slurp(logs[0].path);
  // The marker only this pod printed, after a timestamp the kubelet added (timestamps=true).
  const auto at = text.find(marker + "-[REDACTED]");
  ASSERT_NE(at, std::string::npos) << text;
  const auto lineStart = text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
  EXPECT_TRUE(parseRfc3339(text.substr(lineStart, text.find(' ', lineStart) - lineStart)).ok())
      << text;
  EXPECT_EQ(text.find(secret), std::string::npos) << text;
}

}  // namespace
}  // namespace certchaos::testing
