// The ChaosRun kind on a real API server: the CRD's validation refuses each bad spec with a
// message that says what was expected and found, and accepts a good one; what it cannot check
// ends the run Aborted (FailedToStart) naming what to fix; a Waiting run says which condition it
// waits for, and is deleted at once (its finalizer removed by the runner controller).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/chaosrun/chaos_run.h"
#include "certchaos/kube/errors.h"
#include "plane.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;

std::string runYaml(const std::string& name, const std::string& ns, const std::string& spec) {
  return "apiVersion: certchaos.io/v1alpha1\nkind: ChaosRun\nmetadata:\n  name: " + name +
         "\n  namespace: " + ns + "\nspec:\n" + spec;
}

// Waits (watching would need more machinery than the test) until `done` holds for the run.
json waitForRun(const std::string& ns, const std::string& name,
                const std::function<bool(const json&)>& done, std::chrono::seconds timeout) {
  auto admin = SharedPlane::get().admin();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto got = admin->get(api::kChaosRun, ns, name);
    if (got) {
      last = *got;
      if (done(last)) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ADD_FAILURE() << "ChaosRun " << ns << "/" << name
                << " did not reach the state in time: " << last.dump(2);
  return last;
}

class ChaosRunTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }
  const std::string& stateDir() { return SharedPlane::get().stateDir(); }
};

TEST_F(ChaosRunTest, TheApiServerRefusesEachBadSpecWithAClearMessageAndAcceptsAGoodOne) {
  const std::string ns = SharedPlane::get().freshNamespace("crd");
  const std::string refs = "  issuer: {name: chaos}\n  certificate: {name: app}\n";
  struct Case {
    std::string what;
    std::string spec;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"unknown scenario", "  scenario: \"99\"\n" + refs,
       "spec.scenario: Invalid value: \"99\": scenario: expected a number or name from certchaos "
       "scenarios that can run"},
      {"unknown scenario name", "  scenario: renewal-stormy\n" + refs, "found renewal-stormy"},
      {"missing Certificate", "  scenario: sleep\n  issuer: {name: chaos}\n",
       "spec.certificate: Required value"},
      {"missing issuer", "  scenario: sleep\n  certificate: {name: app}\n",
       "spec.issuer: Required value"},
      {"bad timeout", "  scenario: sleep\n" + refs + "  timeout: 10 minutes\n",
       "timeout: expected a positive Go duration such as 90s, 10m or 1h30m, found 10 minutes"},
      {"zero timeout", "  scenario: sleep\n" + refs + "  timeout: 0s\n",
       "timeout: expected a positive Go duration such as 90s, 10m or 1h30m, found 0s"},
      {"bad parameter duration", "  scenario: sleep\n  parameters: {delay: soon}\n" + refs,
       "parameters.delay: expected a non-negative Go duration such as 90s, 15m or 1h30m, found "
       "soon"},
      {"negative budget", "  scenario: sleep\n" + refs + "  maxRequests: -1\n",
       "maxRequests: expected a request budget from 1 to 10000"},
      {"zero budget", "  scenario: sleep\n" + refs + "  maxRequests: 0\n",
       "maxRequests: expected a request budget from 1 to 10000"},
      {"negative seed", "  scenario: sleep\n" + refs + "  seed: -3\n",
       "spec.seed: Invalid value: -3: spec.seed in body should be greater than or equal to 0"},
      {"time scale 0", "  scenario: sleep\n" + refs + "  timeScale: 0\n",
       "spec.timeScale in body should be greater than or equal to 1"},
      {"target with URL and Service",
       "  scenario: sleep\n" + refs +
           "  target: {url: \"https://a:1\", service: {name: web, port: 443}}\n",
       "target: set exactly one of target.url (https://host:port) or target.service (name and "
       "port)"},
      {"target with neither", "  scenario: sleep\n" + refs + "  target: {serverName: web}\n",
       "target: set exactly one of target.url"},
      {"plain http target", "  scenario: sleep\n" + refs + "  target: {url: \"http://a:80\"}\n",
       "target.url: expected an https:// URL such as https://127.0.0.1:8443, found http://a:80"},
      {"service port out of range",
       "  scenario: sleep\n" + refs + "  target: {service: {name: web, port: 70000}}\n",
       "spec.target.service.port in body should be less than or equal to 65535"},
      {"unknown start", "  scenario: sleep\n" + refs + "  start: Later\n",
       "spec.start: Unsupported value: \"Later\""},
  };
  for (const auto& c : cases) {
    auto out = kubectl(stateDir(), {"create", "-f", "-"}, runYaml("bad", ns, c.spec));
    EXPECT_NE(out.exitCode, 0) << c.what << ": accepted\n" << out.output;
    EXPECT_NE(out.output.find(c.message), std::string::npos)
        << c.what << ": expected the message '" << c.message << "', found:\n"
        << out.output;
  }

  // A good spec is accepted, with its defaults; its spec cannot change afterwards.
  const std::string good = "  scenario: \"3\"\n  parameters: {delay: 1h}\n" + refs +
                           "  target: {url: \"https://127.0.0.1:8443\"}\n  timeout: 5m\n"
                           "  maxRequests: 10\n  seed: 7\n  timeScale: 60\n";
  auto created = kubectl(stateDir(), {"create", "-f", "-"}, runYaml("good", ns, good));
  ASSERT_EQ(created.exitCode, 0) << created.output;
  auto object = SharedPlane::get().admin()->get(api::kChaosRun, ns, "good");
  ASSERT_TRUE(object) << object.error().message;
  EXPECT_EQ((*object)["spec"]["issuer"]["kind"], "ChaosIssuer") << "defaulted";
  EXPECT_EQ((*object)["spec"]["start"], "Immediately") << "defaulted";
  auto changed = kubectl(stateDir(), {"-n", ns, "patch", "chaosrun", "good", "--type=merge", "-p",
                                      R"({"spec":{"scenario":"4"}})"});
  EXPECT_NE(changed.exitCode, 0) << changed.output;
  EXPECT_NE(changed.output.find("a ChaosRun's spec cannot change once created"), std::string::npos)
      << changed.output;

  // No issuer: the run waits and its conditions say for what; kubectl shows the columns.
  auto waiting = waitForRun(
      ns, "good",
      [](const json& r) {
        return chaosrun::phaseOf(r) == chaosrun::kWaiting &&
               r["status"].value("conditions", json::array()).size() == 3;
      },
      std::chrono::seconds(30));
  EXPECT_EQ(waiting["status"]["reason"], "ConditionsNotMet");
  EXPECT_NE(waiting["status"].value("message", "").find("ChaosIssuer " + ns + "/chaos"),
            std::string::npos)
      << waiting["status"].dump(2);
  for (const auto& c : waiting["status"]["conditions"]) {
    if (c["type"] == chaosrun::kIssuerReady) {
      EXPECT_EQ(c["status"], "False");
      EXPECT_EQ(c["reason"], "IssuerNotFound");
      EXPECT_NE(c["message"].get<std::string>().find("certchaos deploy issuer"), std::string::npos)
          << c.dump();
    }
    if (c["type"] == chaosrun::kCertificateSigned) {
      EXPECT_EQ(c["reason"], "CertificateNotFound");
    }
  }
  auto table = kubectl(stateDir(), {"-n", ns, "get", "chaosruns"});
  ASSERT_EQ(table.exitCode, 0) << table.output;
  for (const char* column : {"NAME", "SCENARIO", "CERTIFICATE", "PHASE", "VERDICT", "AGE"}) {
    EXPECT_NE(table.output.find(column), std::string::npos) << column << "\n" << table.output;
  }
  EXPECT_NE(table.output.find("Waiting"), std::string::npos) << table.output;
  EXPECT_EQ(waiting["metadata"]["finalizers"], json::array({chaosrun::kFinalizer}));

  // Deleted while waiting: nothing to roll back, the finalizer is removed and the run is gone.
  auto deleted =
      kubectl(stateDir(), {"-n", ns, "delete", "chaosrun", "good", "--wait", "--timeout=30s"});
  EXPECT_EQ(deleted.exitCode, 0) << deleted.output;
  auto gone = SharedPlane::get().admin()->get(api::kChaosRun, ns, "good");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(kube::isNotFound(gone.error()));
}

TEST_F(ChaosRunTest, ASpecTheCrdCannotCheckEndsTheRunAbortedNamingWhatToFix) {
  const std::string ns = SharedPlane::get().freshNamespace("nostart");
  auto created = kubectl(stateDir(), {"create", "-f", "-"},
                         runYaml("typo", ns,
                                 "  scenario: sleep\n  parameters: {count: \"2\"}\n"
                                 "  issuer: {name: chaos}\n  certificate: {name: app}\n"));
  ASSERT_EQ(created.exitCode, 0) << created.output;
  auto ended = waitForRun(
      ns, "typo", [](const json& r) { return chaosrun::finished(chaosrun::phaseOf(r)); },
      std::chrono::seconds(30));
  EXPECT_EQ(chaosrun::phaseOf(ended), chaosrun::kAborted);
  EXPECT_EQ(ended["status"]["reason"], "FailedToStart");
  const std::string message = ended["status"].value("message", "");
  EXPECT_NE(message.find("spec.parameters: "), std::string::npos) << message;
  EXPECT_NE(message.find("count"), std::string::npos) << message;
}

}  // namespace
}  // namespace certchaos::testing
