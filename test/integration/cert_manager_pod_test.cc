// cert-manager's controllers as a pod (scripts/cert-manager-manifest.sh) on a real local plane, no
// node needed: the manifest holds cert-manager's own controller RBAC rendered from the chart of
// the pinned module and our Deployment, and passes a server-side dry-run under the restricted Pod
// Security Standard; applied, its ServiceAccount may do what cm-controller needs and no more; and
// cm-controller run as that ServiceAccount (a token kubeconfig, the identity the pod will have)
// issues a Certificate of a ChaosIssuer, approving it only through the binding of
// deploy/rbac/30-cert-manager-approver.yaml, which the manifest's approval policy (the check of
// cert-manager's webhook) makes necessary, as on a real cluster.
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "certchaos/localcluster/net.h"
#include "plane.h"

namespace certchaos::testing {
namespace {

namespace fs = std::filesystem;
namespace lc = localcluster;
using nlohmann::json;

constexpr const char* kServiceAccount = "system:serviceaccount:cert-manager:cert-manager";

// A plane of this binary's own: `certchaos up` (issuer, runner, deploy/rbac) whose own
// cm-controller runs only the ClusterIssuer controller, so that every Certificate here is issued
// by the cm-controller the tests start as cert-manager's ServiceAccount.
class PodPlane : public ::testing::Environment {
 public:
  PodPlane() { instance() = this; }
  static PodPlane*& instance() {
    static PodPlane* p = nullptr;
    return p;
  }
  void SetUp() override {
    std::string tmpl = fs::temp_directory_path().string() + "/certchaos-cm-pod-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      FAIL() << "cannot make a temporary directory under " << fs::temp_directory_path();
    }
    root_ = tmpl;
    auto up = certchaos(stateDir(), {"up", "--cm-controller-arg=--controllers=clusterissuers"});
    ok_ = up.exitCode == 0;
    ASSERT_TRUE(ok_) << "certchaos up failed:\n" << up.output;
  }
  void TearDown() override {
    if (root_.empty()) return;
    auto down = certchaos(stateDir(), {"down"});
    EXPECT_EQ(down.exitCode, 0) << "certchaos down failed:\n" << down.output;
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string root() const { return root_; }
  std::string stateDir() const { return root_ + "/state"; }
  bool ok() const { return ok_; }

 private:
  std::string root_;
  bool ok_ = false;
};

[[maybe_unused]] ::testing::Environment* const kPodPlane =
    ::testing::AddGlobalTestEnvironment(new PodPlane());

PodPlane& plane() { return *PodPlane::instance(); }

lc::CommandOutput kubectlOnPlane(const std::vector<std::string>& args,
                                 const std::string& input = "") {
  return kubectl(plane().stateDir(), args, input);
}

lc::CommandOutput cli(const std::vector<std::string>& args) {
  return certchaos(plane().stateDir(), args);
}

std::vector<YAML::Node> documents(const std::string& text) {
  std::vector<YAML::Node> out;
  try {
    for (const auto& d : YAML::LoadAll(text)) {
      if (d && d.IsMap()) out.push_back(d);
    }
  } catch (const YAML::Exception& e) {
    ADD_FAILURE() << "not YAML (" << e.what() << "):\n" << text;
  }
  return out;
}

std::string kindName(const YAML::Node& d) {
  return d["kind"].as<std::string>() + "/" + d["metadata"]["name"].as<std::string>();
}

// The cert-manager version controlplane/go.mod pins (what cm-controller is built from).
std::string pinnedCertManager() {
  std::ifstream gomod(sourceDir() + "/controlplane/go.mod");
  for (std::string line; std::getline(gomod, line);) {
    std::istringstream words(line);
    std::string module, version;
    if (words >> module >> version && module == "github.com/cert-manager/cert-manager") {
      return version;
    }
  }
  return "";
}

std::string projectVersion() {
  std::ifstream cmake(sourceDir() + "/CMakeLists.txt");
  const std::string marker = "project(certchaos VERSION ";
  for (std::string line; std::getline(cmake, line);) {
    if (line.rfind(marker, 0) == 0) {
      auto rest = line.substr(marker.size());
      return rest.substr(0, rest.find_first_of(" )"));
    }
  }
  return "";
}

// Renders the manifest once for all tests (the script runs helm and go list).
const std::string& manifestPath() {
  static const std::string path = [] {
    const std::string p = plane().root() + "/cert-manager.yaml";
    auto r = run({sourceDir() + "/scripts/cert-manager-manifest.sh", controlplaneDir(), p});
    EXPECT_EQ(r.exitCode, 0) << r.output;
    return p;
  }();
  return path;
}

// Applies the manifest for real (idempotent: server-side apply).
void applyManifest() {
  auto r = kubectlOnPlane(
      {"apply", "--server-side", "--field-manager=certchaos-cm-pod-test", "-f", manifestPath()});
  ASSERT_EQ(r.exitCode, 0) << r.output;
}

// May cert-manager's ServiceAccount do VERB on RESOURCE (group, namespace, name)? Asked as the
// webhook and the API server ask: a SubjectAccessReview with the ServiceAccount's groups.
json accessReview(const std::string& verb, const std::string& group, const std::string& resource,
                  const std::string& ns = "", const std::string& name = "",
                  const std::string& subresource = "") {
  json attributes = {{"verb", verb}, {"group", group}, {"resource", resource}};
  if (!ns.empty()) attributes["namespace"] = ns;
  if (!name.empty()) attributes["name"] = name;
  if (!subresource.empty()) attributes["subresource"] = subresource;
  json review = {
      {"apiVersion", "authorization.k8s.io/v1"},
      {"kind", "SubjectAccessReview"},
      {"spec",
       {{"user", kServiceAccount},
        {"groups",
         {"system:serviceaccounts", "system:serviceaccounts:cert-manager", "system:authenticated"}},
        {"resourceAttributes", attributes}}}};
  auto r = kubectlOnPlane({"create", "-f", "-", "-o", "json"}, review.dump());
  EXPECT_EQ(r.exitCode, 0) << r.output;
  try {
    return json::parse(r.output).value("status", json::object());
  } catch (const json::exception& e) {
    ADD_FAILURE() << "not a SubjectAccessReview (" << e.what() << "): " << r.output;
    return json::object();
  }
}

class CertManagerPodTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(plane().ok()); }
};

// The manifest: cert-manager's controller RBAC as its chart renders it for the pinned version
// (helm's labels name the chart and the version), nothing of the webhook or the cainjector, and a
// Deployment that runs our image with in-cluster config as the chart runs its controller.
TEST_F(CertManagerPodTest, ManifestHoldsTheChartsControllerRbacAndOurDeployment) {
  const std::string pinned = pinnedCertManager();
  ASSERT_FALSE(pinned.empty()) << "no cert-manager line in controlplane/go.mod";
  std::set<std::string> objects;
  YAML::Node deployment;
  for (const auto& d : documents(readFile(manifestPath()))) {
    const std::string key = kindName(d);
    objects.insert(key);
    EXPECT_EQ(key.find("webhook"), std::string::npos) << key;
    EXPECT_EQ(key.find("cainjector"), std::string::npos) << key;
    const std::string kind = d["kind"].as<std::string>();
    if (kind.rfind("ClusterRole", 0) == 0 || kind.rfind("Role", 0) == 0 ||
        kind == "ServiceAccount") {
      // Rendered by helm from the module's chart, at the module's version: not hand-written.
      ASSERT_TRUE(d["metadata"]["labels"]) << key;
      EXPECT_EQ(d["metadata"]["labels"]["helm.sh/chart"].as<std::string>(""),
                "cert-manager-" + pinned)
          << key;
      EXPECT_EQ(d["metadata"]["labels"]["app.kubernetes.io/managed-by"].as<std::string>(""), "Helm")
          << key;
    }
    if (kind.find("Binding") != std::string::npos && d["subjects"]) {
      for (const auto& s : d["subjects"]) {
        EXPECT_EQ(s["kind"].as<std::string>() + "/" + s["namespace"].as<std::string>() + "/" +
                      s["name"].as<std::string>(),
                  "ServiceAccount/cert-manager/cert-manager")
            << key;
      }
    }
    if (key == "Deployment/cert-manager") deployment = d;
  }
  for (const std::string expected : {
           "Namespace/cert-manager",
           "ServiceAccount/cert-manager",
           "ClusterRole/cert-manager-controller-issuers",
           "ClusterRole/cert-manager-controller-clusterissuers",
           "ClusterRole/cert-manager-controller-certificates",
           "ClusterRole/cert-manager-controller-approve:cert-manager-io",
           "ClusterRoleBinding/cert-manager-controller-issuers",
           "ClusterRoleBinding/cert-manager-controller-clusterissuers",
           "ClusterRoleBinding/cert-manager-controller-certificates",
           "ClusterRoleBinding/cert-manager-controller-approve:cert-manager-io",
           "Role/cert-manager:leaderelection",
           "RoleBinding/cert-manager:leaderelection",
           "Deployment/cert-manager",
           "ValidatingAdmissionPolicy/certchaos-cert-manager-approval",
           "ValidatingAdmissionPolicyBinding/certchaos-cert-manager-approval",
       }) {
    EXPECT_TRUE(objects.count(expected)) << "no " << expected << " in " << manifestPath();
  }

  ASSERT_TRUE(deployment) << "no Deployment/cert-manager in " << manifestPath();
  EXPECT_EQ(deployment["metadata"]["namespace"].as<std::string>(""), "cert-manager");
  EXPECT_EQ(deployment["spec"]["strategy"]["type"].as<std::string>(""), "Recreate");
  const auto pod = deployment["spec"]["template"];
  EXPECT_EQ(pod["metadata"]["labels"]["app.kubernetes.io/name"].as<std::string>(""),
            "cert-manager");
  EXPECT_EQ(pod["metadata"]["labels"]["app.kubernetes.io/component"].as<std::string>(""),
            "controller");
  EXPECT_EQ(pod["spec"]["serviceAccountName"].as<std::string>(""), "cert-manager");
  const auto container = pod["spec"]["containers"][0];
  EXPECT_EQ(container["image"].as<std::string>(""),
            "ghcr.io/certchaos/certchaos-cm-controller:" + projectVersion());
  EXPECT_EQ(container["imagePullPolicy"].as<std::string>(""), "IfNotPresent");
  std::set<std::string> args;
  for (const auto& a : container["args"]) args.insert(a.as<std::string>());
  EXPECT_TRUE(args.count("--healthz-listen-address=0.0.0.0:9403"));
  for (const auto& a : args) {
    EXPECT_EQ(a.rfind("--kubeconfig", 0), std::string::npos) << "in-cluster config only: " << a;
  }
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"].as<std::string>(""), "/readyz");
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["port"].as<std::string>(""), "http-healthz");
  bool healthPort = false;
  for (const auto& p : container["ports"]) {
    healthPort = healthPort || (p["name"].as<std::string>("") == "http-healthz" &&
                                p["containerPort"].as<int>(0) == 9403);
  }
  EXPECT_TRUE(healthPort) << "no containerPort 9403 named http-healthz";
}

// Accepted by the API server as it is (the Namespace created first: a dry-run cannot create the
// namespace its objects go into), with no Pod Security warning under the restricted profile,
// which the manifest's Namespace enforces; the same check refuses a pod that may run as root.
TEST_F(CertManagerPodTest, ManifestPassesAServerSideDryRunUnderTheRestrictedProfile) {
  auto ns =
      kubectlOnPlane({"apply", "--server-side", "--field-manager=certchaos-cm-pod-test", "-f", "-"},
                     "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cert-manager\n"
                     "  labels:\n    pod-security.kubernetes.io/enforce: restricted\n"
                     "    pod-security.kubernetes.io/warn: restricted\n");
  ASSERT_EQ(ns.exitCode, 0) << ns.output;
  auto r = kubectlOnPlane({"apply", "--server-side", "--dry-run=server",
                           "--field-manager=certchaos-cm-pod-test", "-f", manifestPath()});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output.find("Warning"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("deployment.apps/cert-manager serverside-applied (server dry run)"),
            std::string::npos)
      << r.output;

  std::string rooted = readFile(manifestPath());
  const std::string nonRoot = "runAsNonRoot: true";
  ASSERT_NE(rooted.find(nonRoot), std::string::npos);
  rooted.replace(rooted.find(nonRoot), nonRoot.size(), "runAsNonRoot: false");
  r = kubectlOnPlane({"apply", "--server-side", "--dry-run=server",
                      "--field-manager=certchaos-cm-pod-test", "-f", "-"},
                     rooted);
  EXPECT_NE(r.output.find("violate PodSecurity \"restricted:latest\""), std::string::npos)
      << r.output;
}

// Applied, cert-manager's ServiceAccount may do what cm-controller's controllers do, approve
// requests for our kinds through deploy/rbac/30 (the plane applied it with deploy/rbac), and not
// what nothing it runs needs.
TEST_F(CertManagerPodTest, ServiceAccountMayDoWhatCmControllerNeedsAndNoMore) {
  applyManifest();
  struct Case {
    std::string verb, group, resource, ns, name, subresource;
  };
  for (const auto& c : std::vector<Case>{
           {"update", "cert-manager.io", "certificaterequests", "default", "", "status"},
           {"create", "cert-manager.io", "certificaterequests", "default", "", ""},
           {"update", "cert-manager.io", "certificates", "default", "", "status"},
           {"watch", "cert-manager.io", "certificates", "", "", ""},
           {"update", "cert-manager.io", "issuers", "default", "", "status"},
           {"update", "cert-manager.io", "clusterissuers", "", "", "status"},
           {"create", "", "secrets", "default", "", ""},
           {"update", "", "secrets", "default", "", ""},
           {"create", "", "events", "default", "", ""},
           {"approve", "cert-manager.io", "signers", "", "issuers.cert-manager.io/*", ""},
       }) {
    auto status = accessReview(c.verb, c.group, c.resource, c.ns, c.name, c.subresource);
    EXPECT_TRUE(status.value("allowed", false))
        << c.verb << " " << c.resource << "/" << c.subresource << " " << c.name << ": "
        << status.dump();
  }
  // Approval of our kinds: granted by deploy/rbac/30, nothing else.
  for (const std::string signer :
       {"chaosissuers.certchaos.io/*", "chaosclusterissuers.certchaos.io/*"}) {
    auto status = accessReview("approve", "cert-manager.io", "signers", "", signer);
    EXPECT_TRUE(status.value("allowed", false)) << signer << ": " << status.dump();
    EXPECT_NE(status.value("reason", "").find("certchaos-cert-manager-approver"), std::string::npos)
        << signer << ": " << status.dump();
  }
  for (const auto& c : std::vector<Case>{
           {"approve", "cert-manager.io", "signers", "", "issuers.example.com/*", ""},
           {"update", "certchaos.io", "chaosissuers", "default", "", "status"},
           {"get", "certchaos.io", "chaosissuers", "default", "", ""},
           {"create", "rbac.authorization.k8s.io", "clusterrolebindings", "", "", ""},
           {"delete", "apiextensions.k8s.io", "customresourcedefinitions", "", "", ""},
           {"update", "", "configmaps", "default", "", ""},
       }) {
    auto status = accessReview(c.verb, c.group, c.resource, c.ns, c.name, c.subresource);
    EXPECT_FALSE(status.value("allowed", true))
        << c.verb << " " << c.resource << "/" << c.subresource << " " << c.name << ": "
        << status.dump();
  }
}

// A kubeconfig of the plane's API server with a token of cert-manager's ServiceAccount: the
// identity the pod gets from its mounted token.
std::string serviceAccountKubeconfig(const std::string& dir) {
  auto token =
      kubectlOnPlane({"create", "token", "cert-manager", "-n", "cert-manager", "--duration=1h"});
  EXPECT_EQ(token.exitCode, 0) << token.output;
  std::string jwt = token.output.substr(0, token.output.find_last_not_of("\r\n") + 1);
  YAML::Node config = YAML::LoadFile(plane().stateDir() + "/kubeconfig");
  YAML::Node users = config["users"];
  for (std::size_t i = 0; i < users.size(); ++i) {
    YAML::Node user;
    user["token"] = jwt;
    users[i]["user"] = user;
  }
  const std::string path = dir + "/cert-manager.kubeconfig";
  std::ofstream out(path);
  out << config;
  out.close();
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto whoami = run({controlplaneDir() + "/bin/kubectl", "--kubeconfig=" + path, "auth", "whoami",
                     "-o", "jsonpath={.status.userInfo.username}"});
  EXPECT_EQ(whoami.output, kServiceAccount) << whoami.output;
  return path;
}

// cm-controller started with KUBECONFIG; stopped at the end of the scope.
class CmController {
 public:
  CmController(const std::string& dir, const std::string& kubeconfig) : log_(dir + "/cm.log") {
    const std::string addressFile = dir + "/cm.addr";
    auto id =
        lc::startDetached({controlplaneDir() + "/bin/cm-controller", "--kubeconfig=" + kubeconfig,
                           "--address-file=" + addressFile, "--v=2"},
                          log_);
    if (!id) {
      ADD_FAILURE() << "cannot start cm-controller: " << id.error().message;
      return;
    }
    id_ = *id;
    const lc::ProcessId process = id_;
    // The address file appears once it listens (kernel-chosen ports).
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string health;
    while (health.empty() && std::chrono::steady_clock::now() < end && lc::isRunning(id_)) {
      std::ifstream in(addressFile);
      json addresses = json::parse(in, nullptr, /*allow_exceptions=*/false);
      if (addresses.is_object() && addresses.contains("health")) {
        health = addresses["health"].get<std::string>();
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    if (health.empty()) {
      ADD_FAILURE() << "cm-controller wrote no address file " << addressFile << ":\n"
                    << lc::tailFile(log_, 20);
      return;
    }
    auto ready =
        lc::waitForHealthy("cm-controller", "http://" + health + "/readyz", {},
                           std::chrono::seconds(60), [process] { return lc::isRunning(process); });
    ready_ = static_cast<bool>(ready);
    if (!ready_) {
      ADD_FAILURE() << "cm-controller as cert-manager's ServiceAccount not ready: "
                    << ready.error().message << "\n"
                    << lc::tailFile(log_, 20);
    }
  }
  ~CmController() {
    if (id_.pid != 0) lc::stopProcess(id_, std::chrono::seconds(5));
  }
  CmController(const CmController&) = delete;
  CmController& operator=(const CmController&) = delete;
  bool ready() const { return ready_; }
  std::string log() const { return readFile(log_); }

 private:
  std::string log_;
  lc::ProcessId id_;
  bool ready_ = false;
};

// cm-controller with nothing but cert-manager's ServiceAccount and its chart's RBAC issues a
// Certificate of a ChaosIssuer. Without deploy/rbac/30 its approval is refused (the approval
// policy, as cert-manager's webhook would) and nothing is issued; with it back, the same
// Certificate goes Ready.
TEST_F(CertManagerPodTest, CmControllerAsTheServiceAccountIssuesThroughTheApproverBinding) {
  applyManifest();
  TempDir dir;
  CmController controller(dir.path(), serviceAccountKubeconfig(dir.path()));
  ASSERT_TRUE(controller.ready());
  const std::string ns = "cm-pod-" + std::to_string(getpid());
  ASSERT_EQ(kubectlOnPlane({"create", "namespace", ns}).exitCode, 0);
  auto issuer = cli({"-n", ns, "deploy", "issuer", "ca"});
  ASSERT_EQ(issuer.exitCode, 0) << issuer.output;
  auto issued = cli({"-n", ns, "deploy", "certificate", "web", "--issuer", "ca", "--dns",
                     "web.test", "--duration", "2h", "--renew-before", "30m", "--timeout", "90s"});
  EXPECT_EQ(issued.exitCode, 0) << issued.output << "\n" << controller.log();
  auto request = kubectlOnPlane({"-n", ns, "get", "certificaterequests", "-o",
                                 "jsonpath={.items[0].status.conditions[?(@.type==\"Approved\")]"
                                 ".message}"});
  EXPECT_EQ(request.output, "Certificate request has been approved by cert-manager.io");
  // Nothing the controllers did so far (informers, approval, the Secret) was refused.
  EXPECT_EQ(controller.log().find("forbidden"), std::string::npos) << controller.log();

  // Without the approver binding: the approver's write is refused, and says why.
  const std::string binding = sourceDir() + "/deploy/rbac/30-cert-manager-approver.yaml";
  auto removed =
      kubectlOnPlane({"delete", "clusterrolebinding", "certchaos-cert-manager-approver"});
  ASSERT_EQ(removed.exitCode, 0) << removed.output;
  auto held = cli({"-n", ns, "deploy", "certificate", "held", "--issuer", "ca", "--dns",
                   "held.test", "--duration", "2h", "--renew-before", "30m", "--timeout", "1s"});
  EXPECT_NE(held.exitCode, 0) << held.output;
  const std::string refusal =
      "user \\\"system:serviceaccount:cert-manager:cert-manager\\\" does not have permissions to "
      "set approved/denied conditions for issuer ChaosIssuer ca";
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (controller.log().find(refusal) == std::string::npos &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_NE(controller.log().find(refusal), std::string::npos) << controller.log();
  auto unapproved = kubectlOnPlane({"-n", ns, "get", "certificaterequests", "-o",
                                    "jsonpath={range .items[*]}{.metadata.name}={.status."
                                    "conditions[?(@.type==\"Approved\")].status};{end}"});
  EXPECT_NE(unapproved.output.find("held-1=;"), std::string::npos) << unapproved.output;

  // The binding back: the same request is approved and issued.
  auto restored =
      kubectlOnPlane({"apply", "--server-side", "--field-manager=certchaos", "-f", binding});
  ASSERT_EQ(restored.exitCode, 0) << restored.output;
  auto ready = kubectlOnPlane(
      {"-n", ns, "wait", "--for=condition=Ready", "certificate/held", "--timeout=90s"});
  EXPECT_EQ(ready.exitCode, 0) << ready.output << "\n" << controller.log();
}

// cert-manager's own issuers work under the chart's RBAC too: a self-signed Issuer signs a CA,
// a CA Issuer of that CA signs a leaf (the issuers, selfsigned and ca controllers of
// cm-controller).
TEST_F(CertManagerPodTest, CmControllerAsTheServiceAccountRunsCertManagersOwnIssuers) {
  applyManifest();
  TempDir dir;
  CmController controller(dir.path(), serviceAccountKubeconfig(dir.path()));
  ASSERT_TRUE(controller.ready());
  const std::string ns = "cm-pod-ca-" + std::to_string(getpid());
  ASSERT_EQ(kubectlOnPlane({"create", "namespace", ns}).exitCode, 0);
  auto applied = kubectlOnPlane({"-n", ns, "apply", "-f", "-"}, R"(apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: self-signed}
spec: {selfSigned: {}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: root}
spec:
  isCA: true
  commonName: cm-pod root
  secretName: root
  privateKey: {algorithm: ECDSA, size: 256}
  issuerRef: {name: self-signed}
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: ca}
spec: {ca: {secretName: root}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: leaf}
spec:
  dnsNames: [leaf.test]
  secretName: leaf
  privateKey: {algorithm: ECDSA, size: 256}
  issuerRef: {name: ca}
)");
  ASSERT_EQ(applied.exitCode, 0) << applied.output;
  auto ready = kubectlOnPlane({"-n", ns, "wait", "--for=condition=Ready", "certificate/root",
                               "certificate/leaf", "issuer/ca", "--timeout=90s"});
  EXPECT_EQ(ready.exitCode, 0) << ready.output << "\n" << controller.log();
  EXPECT_EQ(controller.log().find("forbidden"), std::string::npos) << controller.log();
}

// Outside a pod, without --kubeconfig, cm-controller says what it needs instead of failing on
// the missing in-cluster environment.
TEST_F(CertManagerPodTest, CmControllerWithoutKubeconfigOutsideAPodSaysWhatItNeeds) {
  auto r = run(
      {"/usr/bin/env", "-u", "KUBERNETES_SERVICE_HOST", controlplaneDir() + "/bin/cm-controller"},
      std::chrono::seconds(30));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("--kubeconfig is required outside a pod"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace certchaos::testing
