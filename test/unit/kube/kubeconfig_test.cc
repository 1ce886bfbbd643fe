#include "certchaos/kube/kubeconfig.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/kube/base64.h"
#include "certchaos/kube/client_config.h"
#include "fake_clock.h"
#include "temp_dir.h"

namespace certchaos::kube {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

std::string kubeconfig(const std::string& cluster, const std::string& server,
                       const std::string& user, const std::string& userBody,
                       const std::string& context, const std::string& current,
                       const std::string& ns = "") {
  std::string out = "apiVersion: v1\nkind: Config\n";
  if (!current.empty()) out += "current-context: " + current + "\n";
  out += "clusters:\n- name: " + cluster + "\n  cluster:\n    server: " + server + "\n";
  out += "users:\n- name: " + user + "\n  user:\n" + userBody;
  out += "contexts:\n- name: " + context + "\n  context:\n    cluster: " + cluster +
         "\n    user: " + user + "\n";
  if (!ns.empty()) out += "    namespace: " + ns + "\n";
  return out;
}

TEST(Kubeconfig, ExplicitPathWithCurrentContext) {
  TempDir dir;
  auto path = dir.write("config", kubeconfig("c1", "https://one:6443", "u1", "    token: t1\n",
                                             "ctx1", "ctx1", "team-a"));
  KubeconfigLoadOptions options;
  options.explicitPath = path;
  auto config = loadClientConfig(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://one:6443");
  EXPECT_EQ(config->ns, "team-a");
  EXPECT_EQ(config->contextName, "ctx1");
  ASSERT_TRUE(config->credentials);
  auto credential = config->credentials->credential();
  ASSERT_TRUE(credential.ok());
  EXPECT_EQ(credential->bearerToken, "t1");
  EXPECT_THAT(config->credentials->describe(), ::testing::Not(HasSubstr("t1")));
}

TEST(Kubeconfig, MergesKubeconfigListFirstFileWins) {
  TempDir dir;
  auto first = dir.write(
      "a", kubeconfig("shared", "https://from-a", "ua", "    token: a\n", "ctx-a", "ctx-a"));
  auto second = dir.write("b", kubeconfig("shared", "https://from-b", "ub", "    token: b\n",
                                          "ctx-b", "ctx-b", "ns-b"));
  KubeconfigLoadOptions options;
  options.kubeconfigEnv = first + ":" + dir.path() + "/missing:" + second;
  auto merged = loadKubeconfig(options);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(merged->currentContext, "ctx-a");  // the first file to set it wins
  EXPECT_EQ(merged->clusters.at("shared").server, "https://from-a");
  EXPECT_EQ(merged->contexts.size(), 2u);
  EXPECT_EQ(merged->files.size(), 2u);  // the missing file is skipped like kubectl does

  // --context picks the second file's context; its cluster name resolves to the first file's.
  auto config = clientConfigFromKubeconfig(*merged, "ctx-b");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://from-a");
  EXPECT_EQ(config->ns, "ns-b");
  EXPECT_EQ(config->credentials->credential()->bearerToken, "b");

  // Reversed order, reversed winner.
  options.kubeconfigEnv = second + ":" + first;
  merged = loadKubeconfig(options);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->currentContext, "ctx-b");
  EXPECT_EQ(merged->clusters.at("shared").server, "https://from-b");
}

TEST(Kubeconfig, FallsBackToHomeKubeConfig) {
  TempDir dir;
  dir.write(".kube/config", kubeconfig("c", "https://home", "u", "    token: h\n", "x", "x"));
  KubeconfigLoadOptions options;
  options.homeDir = dir.path();
  auto config = loadClientConfig(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://home");
  EXPECT_EQ(config->ns, "default");
}

TEST(Kubeconfig, UnknownContextListsTheKnownOnes) {
  TempDir dir;
  auto path = dir.write("config", kubeconfig("c", "https://s", "u", "    token: t\n", "known", ""));
  KubeconfigLoadOptions options;
  options.explicitPath = path;
  auto none = loadClientConfig(options);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message, HasSubstr("current-context or --context"));
  auto wrong = loadClientConfig(options, "nope");
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.error().message, HasSubstr("\"nope\""));
  EXPECT_THAT(wrong.error().message, HasSubstr("[known]"));
}

TEST(Kubeconfig, ClientCertificateFromDataAndFromRelativeFiles) {
  TempDir dir;
  std::string certB64 = base64Encode("CERT-PEM");
  std::string keyB64 = base64Encode("KEY-PEM");
  auto data = dir.write("data", kubeconfig("c", "https://s", "u",
                                           "    client-certificate-data: " + certB64 +
                                               "\n    client-key-data: " + keyB64 + "\n",
                                           "x", "x"));
  KubeconfigLoadOptions options;
  options.explicitPath = data;
  auto config = loadClientConfig(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->tls.clientCertPem, "CERT-PEM");
  EXPECT_EQ(config->tls.clientKeyPem, "KEY-PEM");
  EXPECT_FALSE(config->credentials);

  dir.write("pki/client.crt", "FILE-CERT");
  dir.write("pki/client.key", "FILE-KEY");
  dir.write("pki/ca.crt", "FILE-CA");
  std::string yaml = kubeconfig("c", "https://s", "u",
                                "    client-certificate: pki/client.crt\n"
                                "    client-key: pki/client.key\n",
                                "x", "x");
  yaml.replace(yaml.find("    server:"), 0, "    certificate-authority: pki/ca.crt\n");
  options.explicitPath = dir.write("files", yaml);
  config = loadClientConfig(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->tls.clientCertPem, "FILE-CERT");
  EXPECT_EQ(config->tls.clientKeyPem, "FILE-KEY");
  EXPECT_EQ(config->tls.caPem, "FILE-CA");
  EXPECT_FALSE(config->tls.insecureSkipVerify);
}

TEST(Kubeconfig, InsecureOnlyWhenTheFileSaysSo) {
  TempDir dir;
  std::string yaml = kubeconfig("c", "https://s", "u", "    token: t\n", "x", "x");
  yaml.replace(yaml.find("    server:"), 0, "    insecure-skip-tls-verify: true\n");
  KubeconfigLoadOptions options;
  options.explicitPath = dir.write("config", yaml);
  auto config = loadClientConfig(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->tls.insecureSkipVerify);
}

TEST(Kubeconfig, TokenFileIsReReadAfterRotationAndInvalidate) {
  TempDir dir;
  std::string tokenPath = dir.write("token", "first\n");
  KubeconfigLoadOptions options;
  options.explicitPath =
      dir.write("config", kubeconfig("c", "https://s", "u", "    tokenFile: token\n", "x", "x"));
  auto config = loadClientConfig(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->credentials->credential()->bearerToken, "first");
  dir.write("token", "second-longer\n");  // size changes: noticed without invalidate
  EXPECT_EQ(config->credentials->credential()->bearerToken, "second-longer");
  dir.write("token", "third-sameish");  // same size: noticed after a 401 invalidates
  config->credentials->invalidate();
  EXPECT_EQ(config->credentials->credential()->bearerToken, "third-sameish");
  (void)tokenPath;
}

TEST(Kubeconfig, ExecPluginRunsWithoutShellAndIsCachedUntilExpiry) {
  TempDir dir;
  std::string counter = dir.path() + "/runs";
  // The plugin records each run and echoes its argument, env and KUBERNETES_EXEC_INFO back.
  dir.write(
      "plugin.sh",
      "#!/bin/sh\n"
      "echo run >> '" +
          counter +
          "'\n"
          "case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; *) exit 3;; esac\n"
          "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
          "\"status\":{\"token\":\"%s-%s\",\"expirationTimestamp\":\"2024-01-01T01:00:00Z\"}}' "
          "\"$1\" \"$PLUGIN_ENV\"\n",
      true);
  std::string user =
      "    exec:\n"
      "      apiVersion: client.authentication.k8s.io/v1\n"
      "      command: ./plugin.sh\n"
      "      args: [\"arg with spaces; $(not a shell)\"]\n"
      "      env:\n"
      "      - name: PLUGIN_ENV\n"
      "        value: from-env\n";
  auto kc =
      parseKubeconfig(kubeconfig("c", "https://s", "u", user, "x", "x"), dir.path() + "/config");
  ASSERT_TRUE(kc.ok()) << kc.error().message;
  ASSERT_TRUE(kc->users.at("u").exec);
  testing::FakeClock clock;  // starts at 2024-01-01T00:00:00Z
  auto provider = makeExecCredentials(*kc->users.at("u").exec, {"https://s", "", false, ""}, clock);
  auto first = provider->credential();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->bearerToken, "arg with spaces; $(not a shell)-from-env");
  ASSERT_TRUE(provider->credential().ok());  // cached: no second run
  auto runs = [&] {
    std::ifstream in(counter);
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  };
  EXPECT_EQ(runs(), 1);
  clock.advance(std::chrono::hours(1));  // past expirationTimestamp
  ASSERT_TRUE(provider->credential().ok());
  EXPECT_EQ(runs(), 2);
  provider->invalidate();  // a 401
  ASSERT_TRUE(provider->credential().ok());
  EXPECT_EQ(runs(), 3);
}

TEST(Kubeconfig, ExecPluginFailuresSayWhatHappened) {
  TempDir dir;
  dir.write("fails.sh", "#!/bin/sh\necho 'login required' >&2\nexit 4\n", true);
  dir.write("garbage.sh", "#!/bin/sh\necho not-json\n", true);
  ExecConfig exec;
  exec.apiVersion = "client.authentication.k8s.io/v1";
  exec.origin = {dir.path() + "/config", "users[0].user.exec"};
  exec.command = dir.path() + "/fails.sh";
  auto failed = makeExecCredentials(exec, {})->credential();
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.error().message, HasSubstr("exit status 0, found 4"));
  EXPECT_THAT(failed.error().message, HasSubstr("login required"));
  EXPECT_THAT(failed.error().message, HasSubstr("users[0].user.exec"));

  exec.command = dir.path() + "/garbage.sh";
  auto garbage = makeExecCredentials(exec, {})->credential();
  ASSERT_FALSE(garbage.ok());
  EXPECT_THAT(garbage.error().message, HasSubstr("expected a JSON ExecCredential"));

  exec.command = dir.path() + "/does-not-exist";
  exec.installHint = "install the thing";
  auto missing = makeExecCredentials(exec, {})->credential();
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("install the thing"));
}

// A reply with a field of the wrong JSON type threw nlohmann::json::type_error out of credential(),
// which ended the issuer (regression inputs in test/fuzz/corpus/exec_credential).
TEST(Kubeconfig, ExecPluginRepliesOfTheWrongTypesAreErrors) {
  TempDir dir;
  dir.write("number.sh",
            "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
            "\"kind\":\"ExecCredential\",\"status\":{\"token\":5}}'\n",
            true);
  ExecConfig exec;
  exec.apiVersion = "client.authentication.k8s.io/v1";
  exec.origin = {dir.path() + "/config", "users[0].user.exec"};
  exec.command = dir.path() + "/number.sh";
  auto reply = makeExecCredentials(exec, {})->credential();
  ASSERT_FALSE(reply.ok());
  EXPECT_THAT(reply.error().message, HasSubstr("expected status.token to be a string"));
  EXPECT_THAT(reply.error().message, HasSubstr("users[0].user.exec"));

  for (const char* text : {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":1})",
                           R"({"apiVersion":["v1"],"kind":"ExecCredential"})",
                           R"({"apiVersion":"client.authentication.k8s.io/v1",)"
                           R"("kind":"ExecCredential","status":{"token":"t",)"
                           R"("expirationTimestamp":{}}})"}) {
    auto parsed = parseExecCredentialReply(text, "client.authentication.k8s.io/v1");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_THAT(parsed.error().message, HasSubstr("to be a string")) << text;
  }
  // Found by the exec_credential fuzz target: an expiry past 2262 overflowed the clock. Such a
  // credential is kept until the server answers 401.
  auto far = parseExecCredentialReply(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",)"
      R"("status":{"token":"abc","expirationTimestamp":"8001-12-03T08:00:00Z"}})",
      "client.authentication.k8s.io/v1");
  ASSERT_TRUE(far.ok()) << far.error().message;
  EXPECT_EQ(far->credential.bearerToken, "abc");
  EXPECT_FALSE(far->expiry.has_value());
}

struct BrokenCase {
  std::string yaml;
  std::string field;
};

TEST(Kubeconfig, BrokenFilesNameTheFileAndTheField) {
  TempDir dir;
  std::vector<BrokenCase> cases = {
      {"clusters: {}\n", "clusters: expected a list"},
      {"clusters:\n- cluster: {server: x}\n", "clusters[0].name"},
      {"users:\n- name: u\n  user:\n    client-certificate-data: '%%%notbase64'\n",
       "users[0].user.client-certificate-data"},
      {"clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: perhaps\n",
       "clusters[0].cluster.insecure-skip-tls-verify"},
      {"users:\n- name: u\n  user:\n    exec:\n      command: x\n      apiVersion: v9\n",
       "users[0].user.exec.apiVersion"},
      {"users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n",
       "users[0].user.exec.command"},
      {"contexts:\n- name: x\n  context:\n    namespace: [a, b]\n",
       "contexts[0].context.namespace"},
      {"clusters: [\n", "expected valid YAML"},
      // Not UTF-8 (an input of the issuer_file fuzz target).
      {", \xd3\xdf\x9e\xf5\xd2\xdf\x9d\xf9",
       "expected UTF-8 text, found an invalid byte at offset 2"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::string path = dir.write("broken" + std::to_string(i), cases[i].yaml);
    auto parsed = parseKubeconfigFile(path);
    ASSERT_FALSE(parsed.ok()) << cases[i].yaml;
    EXPECT_THAT(parsed.error().message, HasSubstr(path)) << cases[i].yaml;
    EXPECT_THAT(parsed.error().message, HasSubstr(cases[i].field)) << cases[i].yaml;
    EXPECT_EQ(parsed.error().code, "BadConfig");
  }
}

TEST(Kubeconfig, MissingReferencedFilesNameTheField) {
  TempDir dir;
  KubeconfigLoadOptions options;
  options.explicitPath = dir.write("config", kubeconfig("c", "https://s", "u",
                                                        "    client-certificate: nope.crt\n"
                                                        "    client-key: nope.key\n",
                                                        "x", "x"));
  auto config = loadClientConfig(options);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr(options.explicitPath));
  EXPECT_THAT(config.error().message, HasSubstr("users[0].user.client-certificate"));

  options.explicitPath =
      dir.write("missing-ctx-user",
                kubeconfig("c", "https://s", "u", "    token: t\n", "x", "x").replace(0, 0, ""));
  std::string noUser =
      "current-context: x\nclusters:\n- name: c\n  cluster: {server: https://s}\n"
      "contexts:\n- name: x\n  context: {cluster: c, user: ghost}\n";
  options.explicitPath = dir.write("ghost", noUser);
  config = loadClientConfig(options);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("contexts[0].context.user"));
  EXPECT_THAT(config.error().message, HasSubstr("\"ghost\""));

  options.explicitPath = dir.path() + "/absent";
  config = loadClientConfig(options);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("absent"));
}

TEST(InClusterConfig, ReadsTheMountAndReReadsARotatedToken) {
  TempDir dir;
  dir.write("sa/ca.crt", "CA-PEM");
  dir.write("sa/token", "token-1");
  dir.write("sa/namespace", "issuer-ns");
  InClusterOptions options;
  options.mountDir = dir.path() + "/sa";
  options.host = "10.0.0.1";
  options.port = "443";
  auto config = inClusterConfig(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://10.0.0.1:443");
  EXPECT_EQ(config->ns, "issuer-ns");
  EXPECT_EQ(config->tls.caPem, "CA-PEM");
  EXPECT_EQ(config->credentials->credential()->bearerToken, "token-1");
  dir.write("sa/token", "token-2-rotated");
  EXPECT_EQ(config->credentials->credential()->bearerToken, "token-2-rotated");

  options.host.clear();
  EXPECT_FALSE(inClusterConfig(options).ok());
}

}  // namespace
}  // namespace certchaos::kube
