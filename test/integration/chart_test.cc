// The Helm chart deploy/chart/certchaos-issuer through the real helm (built from its pinned module
// into the control-plane cache, controlplane/tools/helm) against a real local plane: `helm lint`;
// `helm template`, whose objects pass a server-side dry-run under the restricted Pod Security
// Standard and mean what deploy/manifests/issuer.yaml and deploy/rbac mean; bad values refused by
// values.schema.json; `helm install` then `helm uninstall` leave no object of the release behind.
// The plane has cert-manager's CRDs but not ours and runs no issuer: the chart brings both.
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "plane.h"

namespace certchaos::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kRelease = "certchaos-issuer";
const std::set<std::string> kOurCrds = {
    "chaosissuers.certchaos.io", "chaosclusterissuers.certchaos.io", "chaosruns.certchaos.io"};

// Every object the chart's templates make with the default values and the release name
// certchaos-issuer (kind/name; the first six are namespaced).
const std::set<std::string>& expectedObjects() {
  static const std::set<std::string> objects = {
      "ServiceAccount/certchaos-issuer",
      "Deployment/certchaos-issuer",
      "Service/certchaos-issuer-metrics",
      "Role/certchaos-issuer-leader-election",
      "RoleBinding/certchaos-issuer-leader-election",
      "Role/certchaos-issuer-ca-secrets",
      "RoleBinding/certchaos-issuer-ca-secrets",
      "ClusterRole/certchaos-issuer",
      "ClusterRoleBinding/certchaos-issuer",
      "ClusterRole/certchaos-issuer-cert-manager-approver",
      "ClusterRoleBinding/certchaos-issuer-cert-manager-approver",
      "ValidatingAdmissionPolicy/certchaos-issuer-ca-secrets",
      "ValidatingAdmissionPolicyBinding/certchaos-issuer-ca-secrets",
      // The ChaosRun controller (runner.enabled).
      "ServiceAccount/certchaos-runner",
      "Deployment/certchaos-runner",
      "ClusterRole/certchaos-runner",
      "ClusterRoleBinding/certchaos-runner",
      "Role/certchaos-runner-leader-election",
      "RoleBinding/certchaos-runner-leader-election",
  };
  return objects;
}

std::string chartDir() { return sourceDir() + "/deploy/chart/certchaos-issuer"; }

// A plane of this binary's own: `certchaos up --no-issuer` with cert-manager's CRDs only.
class ChartPlane : public ::testing::Environment {
 public:
  ChartPlane() { instance() = this; }
  static ChartPlane*& instance() {
    static ChartPlane* p = nullptr;
    return p;
  }
  void SetUp() override {
    std::string tmpl = fs::temp_directory_path().string() + "/certchaos-chart-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      FAIL() << "cannot make a temporary directory under " << fs::temp_directory_path();
    }
    root_ = tmpl;
    if (access((controlplaneDir() + "/bin/helm").c_str(), X_OK) != 0) {
      FAIL() << "expected helm at " << controlplaneDir()
             << "/bin/helm, found none: run 'make controlplane' (it builds helm from "
                "controlplane/tools/helm and links it there)";
    }
    // helm keeps its repository cache and plugins here, not in the user's home.
    for (const char* v : {"HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"}) {
      setenv(v, (root_ + "/helm/" + v).c_str(), 1);
    }
    auto up = certchaos(stateDir(), {"up", "--no-issuer", "--crds", controlplaneDir() + "/crds"});
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
  std::string stateDir() const { return root_ + "/state"; }
  std::string kubeconfig() const { return stateDir() + "/kubeconfig"; }
  bool ok() const { return ok_; }

 private:
  std::string root_;
  bool ok_ = false;
};

// gtest owns it, sets it up before the first test and tears it down after the last.
[[maybe_unused]] ::testing::Environment* const kChartPlane =
    ::testing::AddGlobalTestEnvironment(new ChartPlane());

ChartPlane& plane() { return *ChartPlane::instance(); }

localcluster::CommandOutput helm(std::vector<std::string> args) {
  std::vector<std::string> argv = {controlplaneDir() + "/bin/helm",
                                   "--kubeconfig=" + plane().kubeconfig()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

localcluster::CommandOutput kubectlOnPlane(const std::vector<std::string>& args) {
  return kubectl(plane().stateDir(), args);
}

std::string newNamespace(const std::string& prefix,
                         const std::map<std::string, std::string>& labels) {
  static int counter = 0;
  std::string name = prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
  auto r = kubectlOnPlane({"create", "namespace", name});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  for (const auto& [k, v] : labels) {
    r = kubectlOnPlane({"label", "namespace", name, k + "=" + v});
    EXPECT_EQ(r.exitCode, 0) << r.output;
  }
  return name;
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

// YAML as JSON with every scalar a string: compares documents whatever their quoting or key order.
json yamlToJson(const YAML::Node& n) {
  if (n.IsMap()) {
    json o = json::object();
    for (const auto& kv : n) o[kv.first.as<std::string>()] = yamlToJson(kv.second);
    return o;
  }
  if (n.IsSequence()) {
    json a = json::array();
    for (const auto& e : n) a.push_back(yamlToJson(e));
    return a;
  }
  if (n.IsScalar()) return n.as<std::string>();
  return nullptr;
}

// `helm template` of the chart; fails the test unless helm rendered it.
std::string renderChart(const std::string& ns, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"template", kRelease, chartDir(), "--namespace", ns};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = helm(args);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  return r.output;
}

class ChartTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(plane().ok()); }
};

TEST_F(ChartTest, HelmIsThePinnedVersion) {
  std::ifstream gomod(sourceDir() + "/controlplane/tools/helm/go.mod");
  std::string pinned;
  for (std::string line; std::getline(gomod, line);) {
    std::istringstream words(line);
    std::string module, version;
    if (words >> module >> version && module == "helm.sh/helm/v4") pinned = version;
  }
  ASSERT_FALSE(pinned.empty()) << "no helm.sh/helm/v4 line in controlplane/tools/helm/go.mod";
  auto r = helm({"version", "--template", "{{ .Version }}"});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  r.output.erase(r.output.find_last_not_of(" \n") + 1);
  EXPECT_EQ(r.output, pinned)
      << "the plane's bin/helm is not the pinned one: run make controlplane";
}

TEST_F(ChartTest, LintIsCleanEvenStrict) {
  auto r = helm({"lint", "--strict", chartDir()});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("0 chart(s) failed"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("[WARNING]"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("[ERROR]"), std::string::npos) << r.output;
  // The one finding left is informational: the chart has no icon.
  std::cout << r.output;
}

// With the default values: exactly the expected objects, all in the release namespace or
// cluster-scoped, accepted by the API server (server-side dry-run, CRDs included) with no warning
// in a namespace that enforces and warns on the restricted Pod Security Standard.
TEST_F(ChartTest, TemplateRendersObjectsThatPassAServerSideDryRun) {
  const std::string ns =
      newNamespace("chart-dry-run", {{"pod-security.kubernetes.io/enforce", "restricted"},
                                     {"pod-security.kubernetes.io/warn", "restricted"}});
  const std::string rendered = renderChart(ns, {"--include-crds"});
  std::set<std::string> objects, crds;
  for (const auto& d : documents(rendered)) {
    const std::string key = kindName(d);
    if (d["kind"].as<std::string>() == "CustomResourceDefinition") {
      crds.insert(d["metadata"]["name"].as<std::string>());
      continue;
    }
    objects.insert(key);
    if (d["metadata"]["namespace"]) {
      EXPECT_EQ(d["metadata"]["namespace"].as<std::string>(), ns) << key;
    }
  }
  EXPECT_EQ(objects, expectedObjects());
  EXPECT_EQ(crds, kOurCrds);

  TempDir dir;
  writeFile(dir.path() + "/rendered.yaml", rendered);
  auto r =
      kubectlOnPlane({"apply", "--server-side", "--dry-run=server",
                      "--field-manager=certchaos-chart-test", "-f", dir.path() + "/rendered.yaml"});
  EXPECT_EQ(r.exitCode, 0) << r.output << "\n" << rendered;
  EXPECT_EQ(r.output.find("Warning"), std::string::npos) << r.output;
  // kubectl names each object it applied: the 13 objects and the 3 CRDs.
  std::size_t applied = 0;
  for (auto at = r.output.find("serverside-applied (server dry run)"); at != std::string::npos;
       at = r.output.find("serverside-applied (server dry run)", at + 1)) {
    ++applied;
  }
  EXPECT_EQ(applied, expectedObjects().size() + kOurCrds.size()) << r.output;

  // The same check does bite: a pod that may run as root is a restricted-profile violation.
  const std::string rooted = renderChart(ns, {"--set", "podSecurityContext.runAsNonRoot=false"});
  writeFile(dir.path() + "/rooted.yaml", rooted);
  r = kubectlOnPlane({"apply", "--server-side", "--dry-run=server",
                      "--field-manager=certchaos-chart-test", "-f", dir.path() + "/rooted.yaml"});
  EXPECT_NE(r.output.find("violate PodSecurity \"restricted:latest\""), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("runAsNonRoot"), std::string::npos) << r.output;
}

// The chart with its default values and the release certchaos-issuer in certchaos-system makes
// the objects of deploy/manifests/issuer.yaml, runner.yaml and deploy/rbac (but its Namespace: helm
// installs into one), with these differences only: Helm's standard labels (helm.sh/chart,
// app.kubernetes.io/instance, /version, /managed-by) on every object and pod, the instance label
// in the Deployment's and the Service's selectors, app.kubernetes.io/name on the cert-manager
// approver role and binding, whose name is the release's (certchaos-issuer-cert-manager-approver,
// not certchaos-cert-manager-approver) so that two releases do not share it. The CRDs in crds/
// are deploy/crds byte for byte.
TEST_F(ChartTest, DefaultRenderingMeansWhatTheManifestsMean) {
  const std::string deploy = sourceDir() + "/deploy";
  for (const auto& e : fs::directory_iterator(deploy + "/crds")) {
    EXPECT_EQ(readFile(chartDir() + "/crds/" + e.path().filename().string()), readFile(e.path()))
        << "the chart's copy of " << e.path().filename() << " differs from deploy/crds";
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(chartDir() + "/crds"), fs::directory_iterator()),
            std::distance(fs::directory_iterator(deploy + "/crds"), fs::directory_iterator()));

  std::map<std::string, json> chart;
  for (const auto& d : documents(renderChart("certchaos-system")))
    chart[kindName(d)] = yamlToJson(d);
  const std::set<std::string> helmLabels = {"helm.sh/chart", "app.kubernetes.io/instance",
                                            "app.kubernetes.io/version",
                                            "app.kubernetes.io/managed-by"};
  auto stripHelmLabels = [&](json& labels) {
    ASSERT_TRUE(labels.is_object()) << labels.dump();
    for (const auto& l : helmLabels) {
      EXPECT_TRUE(labels.contains(l)) << "no " << l << " in " << labels.dump();
      labels.erase(l);
    }
  };
  const std::map<std::string, std::string> renamed = {
      {"ClusterRole/certchaos-cert-manager-approver",
       "ClusterRole/certchaos-issuer-cert-manager-approver"},
      {"ClusterRoleBinding/certchaos-cert-manager-approver",
       "ClusterRoleBinding/certchaos-issuer-cert-manager-approver"}};

  std::vector<YAML::Node> reference = YAML::LoadAllFromFile(deploy + "/manifests/issuer.yaml");
  for (const auto& d : YAML::LoadAllFromFile(deploy + "/manifests/runner.yaml")) {
    reference.push_back(d);
  }
  for (const auto& e : fs::directory_iterator(deploy + "/rbac")) {
    for (const auto& d : YAML::LoadAllFromFile(e.path().string())) reference.push_back(d);
  }
  std::set<std::string> compared;
  for (const auto& d : reference) {
    if (!d || !d.IsMap() || d["kind"].as<std::string>() == "Namespace") continue;
    const std::string key = kindName(d);
    json want = yamlToJson(d);
    std::string chartKey = renamed.count(key) ? renamed.at(key) : key;
    SCOPED_TRACE(key + " against the chart's " + chartKey);
    ASSERT_TRUE(chart.count(chartKey)) << chartKey << " is not in the chart's rendering";
    json got = chart[chartKey];
    compared.insert(chartKey);
    stripHelmLabels(got["metadata"]["labels"]);
    if (renamed.count(key)) {
      EXPECT_EQ(got["metadata"]["labels"].value("app.kubernetes.io/name", ""), "certchaos-issuer");
      got["metadata"]["labels"].erase("app.kubernetes.io/name");
      got["metadata"]["name"] = want["metadata"]["name"];
      if (got.contains("roleRef")) got["roleRef"]["name"] = want["roleRef"]["name"];
    }
    if (want["kind"] == "Deployment") {
      stripHelmLabels(got["spec"]["template"]["metadata"]["labels"]);
      EXPECT_EQ(got["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"], kRelease);
      got["spec"]["selector"]["matchLabels"].erase("app.kubernetes.io/instance");
    }
    if (want["kind"] == "Service") {
      EXPECT_EQ(got["spec"]["selector"]["app.kubernetes.io/instance"], kRelease);
      got["spec"]["selector"].erase("app.kubernetes.io/instance");
    }
    EXPECT_EQ(got, want) << "chart:\n" << got.dump(2) << "\nreference:\n" << want.dump(2);
  }
  // Nothing in the chart that the reference lacks.
  EXPECT_EQ(compared, expectedObjects());
}

// Every value reaches the object it is for (toYaml'd where it is a structure), and the result still
// passes a server-side dry-run.
TEST_F(ChartTest, ValuesReachTheObjectsTheyAreFor) {
  const std::string ns = newNamespace("chart-values", {});
  TempDir dir;
  writeFile(dir.path() + "/values.yaml", R"(fullnameOverride: chaos
image: {repository: registry.example/certchaos-issuer, tag: "1.2.3", pullPolicy: Always}
imagePullSecrets: [{name: pull-secret}]
replicaCount: 3
workers: 16
kubeApiQps: 500
kubeApiBurst: 800
metricsPort: 9500
serviceAccount: {create: false, name: existing-sa}
podAnnotations: {example.com/team: platform}
podLabels: {example.com/tier: security}
resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: "1", memory: 512Mi}}
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Equal, value: issuers, effect: NoSchedule}]
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64, arm64]}]
certManager: {approverRBAC: false}
runner:
  enabled: true
  image: {repository: registry.example/certchaos, tag: "1.2.3", pullPolicy: Always}
  replicaCount: 2
  healthPort: 9600
  serviceAccount: {create: true, name: chaos-runs}
  resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 128Mi}}
)");
  const std::string rendered = renderChart(ns, {"-f", dir.path() + "/values.yaml"});
  std::map<std::string, YAML::Node> objects;
  for (const auto& d : documents(rendered)) objects[kindName(d)] = d;
  EXPECT_FALSE(objects.count("ServiceAccount/existing-sa")) << "serviceAccount.create=false";
  EXPECT_FALSE(objects.count("ClusterRole/chaos-cert-manager-approver"))
      << "certManager.approverRBAC=false";
  ASSERT_TRUE(objects.count("Deployment/chaos")) << rendered;
  ASSERT_TRUE(objects.count("ClusterRoleBinding/chaos")) << rendered;
  EXPECT_EQ(objects["ClusterRoleBinding/chaos"]["subjects"][0]["name"].as<std::string>(),
            "existing-sa");
  EXPECT_NE(rendered.find("system:serviceaccount:" + ns + ":existing-sa"), std::string::npos)
      << "the CA-Secrets policy must match the ServiceAccount the issuer runs as";
  EXPECT_EQ(objects["Service/chaos-metrics"]["spec"]["ports"][0]["port"].as<int>(), 9500);

  const json d = yamlToJson(objects["Deployment/chaos"]);
  const json& pod = d["spec"]["template"];
  const json& c = pod["spec"]["containers"][0];
  EXPECT_EQ(d["spec"]["replicas"], "3");
  EXPECT_EQ(c["image"], "registry.example/certchaos-issuer:1.2.3");
  EXPECT_EQ(c["imagePullPolicy"], "Always");
  EXPECT_EQ(c["args"], json({"--listen-address=0.0.0.0:9500", "--cluster-resource-namespace=" + ns,
                             "--workers=16", "--kube-api-qps=500", "--kube-api-burst=800",
                             "--leader-elect", "--leader-election-namespace=" + ns}));
  EXPECT_EQ(c["ports"][0]["containerPort"], "9500");
  EXPECT_EQ(c["resources"], json::parse(R"({"requests": {"cpu": "100m", "memory": "128Mi"},
                                            "limits": {"cpu": "1", "memory": "512Mi"}})"));
  EXPECT_EQ(pod["spec"]["serviceAccountName"], "existing-sa");
  EXPECT_EQ(pod["spec"]["imagePullSecrets"], json::parse(R"([{"name": "pull-secret"}])"));
  EXPECT_EQ(pod["spec"]["nodeSelector"], json::parse(R"({"kubernetes.io/os": "linux"})"));
  EXPECT_EQ(pod["spec"]["tolerations"],
            json::parse(R"([{"key": "dedicated", "operator": "Equal", "value": "issuers",
                             "effect": "NoSchedule"}])"));
  EXPECT_EQ(
      pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
         ["nodeSelectorTerms"][0]["matchExpressions"][0]["values"],
      json({"amd64", "arm64"}));
  EXPECT_EQ(pod["metadata"]["annotations"], json::parse(R"({"example.com/team": "platform"})"));
  EXPECT_EQ(pod["metadata"]["labels"].value("example.com/tier", ""), "security");
  // The pod is still the restricted one.
  EXPECT_EQ(pod["spec"]["securityContext"]["runAsNonRoot"], "true");
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], "true");
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], json({"ALL"}));

  // The runner: its own image, replicas, port, ServiceAccount and resources; the pod settings
  // shared with the issuer.
  ASSERT_TRUE(objects.count("Deployment/chaos-runner")) << rendered;
  ASSERT_TRUE(objects.count("ServiceAccount/chaos-runs")) << rendered;
  EXPECT_EQ(objects["ClusterRoleBinding/chaos-runner"]["subjects"][0]["name"].as<std::string>(),
            "chaos-runs");
  const json runner = yamlToJson(objects["Deployment/chaos-runner"]);
  const json& runnerPod = runner["spec"]["template"];
  const json& rc = runnerPod["spec"]["containers"][0];
  EXPECT_EQ(runner["spec"]["replicas"], "2");
  EXPECT_EQ(rc["image"], "registry.example/certchaos:1.2.3");
  EXPECT_EQ(rc["imagePullPolicy"], "Always");
  EXPECT_EQ(rc["args"],
            json({"--runs-dir=/var/lib/certchaos/runs", "--state-dir=/var/lib/certchaos/state",
                  "controller", "--listen-address=0.0.0.0:9600", "--leader-elect",
                  "--leader-election-namespace=" + ns}));
  EXPECT_EQ(rc["ports"][0]["containerPort"], "9600");
  EXPECT_EQ(rc["resources"], json::parse(R"({"requests": {"cpu": "10m", "memory": "32Mi"},
                                             "limits": {"memory": "128Mi"}})"));
  EXPECT_EQ(runnerPod["spec"]["serviceAccountName"], "chaos-runs");
  EXPECT_EQ(runnerPod["spec"]["nodeSelector"], pod["spec"]["nodeSelector"]);
  EXPECT_EQ(runnerPod["spec"]["tolerations"], pod["spec"]["tolerations"]);
  EXPECT_EQ(runnerPod["spec"]["securityContext"], pod["spec"]["securityContext"]);
  EXPECT_EQ(rc["securityContext"], c["securityContext"]);
  // Its selector is not the issuer's: neither Deployment adopts the other's pods.
  EXPECT_NE(runner["spec"]["selector"], d["spec"]["selector"]);

  // runner.enabled=false: no object of the runner at all.
  const std::string without = renderChart(ns, {"--set", "runner.enabled=false"});
  EXPECT_EQ(without.find("certchaos-runner"), std::string::npos) << without;

  writeFile(dir.path() + "/rendered.yaml", rendered);
  auto r =
      kubectlOnPlane({"apply", "--server-side", "--dry-run=server",
                      "--field-manager=certchaos-chart-test", "-f", dir.path() + "/rendered.yaml"});
  EXPECT_EQ(r.exitCode, 0) << r.output << "\n" << rendered;
  EXPECT_EQ(r.output.find("Warning"), std::string::npos) << r.output;
}

TEST_F(ChartTest, BadValuesAreRefusedByTheSchemaWithAClearMessage) {
  struct Bad {
    std::vector<std::string> set;
    std::vector<std::string> expected;  // in helm's error
  };
  const std::vector<Bad> cases = {
      {{"--set", "replicaCount=-1"}, {"at '/replicaCount'", "minimum: got -1, want 0"}},
      {{"--set", "image.tag=5"}, {"at '/image/tag'", "got number, want string"}},
      {{"--set", "image.repository="}, {"at '/image/repository'", "minLength"}},
      {{"--set", "image.pullPolicy=Sometimes"},
       {"at '/image/pullPolicy'", "'Always', 'IfNotPresent', 'Never'"}},
      {{"--set", "workers=65"}, {"at '/workers'", "maximum: got 65, want 64"}},
      {{"--set", "kubeApiBurst=0"}, {"at '/kubeApiBurst'", "minimum: got 0, want 1"}},
      {{"--set", "metricsPort=70000"}, {"at '/metricsPort'", "maximum"}},
      {{"--set", "resources.requests.memory=lots"},
       {"at '/resources/requests/memory'", "'lots' does not match pattern"}},
      {{"--set", "replicas=2"}, {"additional properties 'replicas' not allowed"}},
      // Checked by the templates: what the schema cannot say.
      {{"--set", "replicaCount=2", "--set", "leaderElection.enabled=false"},
       {"replicaCount: expected 1 (or 0) with leaderElection.enabled=false, found 2"}},
      {{"--set", "serviceAccount.create=false"},
       {"serviceAccount.name: expected the name of an existing ServiceAccount"}},
      {{"--set", "runner.healthPort=0"}, {"at '/runner/healthPort'", "minimum: got 0, want 1"}},
      {{"--set", "runner.image.repository="}, {"at '/runner/image/repository'", "minLength"}},
      {{"--set", "runner.replicaCount=2", "--set", "leaderElection.enabled=false"},
       {"runner.replicaCount: expected 1 (or 0) with leaderElection.enabled=false, found 2"}},
      {{"--set", "runner.serviceAccount.create=false"},
       {"runner.serviceAccount.name: expected the name of an existing ServiceAccount"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.set.back());
    std::vector<std::string> args = {"template", kRelease, chartDir()};
    args.insert(args.end(), c.set.begin(), c.set.end());
    auto r = helm(args);
    EXPECT_NE(r.exitCode, 0) << r.output;
    EXPECT_EQ(r.output.find("kind: Deployment"), std::string::npos) << "rendered anyway";
    for (const auto& e : c.expected) EXPECT_NE(r.output.find(e), std::string::npos) << r.output;
  }
  // The remedy the schema names works: a numeric tag passed as a string.
  auto r = helm({"template", kRelease, chartDir(), "--set-string", "image.tag=5"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("image: \"ghcr.io/certchaos/certchaos-issuer:5\""), std::string::npos)
      << r.output;
}

bool exists(const std::string& key, const std::string& ns, std::string* output) {
  std::vector<std::string> args = {"get", key, "--ignore-not-found", "-o", "name"};
  if (!ns.empty()) args.insert(args.end(), {"-n", ns});
  auto r = kubectlOnPlane(args);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  *output = r.output;
  return !r.output.empty();
}

bool namespaced(const std::string& key) {
  for (const char* kind : {"ServiceAccount/", "Deployment/", "Service/", "Role/", "RoleBinding/"}) {
    if (key.rfind(kind, 0) == 0) return true;
  }
  return false;
}

// helm install then helm uninstall on the plane (no node: the Deployment is created but no pod
// runs, which is all the install can show here). Every object the release made is gone after the
// uninstall, and so is the release's own record. The CRDs stay: helm installs crds/ but never
// upgrades or deletes them (deleting a CRD deletes every issuer of every user), so the test
// asserts they are still there and deletes them itself.
TEST_F(ChartTest, InstallThenUninstallLeavesNoObjectOfTheRelease) {
  for (const auto& crd : kOurCrds) {
    std::string out;
    ASSERT_FALSE(exists("crd/" + crd, "", &out)) << "the plane already has " << out;
  }
  const std::string ns = newNamespace("chart-install", {});

  // Bad values are refused before any object of the templates is made, and no release is
  // recorded. But helm v4.3 installs crds/ before it checks the values against the schema
  // (pkg/action/install.go): the CRDs are there after a refused install. (If this fails, helm
  // changed that order: update this test and the chart's README.) They are deleted again so that
  // the install below is the one that makes them.
  auto r = helm({"install", kRelease, chartDir(), "-n", ns, "--set", "replicaCount=-1"});
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("at '/replicaCount'"), std::string::npos) << r.output;
  for (const auto& key : expectedObjects()) {
    std::string out;
    EXPECT_FALSE(exists(key, namespaced(key) ? ns : "", &out)) << "a refused install made " << out;
  }
  r = helm({"status", kRelease, "-n", ns});
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("not found"), std::string::npos) << r.output;
  for (const auto& crd : kOurCrds) {
    std::string out;
    EXPECT_TRUE(exists("crd/" + crd, "", &out)) << "helm no longer installs crds/ first";
    auto del = kubectlOnPlane(
        {"delete", "crd", crd, "--ignore-not-found", "--wait=true", "--timeout=60s"});
    EXPECT_EQ(del.exitCode, 0) << del.output;
  }

  r = helm({"install", kRelease, chartDir(), "-n", ns, "--set",
            "image.repository=localhost/certchaos/certchaos-issuer", "--set-string",
            "image.tag=test", "--set", "image.pullPolicy=Never"});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("STATUS: deployed"), std::string::npos) << r.output;

  // What the release made: its manifest lists exactly the chart's objects, and each exists.
  r = helm({"get", "manifest", kRelease, "-n", ns});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  std::set<std::string> made;
  for (const auto& d : documents(r.output)) made.insert(kindName(d));
  EXPECT_EQ(made, expectedObjects());
  for (const auto& key : made) {
    std::string out;
    EXPECT_TRUE(exists(key, namespaced(key) ? ns : "", &out)) << key << " was not created";
  }
  for (const auto& crd : kOurCrds) {
    auto established =
        kubectlOnPlane({"wait", "--for=condition=Established", "--timeout=30s", "crd/" + crd});
    EXPECT_EQ(established.exitCode, 0) << established.output;
  }
  r = kubectlOnPlane({"get", "deployment", kRelease, "-n", ns, "-o",
                      "jsonpath={.spec.template.spec.containers[0].image} "
                      "{.spec.template.spec.containers[0].imagePullPolicy}"});
  EXPECT_EQ(r.output, "localhost/certchaos/certchaos-issuer:test Never") << r.output;
  std::string record;
  EXPECT_TRUE(exists("secret/sh.helm.release.v1.certchaos-issuer.v1", ns, &record));

  r = helm({"uninstall", kRelease, "-n", ns, "--wait", "--timeout", "60s"});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  for (const auto& key : made) {
    std::string out;
    EXPECT_FALSE(exists(key, namespaced(key) ? ns : "", &out)) << key << " is left: " << out;
  }
  EXPECT_FALSE(exists("secret/sh.helm.release.v1.certchaos-issuer.v1", ns, &record))
      << "the release's record is left";
  r = helm({"status", kRelease, "-n", ns});
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("not found"), std::string::npos) << "helm still knows the release:\n"
                                                           << r.output;
  // Nothing labelled as the release's, of any kind the chart makes, anywhere.
  r = kubectlOnPlane({"get",
                      "deployments,services,serviceaccounts,roles,rolebindings,clusterroles,"
                      "clusterrolebindings,validatingadmissionpolicies,"
                      "validatingadmissionpolicybindings,secrets,configmaps",
                      "-A", "-l", "app.kubernetes.io/instance=certchaos-issuer", "-o", "name"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output, "") << "left behind:\n" << r.output;

  for (const auto& crd : kOurCrds) {
    std::string out;
    EXPECT_TRUE(exists("crd/" + crd, "", &out)) << crd << ": helm is not expected to delete CRDs";
    auto del = kubectlOnPlane({"delete", "crd", crd, "--wait=true", "--timeout=60s"});
    EXPECT_EQ(del.exitCode, 0) << del.output;
  }
}

}  // namespace
}  // namespace certchaos::testing
