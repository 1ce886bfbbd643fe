// The local control plane, end to end: certchaos up, a real cert-manager CA chain, certchaos down,
// and the start-up failures a user can run into.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "certchaos/localcluster/net.h"
#include "plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;

constexpr const char* kCaChain = R"(apiVersion: v1
kind: Namespace
metadata:
  name: plane-test
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: selfsigned
  namespace: plane-test
spec:
  selfSigned: {}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: root-ca
  namespace: plane-test
spec:
  isCA: true
  commonName: plane-test-root
  secretName: root-ca
  privateKey: {algorithm: ECDSA, size: 256}
  issuerRef: {name: selfsigned, kind: Issuer, group: cert-manager.io}
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: ca
  namespace: plane-test
spec:
  ca: {secretName: root-ca}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: leaf
  namespace: plane-test
spec:
  secretName: leaf-tls
  dnsNames: [app.plane-test.svc]
  issuerRef: {name: ca, kind: Issuer, group: cert-manager.io}
)";

std::string secretKey(const std::string& stateDir, const std::string& secret,
                      const std::string& key) {
  auto out = kubectl(stateDir, {"-n", "plane-test", "get", "secret", secret, "-o", "json"});
  EXPECT_EQ(out.exitCode, 0) << out.output;
  auto data = json::parse(out.output).at("data");
  auto encoded = data.value(key, std::string());
  std::string file = stateDir + "/" + secret + "-" + key;
  writeFile(file + ".b64", encoded);
  auto dec = run({"/usr/bin/openssl", "base64", "-d", "-A", "-in", file + ".b64", "-out", file});
  EXPECT_EQ(dec.exitCode, 0) << dec.output;
  return file;
}

json readState(const std::string& stateDir) {
  return json::parse(readFile(stateDir + "/state.json"));
}

TEST(LocalClusterTest, IssuesCaSignedCertificateAndStopsCleanly) {
  TempDir tmp;
  const std::string state = tmp.path() + "/state";
  auto up = certchaos(state, {"up"});
  ASSERT_EQ(up.exitCode, 0) << up.output;
  EXPECT_NE(up.output.find("export KUBECONFIG=" + state + "/kubeconfig"), std::string::npos)
      << up.output;

  auto status = certchaos(state, {"status"});
  EXPECT_EQ(status.exitCode, 0) << status.output;
  for (const char* c :
       {"etcd", "kube-apiserver", "cm-controller", "certchaos-issuer", "certchaos-runner"}) {
    EXPECT_NE(status.output.find(c), std::string::npos) << status.output;
  }

  auto again = certchaos(state, {"up"});
  EXPECT_EQ(again.exitCode, 0) << again.output;
  EXPECT_NE(again.output.find("already running"), std::string::npos) << again.output;

  auto apply = kubectl(state, {"apply"}, kCaChain);
  ASSERT_EQ(apply.exitCode, 0) << apply.output;
  // kubectl wait watches the Certificate; no polling here.
  auto wait = kubectl(state, {"-n", "plane-test", "wait", "--for=condition=Ready", "--timeout=60s",
                              "certificate/leaf"});
  ASSERT_EQ(wait.exitCode, 0)
      << wait.output << kubectl(state, {"-n", "plane-test", "describe", "certificate"}).output;

  std::string crt = secretKey(state, "leaf-tls", "tls.crt");
  std::string ca = secretKey(state, "leaf-tls", "ca.crt");
  auto verify = run({"/usr/bin/openssl", "verify", "-CAfile", ca, crt});
  EXPECT_EQ(verify.exitCode, 0) << verify.output;
  EXPECT_NE(verify.output.find(": OK"), std::string::npos) << verify.output;

  json st = readState(state);
  std::vector<int> pids;
  std::vector<int> ports;
  for (const auto& c : st.at("components")) pids.push_back(c.at("pid"));
  for (const auto& c : st.at("components")) {
    std::string url = c.at("url");
    auto colon = url.rfind(':');
    if (colon != std::string::npos) ports.push_back(std::stoi(url.substr(colon + 1)));
  }
  // etcd, kube-apiserver, cm-controller, certchaos-issuer, certchaos-runner.
  ASSERT_EQ(pids.size(), 5u);

  auto down = certchaos(state, {"down"});
  EXPECT_EQ(down.exitCode, 0) << down.output;
  EXPECT_TRUE(processesMentioning(state).empty());
  for (int port : ports) EXPECT_FALSE(localcluster::isListening(port)) << "port " << port;
  EXPECT_FALSE(std::filesystem::exists(state));
}

// What a crash leaves behind: the objects `up` must keep when it restarts a stopped component.
constexpr const char* kKeptObjects = R"(apiVersion: v1
kind: Namespace
metadata:
  name: kept
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: kept
data:
  answer: "42"
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: selfsigned
  namespace: kept
spec:
  selfSigned: {}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: kept-ca
  namespace: kept
spec:
  isCA: true
  commonName: kept-ca
  secretName: kept-ca
  privateKey: {algorithm: ECDSA, size: 256}
  issuerRef: {name: selfsigned, kind: Issuer, group: cert-manager.io}
)";

int componentPid(const std::string& stateDir, const std::string& name) {
  const json state = readState(stateDir);
  for (const auto& c : state.at("components")) {
    if (c.at("name") == name) return c.at("pid").get<int>();
  }
  return 0;
}

// SIGKILL, as a crash, and return once the process has exited: a pidfd becomes readable then,
// so no polling of /proc.
void killAndAwaitExit(int pid) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  ASSERT_GE(fd, 0) << "pidfd_open(" << pid << "): " << std::strerror(errno);
  ASSERT_EQ(kill(pid, SIGKILL), 0) << std::strerror(errno);
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 30000), 1) << "pid " << pid << " still runs 30 s after SIGKILL";
  close(fd);
}

// uid of each kept object: a restart keeps them, a wipe and re-creation would change them.
std::map<std::string, std::string> keptObjectUids(const std::string& stateDir) {
  std::map<std::string, std::string> uids;
  for (const char* object : {"namespace/kept", "configmap/settings", "certificate/kept-ca",
                             "secret/kept-ca", "issuer/selfsigned"}) {
    auto get = kubectl(stateDir, {"-n", "kept", "get", object, "-o", "jsonpath={.metadata.uid}"});
    EXPECT_EQ(get.exitCode, 0) << object << ": " << get.output;
    uids[object] = get.exitCode == 0 ? get.output : "";
  }
  return uids;
}

// One plane for the restart and validation tests (a plane start is the slow part); each test
// leaves it running and healthy.
class SharedPlaneTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    state_ = tmp_->path() + "/state";
    auto up = certchaos(state_, {"up"});
    ASSERT_EQ(up.exitCode, 0) << up.output;
    auto apply = kubectl(state_, {"apply"}, kKeptObjects);
    ASSERT_EQ(apply.exitCode, 0) << apply.output;
    auto wait = kubectl(state_, {"-n", "kept", "wait", "--for=condition=Ready", "--timeout=60s",
                                 "certificate/kept-ca"});
    ASSERT_EQ(wait.exitCode, 0) << wait.output;
    uids_ = keptObjectUids(state_);
  }
  static void TearDownTestSuite() {
    auto down = certchaos(state_, {"down"});
    EXPECT_EQ(down.exitCode, 0) << down.output;
    EXPECT_TRUE(processesMentioning(state_).empty());
    delete tmp_;
  }

  // Kills the components, runs `up`, and checks what a user relies on afterwards.
  static void killAndUp(const std::vector<std::string>& components) {
    std::map<std::string, int> old;
    for (const auto& c : components) {
      old[c] = componentPid(state_, c);
      ASSERT_GT(old[c], 0) << c << " is not in " << state_ << "/state.json";
      killAndAwaitExit(old[c]);
    }
    auto up = certchaos(state_, {"up"});
    ASSERT_EQ(up.exitCode, 0) << up.output;
    EXPECT_EQ(up.output.find("already running"), std::string::npos) << up.output;
    EXPECT_EQ(up.output.find("DELETING"), std::string::npos) << up.output;
    auto status = certchaos(state_, {"status"});
    EXPECT_EQ(status.exitCode, 0) << status.output;
    for (const auto& c : components) {
      EXPECT_NE(up.output.find("restarted " + c), std::string::npos) << up.output;
      int now = componentPid(state_, c);
      EXPECT_NE(now, old[c]) << c;
      // status: COMPONENT PID RUNNING HEALTHY ADDRESS, with the new pid.
      std::istringstream lines(status.output);
      std::string line;
      bool shown = false;
      while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string name, pid, running, healthy;
        fields >> name >> pid >> running >> healthy;
        if (name != c) continue;
        shown = true;
        EXPECT_EQ(pid, std::to_string(now)) << status.output;
        EXPECT_EQ(running, "yes") << status.output;
        EXPECT_EQ(healthy, "yes") << status.output;
      }
      EXPECT_TRUE(shown) << c << " missing from:\n" << status.output;
    }
    EXPECT_EQ(keptObjectUids(state_), uids_);
    auto answer = kubectl(
        state_, {"-n", "kept", "get", "configmap/settings", "-o", "jsonpath={.data.answer}"});
    EXPECT_EQ(answer.output, "42");
  }

  static TempDir* tmp_;
  static std::string state_;
  static std::map<std::string, std::string> uids_;
};

TempDir* SharedPlaneTest::tmp_ = nullptr;
std::string SharedPlaneTest::state_;
std::map<std::string, std::string> SharedPlaneTest::uids_;

TEST_F(SharedPlaneTest, KilledApiServerIsRestartedWithTheDataKept) {
  killAndUp({"kube-apiserver"});
}

TEST_F(SharedPlaneTest, KilledCmControllerIsRestartedAndIssuesAgain) {
  killAndUp({"cm-controller"});
  // The restarted controllers work: a new Certificate becomes Ready.
  auto apply = kubectl(state_, {"apply"}, R"(apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: after-restart, namespace: kept}
spec:
  secretName: after-restart
  commonName: after-restart
  issuerRef: {name: selfsigned, kind: Issuer, group: cert-manager.io}
)");
  ASSERT_EQ(apply.exitCode, 0) << apply.output;
  auto wait = kubectl(state_, {"-n", "kept", "wait", "--for=condition=Ready", "--timeout=60s",
                               "certificate/after-restart"});
  EXPECT_EQ(wait.exitCode, 0) << wait.output;
}

TEST_F(SharedPlaneTest, KilledIssuerIsRestarted) { killAndUp({"certchaos-issuer"}); }

TEST_F(SharedPlaneTest, KilledEtcdIsRestartedWithItsData) { killAndUp({"etcd"}); }

// A reboot: every process is gone; up brings them back in dependency order, data kept.
TEST_F(SharedPlaneTest, EveryComponentKilledIsRestartedInOrder) {
  killAndUp({"certchaos-issuer", "cm-controller", "kube-apiserver", "etcd"});
}

// A state up cannot restart from is refused and left as it is, never wiped.
TEST_F(SharedPlaneTest, UnusableStateIsRefusedNotWiped) {
  const int apiserver = componentPid(state_, "kube-apiserver");
  killAndAwaitExit(apiserver);
  const std::string key = state_ + "/pki/admin.key";
  std::filesystem::rename(key, key + ".away");
  auto up = certchaos(state_, {"up"});
  std::filesystem::rename(key + ".away", key);
  EXPECT_EQ(up.exitCode, 1) << up.output;
  EXPECT_NE(up.output.find("no " + key), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("certchaos --state-dir " + state_ + " up --fresh"), std::string::npos)
      << up.output;
  EXPECT_EQ(componentPid(state_, "kube-apiserver"), apiserver) << "up changed the state";
  EXPECT_TRUE(std::filesystem::exists(state_ + "/etcd/member"));
  // With the PKI back, the same plane comes back with its objects.
  auto again = certchaos(state_, {"up"});
  EXPECT_EQ(again.exitCode, 0) << again.output;
  EXPECT_NE(again.output.find("restarted kube-apiserver"), std::string::npos) << again.output;
  EXPECT_EQ(keptObjectUids(state_), uids_);
}

// The plane has no cert-manager webhook: deploy/localplane's ValidatingAdmissionPolicies refuse
// what would stall cm-controller, with a message that says what was expected and found.
TEST_F(SharedPlaneTest, MalformedCertificateRequestIsRefusedAndIssuanceGoesOn) {
  auto apply = kubectl(state_, {"apply"}, R"(apiVersion: cert-manager.io/v1
kind: CertificateRequest
metadata: {name: malformed, namespace: kept}
spec:
  duration: abc
  request: Y2VydGNoYW9z
  issuerRef: {name: selfsigned, kind: Issuer, group: cert-manager.io}
)");
  EXPECT_NE(apply.exitCode, 0) << apply.output;
  EXPECT_NE(apply.output.find("spec.duration: expected a positive Go duration such as 90s, 45m or "
                              "2h30m (units ns, us, ms, s, m, h), found 'abc'"),
            std::string::npos)
      << apply.output;
  auto get = kubectl(state_, {"-n", "kept", "get", "certificaterequest", "malformed"});
  EXPECT_NE(get.output.find("NotFound"), std::string::npos) << get.output;

  // cert-manager is not stalled: a Certificate elsewhere is issued, with a duration and a
  // renewBefore far below the webhook's minimums (1h, 5m), which time compression needs.
  auto other = kubectl(state_, {"apply"}, R"(apiVersion: v1
kind: Namespace
metadata: {name: elsewhere}
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: selfsigned, namespace: elsewhere}
spec: {selfSigned: {}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: short, namespace: elsewhere}
spec:
  secretName: short
  commonName: short
  duration: 2m
  renewBefore: 30s
  issuerRef: {name: selfsigned, kind: Issuer, group: cert-manager.io}
)");
  ASSERT_EQ(other.exitCode, 0) << other.output;
  auto wait = kubectl(state_, {"-n", "elsewhere", "wait", "--for=condition=Ready", "--timeout=60s",
                               "certificate/short"});
  EXPECT_EQ(wait.exitCode, 0)
      << wait.output << kubectl(state_, {"-n", "elsewhere", "describe", "certificate"}).output;
}

// Each field the policies check, refused with its own message (server-side dry run: admission
// runs, nothing is stored); what the webhook's minimums would refuse is accepted.
TEST_F(SharedPlaneTest, ValidationChecksEachFieldWithoutTheWebhookMinimums) {
  const std::string request = R"(apiVersion: cert-manager.io/v1
kind: CertificateRequest
metadata: {name: probe, namespace: kept}
spec:
  request: Y2VydGNoYW9z
)";
  const std::string certificate = R"(apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: probe, namespace: kept}
spec:
  commonName: probe
)";
  struct Case {
    std::string manifest;
    std::string expected;  // in the refusal; empty: accepted
  };
  const std::string ref = "  issuerRef: {name: selfsigned, kind: Issuer, group: cert-manager.io}\n";
  const std::vector<Case> cases = {
      {request + ref + "  duration: 1h30m\n", ""},
      {request + ref + "  duration: 90s\n  usages: [digital signature, server auth]\n", ""},
      {request + ref + "  duration: -5m\n", "found '-5m'"},
      {request + ref + "  duration: \"10\"\n", "found '10'"},
      {request + "  issuerRef: {name: \"\"}\n", "spec.issuerRef.name: expected the name"},
      {request + "  issuerRef: {name: x, kind: Foo, group: cert-manager.io}\n",
       "spec.issuerRef.kind: expected Issuer or ClusterIssuer for group cert-manager.io, found "
       "'Foo'"},
      {request + "  issuerRef: {name: x, kind: Foo, group: example.com}\n", ""},
      // An empty or non-base64 request: the CRD's format (byte), as with the webhook.
      {R"(apiVersion: cert-manager.io/v1
kind: CertificateRequest
metadata: {name: probe, namespace: kept}
spec:
  request: ""
)" + ref,
       "spec.request in body must be of type byte"},
      // The CRD's own enum, as with the webhook.
      {request + ref + "  usages: [bogus]\n", "Unsupported value: \"bogus\""},
      {certificate + ref + "  secretName: probe\n  duration: 30s\n  renewBefore: 10s\n", ""},
      {certificate + ref + "  secretName: probe\n  renewBeforePercentage: 50\n", ""},
      {certificate + ref + "  secretName: probe\n  duration: 1x\n", "found '1x'"},
      {certificate + ref + "  secretName: probe\n  renewBefore: soon\n",
       "spec.renewBefore: expected a positive Go duration such as 30s, 20m or 1h (units ns, us, "
       "ms, s, m, h), found 'soon'"},
      {certificate + ref + "  secretName: probe\n  duration: 1h\n  renewBefore: 2h\n",
       "spec.renewBefore: expected less than the certificate's duration (1h), found 2h"},
      {certificate + ref + "  secretName: probe\n  renewBeforePercentage: 100\n",
       "expected a percentage between 1 and 99 (of the duration, before expiry), found 100"},
      {certificate + ref + "  secretName: probe\n  renewBefore: 1h\n  renewBeforePercentage: 50\n",
       "mutually exclusive"},
      {certificate + ref + "  secretName: a/b\n", "spec.secretName: expected a Secret name"},
      // The CRD's own required fields, as with the webhook.
      {certificate + ref, "spec.secretName: Required value"},
      {certificate + "  secretName: probe\n", "spec.issuerRef: Required value"},
      {R"(apiVersion: cert-manager.io/v1
kind: CertificateRequest
metadata: {name: probe, namespace: kept}
spec:
  request: "not base64!"
)" + ref,
       "must be of type byte"},
  };
  for (const auto& c : cases) {
    auto dryRun = kubectl(state_, {"create", "--dry-run=server"}, c.manifest);
    if (c.expected.empty()) {
      EXPECT_EQ(dryRun.exitCode, 0) << c.manifest << dryRun.output;
    } else {
      EXPECT_NE(dryRun.exitCode, 0) << c.manifest << dryRun.output;
      EXPECT_NE(dryRun.output.find(c.expected), std::string::npos) << c.manifest << dryRun.output;
    }
  }
  // A stored request's spec is immutable, as with the webhook; its metadata is not.
  auto create = kubectl(state_, {"apply"}, request + "  issuerRef: {name: nobody}\n");
  ASSERT_EQ(create.exitCode, 0) << create.output;
  auto label = kubectl(state_, {"-n", "kept", "label", "certificaterequest/probe", "seen=yes"});
  EXPECT_EQ(label.exitCode, 0) << label.output;
  auto change = kubectl(state_, {"-n", "kept", "patch", "certificaterequest/probe", "--type=merge",
                                 "-p", R"({"spec":{"duration":"2h"}})"});
  EXPECT_NE(change.exitCode, 0) << change.output;
  EXPECT_NE(change.output.find("spec cannot change after creation"), std::string::npos)
      << change.output;
  EXPECT_EQ(kubectl(state_, {"-n", "kept", "delete", "certificaterequest/probe"}).exitCode, 0);
}

TEST(LocalClusterTest, StateOfAnotherVersionOrUnreadableIsRefused) {
  TempDir tmp;
  const std::string state = tmp.path() + "/state";
  std::filesystem::create_directories(state + "/etcd/member");
  // A version-1 state whose etcd has exited (pid 1's start time never matches).
  writeFile(
      state + "/state.json",
      json{{"version", 1},
           {"stateDir", state},
           {"controlplaneDir", controlplaneDir()},
           {"kubeconfig", state + "/kubeconfig"},
           {"apiserver", "https://127.0.0.1:1"},
           {"startedAt", "2026-01-01T00:00:00Z"},
           {"components",
            json::array(
                {{{"name", "etcd"}, {"pid", 1}, {"startTime", 1}, {"url", ""}, {"log", ""}}})}}
          .dump());
  auto old = certchaos(state, {"up"});
  EXPECT_EQ(old.exitCode, 1) << old.output;
  EXPECT_NE(old.output.find("format version 1"), std::string::npos) << old.output;
  EXPECT_NE(old.output.find("up --fresh"), std::string::npos) << old.output;
  EXPECT_TRUE(std::filesystem::exists(state + "/etcd/member"));

  writeFile(state + "/state.json", "{not json");
  auto bad = certchaos(state, {"up"});
  EXPECT_EQ(bad.exitCode, 1) << bad.output;
  EXPECT_NE(bad.output.find("unreadable JSON"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("up --fresh"), std::string::npos) << bad.output;

  std::filesystem::remove(state + "/state.json");
  auto lost = certchaos(state, {"up"});
  EXPECT_EQ(lost.exitCode, 1) << lost.output;
  EXPECT_NE(lost.output.find("etcd data in " + state + "/etcd but no"), std::string::npos)
      << lost.output;
  EXPECT_TRUE(std::filesystem::exists(state + "/etcd/member"));
  EXPECT_TRUE(processesMentioning(state).empty());
}

TEST(LocalClusterTest, FreshDeletesTheDataAndSaysSo) {
  TempDir tmp;
  const std::string state = tmp.path() + "/state";
  auto up = certchaos(state, {"up", "--no-issuer"});
  ASSERT_EQ(up.exitCode, 0) << up.output;
  ASSERT_EQ(kubectl(state, {"create", "namespace", "doomed"}).exitCode, 0);
  const int apiserver = componentPid(state, "kube-apiserver");

  auto fresh = certchaos(state, {"up", "--no-issuer", "--fresh"});
  EXPECT_EQ(fresh.exitCode, 0) << fresh.output;
  EXPECT_NE(fresh.output.find("DELETING its data"), std::string::npos) << fresh.output;
  EXPECT_NE(componentPid(state, "kube-apiserver"), apiserver);
  auto gone = kubectl(state, {"get", "namespace", "doomed"});
  EXPECT_NE(gone.exitCode, 0) << gone.output;
  EXPECT_NE(gone.output.find("NotFound"), std::string::npos) << gone.output;
  EXPECT_EQ(certchaos(state, {"status"}).exitCode, 0);

  EXPECT_EQ(certchaos(state, {"down"}).exitCode, 0);
  EXPECT_TRUE(processesMentioning(state).empty());
}

TEST(LocalClusterTest, ComponentThatCannotStartIsReportedAndEverythingStops) {
  TempDir tmp;
  const std::string state = tmp.path() + "/state";
  // A control plane whose kube-apiserver refuses to start; etcd is the real one.
  const std::string fake = tmp.path() + "/controlplane";
  std::filesystem::create_directories(fake + "/bin");
  std::filesystem::create_directory_symlink(controlplaneDir() + "/crds", fake + "/crds");
  for (const char* b : {"etcd", "kubectl", "cm-controller"}) {
    std::filesystem::create_symlink(controlplaneDir() + "/bin/" + b, fake + "/bin/" + b);
  }
  writeFile(fake + "/bin/kube-apiserver",
            "#!/bin/sh\necho 'E0101 run.go:72] error: unknown flag: --no-such-flag' >&2\nexit 1\n");
  std::filesystem::permissions(fake + "/bin/kube-apiserver", std::filesystem::perms::owner_all);

  auto up = certchaos(state, {"up", "--controlplane-dir=" + fake, "--component-timeout=20"});
  EXPECT_EQ(up.exitCode, 1) << up.output;
  EXPECT_NE(up.output.find("kube-apiserver failed to start"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("unknown flag: --no-such-flag"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("stopping etcd"), std::string::npos) << up.output;
  EXPECT_TRUE(processesMentioning(state).empty());
  EXPECT_FALSE(std::filesystem::exists(state + "/state.json"));
}

TEST(LocalClusterTest, MissingBinariesSayWhatToRun) {
  TempDir tmp;
  auto up = certchaos(tmp.path() + "/state", {"up", "--controlplane-dir=" + tmp.path() + "/none"});
  EXPECT_EQ(up.exitCode, 1);
  EXPECT_NE(up.output.find("make controlplane"), std::string::npos) << up.output;
}

TEST(ControlplaneBuildTest, GoTooOldOrMissingNamesTheNeededVersion) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path() + "/old");
  writeFile(tmp.path() + "/old/go",
            "#!/bin/sh\n[ \"$1 $2\" = 'env GOVERSION' ] && echo go1.20.3 && exit 0\nexit 1\n");
  std::filesystem::permissions(tmp.path() + "/old/go", std::filesystem::perms::owner_all);
  const std::string script = sourceDir() + "/controlplane/build.sh";
  auto old =
      run({"/usr/bin/env", "PATH=" + tmp.path() + "/old:/usr/bin:/bin", "/bin/bash", script});
  EXPECT_EQ(old.exitCode, 3) << old.output;
  EXPECT_NE(old.output.find("Go 1.26.0 or newer is required"), std::string::npos) << old.output;
  EXPECT_NE(old.output.find("is 1.20.3"), std::string::npos) << old.output;

  std::filesystem::create_directories(tmp.path() + "/empty");
  auto missing =
      run({"/usr/bin/env", "PATH=" + tmp.path() + "/empty:/usr/bin:/bin", "/bin/bash", script});
  if (std::filesystem::exists("/usr/bin/go")) GTEST_SKIP() << "/usr/bin/go exists";
  EXPECT_EQ(missing.exitCode, 3) << missing.output;
  EXPECT_NE(missing.output.find("'go' is not on PATH"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace certchaos::testing
