// The local control plane, end to end: certchaos up, a real cert-manager CA chain, certchaos down,
// and the start-up failures a user can run into.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

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
  for (const char* c : {"etcd", "kube-apiserver", "cm-controller", "certchaos-issuer"}) {
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
  ASSERT_EQ(pids.size(), 4u);

  auto down = certchaos(state, {"down"});
  EXPECT_EQ(down.exitCode, 0) << down.output;
  EXPECT_TRUE(processesMentioning(state).empty());
  for (int port : ports) EXPECT_FALSE(localcluster::isListening(port)) << "port " << port;
  EXPECT_FALSE(std::filesystem::exists(state));
}

TEST(LocalClusterTest, RecoversFromStateOfAKilledRun) {
  TempDir tmp;
  const std::string state = tmp.path() + "/state";
  auto up = certchaos(state, {"up"});
  ASSERT_EQ(up.exitCode, 0) << up.output;
  // Kill the API server as a crash would; the state file stays behind.
  json st = readState(state);
  for (const auto& c : st.at("components")) {
    if (c.at("name") == "kube-apiserver") kill(c.at("pid").get<int>(), SIGKILL);
  }
  auto status = certchaos(state, {"status"});
  EXPECT_NE(status.exitCode, 0) << status.output;

  auto again = certchaos(state, {"up"});
  EXPECT_EQ(again.exitCode, 0) << again.output;
  EXPECT_NE(again.output.find("not stopped with 'certchaos down'"), std::string::npos)
      << again.output;
  auto nodes = kubectl(state, {"get", "namespaces", "kube-system"});
  EXPECT_EQ(nodes.exitCode, 0) << nodes.output;

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
