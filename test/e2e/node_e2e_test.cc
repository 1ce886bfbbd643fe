// `certchaos up --node` end to end (issue 9): a real kubelet, containerd and kube-proxy on a
// bridge the plane creates; certchaos-issuer, the runner and the demo app as pods from the images
// `make images` builds; the seed scenario through a ChaosRun that the runner pod executes; a node
// component that dies; a pod whose image is missing; `down` leaving nothing of the node on the
// machine; and `up --node` refused where containers cannot run.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "certchaos/localcluster/local_cluster.h"
#include "plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string imagesDir() {
  const char* v = std::getenv("CERTCHAOS_IMAGES_DIR");
  return v != nullptr && *v != '\0' ? v : binDir() + "/../images";
}

// What the machine has that a node could leave behind: network devices, iptables rules (without
// counters), mount points, top-level cgroups.
struct MachineSnapshot {
  std::set<std::string> links, rules, mounts, cgroups;
};

std::set<std::string> lines(const std::string& text, bool (*keep)(const std::string&)) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (keep(line)) out.insert(line);
  }
  return out;
}

MachineSnapshot snapshot() {
  MachineSnapshot s;
  for (const auto& e : fs::directory_iterator("/sys/class/net")) {
    s.links.insert(e.path().filename());
  }
  for (const char* tool : {"iptables-save", "ip6tables-save"}) {
    auto saved = run({localcluster::programOnPath(tool)});
    EXPECT_EQ(saved.exitCode, 0) << saved.output;
    auto rules = lines(saved.output, [](const std::string& l) {
      // A built-in chain at its default policy is a table that exists, not something in it:
      // the kernel makes the table on its first use (on a new machine, the node's) and keeps it;
      // a rule, a chain of ours or a changed policy is what a node could leave behind.
      static const std::regex kEmptyBuiltIn(
          R"(:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) ACCEPT( \[.*\])?)");
      if (std::regex_match(l, kEmptyBuiltIn)) return false;
      return l.rfind("-A ", 0) == 0 || l.rfind(':', 0) == 0;
    });
    for (const auto& r : rules) {
      // ":CHAIN POLICY [packets:bytes]": the counters change, the chain does not.
      s.rules.insert(std::string(tool) + " " + r.substr(0, r.find(" [")));
    }
  }
  std::istringstream mountinfo(readFile("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    f >> id >> parent >> dev >> root >> point;
    s.mounts.insert(point);
  }
  for (const auto& h : fs::directory_iterator("/sys/fs/cgroup")) {
    if (h.is_symlink() || !h.is_directory()) continue;
    for (const auto& g : fs::directory_iterator(h.path())) {
      if (g.is_directory()) s.cgroups.insert(g.path().string());
    }
  }
  return s;
}

std::vector<std::string> added(const std::set<std::string>& before,
                               const std::set<std::string>& after) {
  std::vector<std::string> out;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(out));
  return out;
}

json kubectlJson(const std::string& state, const std::vector<std::string>& args) {
  auto argv = args;
  argv.insert(argv.end(), {"-o", "json"});
  auto r = kubectl(state, argv);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  try {
    return json::parse(r.output);
  } catch (const json::exception&) {
    ADD_FAILURE() << "kubectl " << args.front() << ": not JSON: " << r.output;
    return json::object();
  }
}

std::optional<localcluster::ComponentStatus> componentStatus(const std::string& state,
                                                             const std::string& name) {
  auto status = localcluster::LocalCluster(state).status();
  if (!status) return std::nullopt;
  for (const auto& c : *status) {
    if (c.name == name) return c;
  }
  return std::nullopt;
}

// Stops the node plane whatever the test's outcome: a node left up would keep its iptables
// chains, and no other node plane could start on this machine.
class DownAtEnd {
 public:
  explicit DownAtEnd(std::string state) : state_(std::move(state)) {}
  ~DownAtEnd() {
    if (std::filesystem::exists(state_)) (void)certchaos(state_, {"down"});
  }
  DownAtEnd(const DownAtEnd&) = delete;
  DownAtEnd& operator=(const DownAtEnd&) = delete;

 private:
  std::string state_;
};

TEST(NodePlane, SeedScenarioRunsWithEverythingInPodsAndDownLeavesNothing) {
  ASSERT_TRUE(fs::exists(imagesDir() + "/certchaos-issuer.tar"))
      << "expected the images of 'make images' in " << imagesDir();
  const MachineSnapshot before = snapshot();
  TempDir dir;
  const std::string state = dir.path() + "/state";
  DownAtEnd downAtEnd(state);
  const auto start = std::chrono::steady_clock::now();
  auto up = certchaos(state, {"up", "--node", "--images-dir", imagesDir()});
  ASSERT_EQ(up.exitCode, 0) << up.output;
  std::cout << "[ figure ] up --node: "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
            << " s\n";

  // Each node component runs and is healthy; the node is Ready.
  for (const char* name :
       {"containerd", "kubelet", "kube-proxy", "kube-scheduler", "kube-controller-manager"}) {
    auto c = componentStatus(state, name);
    ASSERT_TRUE(c.has_value()) << name;
    EXPECT_TRUE(c->running && c->healthy) << name;
  }
  json node = kubectlJson(state, {"get", "node", "certchaos-node"});
  bool ready = false;
  for (const auto& c : node["status"]["conditions"]) {
    ready = ready || (c["type"] == "Ready" && c["status"] == "True");
  }
  EXPECT_TRUE(ready) << node["status"].dump();

  // The issuer runs as a pod from the local image, as non-root, and answers /readyz on the node.
  json pods = kubectlJson(state, {"get", "pods", "-n", "certchaos-system", "-l",
                                  "app.kubernetes.io/name=certchaos-issuer"});
  ASSERT_EQ(pods["items"].size(), 1u) << pods.dump();
  const json issuerPod = pods["items"][0];
  EXPECT_EQ(issuerPod["spec"]["nodeName"], "certchaos-node");
  const std::string podIp = issuerPod["status"].value("podIP", "");
  ASSERT_FALSE(podIp.empty());
  auto readyz = run({localcluster::programOnPath("curl"), "-sS", "-o", "/dev/null", "-w",
                     "%{http_code}", "http://" + podIp + ":9402/readyz"});
  EXPECT_EQ(readyz.output, "200") << readyz.output;
  bool sawIssuerProcess = false;
  for (int pid : processesMentioning("/usr/local/bin/certchaos-issuer")) {
    const std::string status = readFile("/proc/" + std::to_string(pid) + "/status");
    const auto uid = status.find("\nUid:");
    ASSERT_NE(uid, std::string::npos);
    std::istringstream fields(status.substr(uid + 5));
    int real = -1, effective = -1;
    fields >> real >> effective;
    EXPECT_EQ(real, 65532) << "the issuer container runs as non-root";
    EXPECT_EQ(effective, 65532);
    sawIssuerProcess = true;
  }
  EXPECT_TRUE(sawIssuerProcess) << "the issuer's container process on this machine";

  // The seed scenario: base issuer, Certificate and app (a pod), then scenario 3 through a
  // ChaosRun that the runner pod executes; the report read back from the cluster.
  const std::string runs = dir.path() + "/runs";
  const auto demoStart = std::chrono::steady_clock::now();
  auto demo = certchaos(state, {"--runs-dir", runs, "demo", "--time-scale", "60"});
  ASSERT_EQ(demo.exitCode, 0) << demo.output;
  std::cout << "[ figure ] the seed scenario (certchaos demo) on the node plane: "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - demoStart).count()
            << " s\n";
  EXPECT_NE(demo.output.find("(pod demo-app-"), std::string::npos) << demo.output;
  auto shown = certchaos(state, {"-n", "certchaos-demo", "report", "show", "3", "-o", "json"});
  ASSERT_EQ(shown.exitCode, 0) << shown.output;
  // stdout's JSON after stderr's note on where the run came from.
  const json report = json::parse(shown.output.substr(shown.output.find("{\n")));
  EXPECT_EQ(report["verdict"]["result"], "failed") << report["verdict"].dump();
  std::string expired, recovered;
  for (const auto& link : report["chain"]) {
    if (link["step"] == "certificate-expired") expired = link.value("at", "");
    if (link["step"] == "recovered") recovered = link.value("at", "");
  }
  ASSERT_FALSE(expired.empty()) << report["chain"].dump();
  ASSERT_FALSE(recovered.empty()) << "recovery seen: " << report["chain"].dump();
  EXPECT_LT(expired, recovered) << "expiry before recovery";
  // The app was probed at its pod's address.
  EXPECT_NE(report.dump().find("https://10.244."), std::string::npos);
  // The issuer's, cert-manager's and the app's logs came through pods/log, each read.
  std::map<std::string, json> logs;
  for (const auto& source : report["artifacts"].value("logSources", json::array())) {
    logs[source.value("component", "")] = source;
  }
  for (const char* component : {"issuer", "cert-manager", "app"}) {
    ASSERT_EQ(logs.count(component), 1u) << component << ": " << report["artifacts"].dump();
    const json& source = logs[component];
    EXPECT_EQ(source.value("origin", ""), "pods/log") << source.dump();
    EXPECT_FALSE(source.contains("error")) << source.dump();
    EXPECT_FALSE(source.value("path", "").empty()) << source.dump();
  }
  EXPECT_EQ(logs["issuer"].value("from", "").rfind("certchaos-system/certchaos-issuer-", 0), 0u)
      << logs["issuer"].dump();
  EXPECT_EQ(logs["cert-manager"].value("from", "").rfind("cert-manager/", 0), 0u)
      << logs["cert-manager"].dump();
  EXPECT_EQ(logs["app"].value("from", "").rfind("certchaos-demo/demo-app-", 0), 0u)
      << logs["app"].dump();
  // pod_logs_integration_test's kubelet case, which its own plane (no node) skips, on this node:
  // a container's line with a secret in it comes back through pods/log, redacted.
  const auto podLogsTest =
      std::filesystem::read_symlink("/proc/self/exe").parent_path() / "pod_logs_integration_test";
  auto podLogs = run(
      {"/usr/bin/env", "CERTCHAOS_NODE_KUBECONFIG=" + state + "/kubeconfig", podLogsTest.string(),
       "--gtest_filter=PodLogsTest.AContainersLogComesThroughPodsLogFromTheKubelet"});
  EXPECT_EQ(podLogs.exitCode, 0) << podLogs.output;
  EXPECT_NE(podLogs.output.find("[  PASSED  ] 1 test."), std::string::npos) << podLogs.output;
  EXPECT_EQ(podLogs.output.find("SKIPPED"), std::string::npos) << podLogs.output;

  // The issuer pod never restarted.
  pods = kubectlJson(state, {"get", "pods", "-n", "certchaos-system", "-l",
                             "app.kubernetes.io/name=certchaos-issuer"});
  ASSERT_EQ(pods["items"].size(), 1u);
  EXPECT_EQ(pods["items"][0]["metadata"]["name"], issuerPod["metadata"]["name"]);
  EXPECT_EQ(pods["items"][0]["status"]["containerStatuses"][0]["restartCount"], 0);

  // A pod whose image the node lacks: deploy app says so at once, naming the image.
  auto missing =
      certchaos(state, {"-n", "certchaos-demo", "deploy", "app", "--secret", "demo-tls", "--name",
                        "no-image", "--image", "ghcr.io/certchaos/not-built:0.0.0"});
  EXPECT_NE(missing.exitCode, 0);
  EXPECT_NE(missing.output.find("ErrImageNeverPull"), std::string::npos) << missing.output;
  EXPECT_NE(missing.output.find("ghcr.io/certchaos/not-built:0.0.0"), std::string::npos);

  // helm uninstall leaves no object of the release, and its pods leave the node.
  auto uninstall = run({controlplaneDir() + "/bin/helm", "uninstall", "certchaos-issuer", "-n",
                        "certchaos-system", "--kubeconfig", state + "/kubeconfig", "--wait",
                        "--timeout", "120s"});
  ASSERT_EQ(uninstall.exitCode, 0) << uninstall.output;
  // The garbage collector removes the ReplicaSets' pods after the Deployments; the kubelet then
  // stops their containers.
  for (int i = 0; i < 240; ++i) {
    const json pods = kubectlJson(state, {"get", "pods", "-n", "certchaos-system", "-l",
                                          "app.kubernetes.io/instance=certchaos-issuer"});
    if (pods["items"].empty() && processesMentioning("/usr/local/bin/certchaos-issuer").empty()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const json left = kubectlJson(
      state, {"get",
              "deployments,replicasets,pods,services,serviceaccounts,roles,rolebindings,"
              "clusterroles,clusterrolebindings,configmaps,secrets",
              "-A", "-l", "app.kubernetes.io/instance=certchaos-issuer"});
  EXPECT_TRUE(left["items"].empty()) << left.dump(1).substr(0, 3000);
  EXPECT_TRUE(processesMentioning("/usr/local/bin/certchaos-issuer").empty())
      << "the issuer's container stopped on the node";

  // A node component that dies shows in status; down still removes everything.
  auto plane = localcluster::LocalCluster(state).loadState();
  ASSERT_TRUE(plane) << plane.error().message;
  ASSERT_TRUE(plane->node.has_value());
  for (const auto& c : plane->components) {
    if (c.name == "kubelet") localcluster::stopProcess(c.process, std::chrono::milliseconds(0));
  }
  auto status = certchaos(state, {"status"});
  EXPECT_NE(status.exitCode, 0) << status.output;
  auto kubelet = componentStatus(state, "kubelet");
  ASSERT_TRUE(kubelet.has_value());
  EXPECT_FALSE(kubelet->running);

  auto down = certchaos(state, {"down"});
  ASSERT_EQ(down.exitCode, 0) << down.output;
  EXPECT_TRUE(processesMentioning(state).empty());
  const MachineSnapshot after = snapshot();
  EXPECT_EQ(added(before.links, after.links), std::vector<std::string>{}) << "network devices";
  EXPECT_EQ(added(before.rules, after.rules), std::vector<std::string>{}) << "iptables rules";
  EXPECT_EQ(added(before.mounts, after.mounts), std::vector<std::string>{}) << "mounts";
  EXPECT_EQ(added(before.cgroups, after.cgroups), std::vector<std::string>{}) << "cgroups";
  EXPECT_FALSE(fs::exists(state));
}

TEST(NodePlane, RefusedWhereContainersCannotRunNamingWhatIsMissing) {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  // Without CAP_SYS_ADMIN no network namespace can be made (as in a container that lacks it).
  auto refused = run({localcluster::programOnPath("setpriv"), "--bounding-set=-sys_admin",
                      "--inh-caps=-sys_admin", binDir() + "/certchaos", "--state-dir", state, "up",
                      "--node", "--images-dir", imagesDir()});
  EXPECT_NE(refused.exitCode, 0) << refused.output;
  EXPECT_NE(refused.output.find("network namespaces"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("CAP_SYS_ADMIN"), std::string::npos) << refused.output;
  EXPECT_TRUE(processesMentioning(state).empty()) << "nothing was started";
  EXPECT_FALSE(fs::exists(state + "/state.json"));

  // Images missing: named, with the command that builds them.
  TempDir noImages;
  auto noImage = certchaos(state, {"up", "--node", "--images-dir", noImages.path()});
  EXPECT_NE(noImage.exitCode, 0);
  EXPECT_NE(noImage.output.find(noImages.path() + "/certchaos-issuer.tar"), std::string::npos)
      << noImage.output;
  EXPECT_NE(noImage.output.find("make images"), std::string::npos);
  EXPECT_TRUE(processesMentioning(state).empty());
}

}  // namespace
}  // namespace certchaos::testing
