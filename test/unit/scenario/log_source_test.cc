// Log sources: parsing what the user gives, choosing file or pods, and reading pods/log with
// redaction. The API server here is a fake only for pods/log, which the embedded plane cannot
// answer without a kubelet (the real path is test/integration/pod_logs_test.cc).
#include "certchaos/scenario/log_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "../kube/client_fixture.h"
#include "../kube/temp_dir.h"

namespace certchaos::scenario {
namespace {

using testing::FakeApiServer;
using ::testing::HasSubstr;
using ::testing::Not;

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- parsing ----

TEST(LogSourceParseTest, PodsWithAndWithoutAContainer) {
  auto plain = parseLogSource("--issuer-logs", "certchaos-system/app.kubernetes.io/name=issuer");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  ASSERT_TRUE(plain->has_value());
  const auto& pods = std::get<PodLogSource>(**plain);
  EXPECT_EQ(pods.ns, "certchaos-system");
  EXPECT_EQ(pods.selector, "app.kubernetes.io/name=issuer");
  EXPECT_EQ(pods.container, "");

  auto withContainer =
      parseLogSource("--cert-manager-logs",
                     "cert-manager/app.kubernetes.io/name=cert-manager,app.kubernetes.io/"
                     "component in (controller),tier!=web@cert-manager-controller");
  ASSERT_TRUE(withContainer.ok()) << withContainer.error().message;
  const auto& cm = std::get<PodLogSource>(**withContainer);
  EXPECT_EQ(cm.ns, "cert-manager");
  EXPECT_EQ(cm.selector,
            "app.kubernetes.io/name=cert-manager,app.kubernetes.io/component in "
            "(controller),tier!=web");
  EXPECT_EQ(cm.container, "cert-manager-controller");
}

TEST(LogSourceParseTest, FileAndNone) {
  auto file = parseLogSource("--app-logs", "file:/var/log/app.log");
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(std::get<FileLogSource>(**file).path, "/var/log/app.log");
  auto none = parseLogSource("--app-logs", "none");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value());
}

// Each bad value: what was expected, what was found, and the problem.
TEST(LogSourceParseTest, BadValuesSayWhatIsExpectedAndFound) {
  struct Case {
    std::string value;
    std::string problem;
  };
  const Case cases[] = {
      {"app=demo", "no '/' between the namespace and the selector"},
      {"/var/log/issuer.log", "for a file write file:/var/log/issuer.log"},
      {"Cert_Manager/app=x", "the namespace 'Cert_Manager' is not a namespace name"},
      {"demo/", "no label selector after the namespace"},
      {"demo/   ", "no label selector after the namespace"},
      {"demo/app=x;rm", "has characters a label selector cannot have"},
      {"demo/app=x@Web_1", "the container 'Web_1' is not a container name"},
      {"demo/app=x@", "the container '' is not a container name"},
      {"file:", "file: without a path"},
  };
  for (const auto& c : cases) {
    auto parsed = parseLogSource("--issuer-logs", c.value);
    ASSERT_FALSE(parsed.ok()) << c.value;
    EXPECT_EQ(parsed.error().code, "BadInput");
    EXPECT_THAT(parsed.error().message,
                HasSubstr("--issuer-logs: expected NS/SELECTOR[@CONTAINER]"))
        << c.value;
    EXPECT_THAT(parsed.error().message, HasSubstr("found '" + c.value + "'")) << c.value;
    EXPECT_THAT(parsed.error().message, HasSubstr(c.problem)) << c.value;
  }
}

// ---- choosing ----

TEST(LogSourceResolveTest, LocalProcessesKeepTheirFilesOthersAreReadFromPods) {
  auto sources =
      resolveLogSources({}, {{"issuer", "/state/logs/certchaos-issuer.log"}}, "demo", true);
  ASSERT_EQ(sources.size(), 3U);
  EXPECT_EQ(std::get<FileLogSource>(sources.at("issuer")).path, "/state/logs/certchaos-issuer.log");
  const auto& cm = std::get<PodLogSource>(sources.at("cert-manager"));
  EXPECT_EQ(cm.ns, "cert-manager");
  // What cert-manager's own Helm chart puts on its controller's pods.
  EXPECT_EQ(cm.selector,
            "app.kubernetes.io/name=cert-manager,app.kubernetes.io/component=controller");
  const auto& app = std::get<PodLogSource>(sources.at("app"));
  EXPECT_EQ(app.ns, "demo");
  // What deploy/manifests/demo-app.yaml puts on the app's pods (its default name).
  EXPECT_EQ(app.selector, "app.kubernetes.io/name=demo-app,app.kubernetes.io/part-of=certchaos");
}

TEST(LogSourceResolveTest, ARealClusterReadsEveryComponentFromItsPods) {
  auto sources = resolveLogSources({}, {}, "demo", false);
  ASSERT_EQ(sources.size(), 2U) << "no app log when the run probes no app";
  const auto& issuer = std::get<PodLogSource>(sources.at("issuer"));
  EXPECT_EQ(issuer.ns, "certchaos-system");
  EXPECT_EQ(issuer.selector, "app.kubernetes.io/name=certchaos-issuer");
  EXPECT_FALSE(sources.contains("app"));
}

TEST(LogSourceResolveTest, TheAppsPodsAreThoseOfTheAppNamed) {
  auto sources = resolveLogSources({}, {}, "demo", true, "stale-app");
  EXPECT_EQ(std::get<PodLogSource>(sources.at("app")).selector,
            "app.kubernetes.io/name=stale-app,app.kubernetes.io/part-of=certchaos");
}

TEST(LogSourceResolveTest, TheUsersChoiceWinsAndNoneLeavesTheLogOut) {
  LogOverrides overrides;
  overrides["issuer"] = PodLogSource{"tools", "app=my-issuer", "issuer"};
  overrides["cert-manager"] = std::nullopt;
  overrides["app"] = FileLogSource{"/tmp/app.log"};
  auto sources = resolveLogSources(
      overrides, {{"issuer", "/state/issuer.log"}, {"cert-manager", "/state/cm.log"}}, "demo",
      false);
  ASSERT_EQ(sources.size(), 2U);
  EXPECT_EQ(std::get<PodLogSource>(sources.at("issuer")).ns, "tools");
  EXPECT_FALSE(sources.contains("cert-manager"));
  EXPECT_EQ(std::get<FileLogSource>(sources.at("app")).path, "/tmp/app.log");
}

// ---- collecting ----

nlohmann::json pod(const std::string& name, const std::string& node, int restarts) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "cert-manager"}}},
          {"spec",
           {{"nodeName", node}, {"containers", {{{"name", "controller"}}, {{"name", "sidecar"}}}}}},
          {"status",
           {{"phase", node.empty() ? "Pending" : "Running"},
            {"containerStatuses",
             {{{"name", "controller"}, {"restartCount", restarts}},
              {{"name", "sidecar"}, {"restartCount", 0}}}}}}};
}

class PodLogCollectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.addHandler([this](const httplib::Request& req, httplib::Response& res) {
      const std::string collection = "/api/v1/namespaces/cert-manager/pods";
      if (req.method == "GET" && req.path == collection) {
        std::lock_guard lock(mu_);
        selectors_.push_back(req.get_param_value("labelSelector"));
        nlohmann::json list = {{"kind", "PodList"},
                               {"apiVersion", "v1"},
                               {"metadata", {{"resourceVersion", "7"}}},
                               {"items", pods_}};
        res.set_content(list.dump(), "application/json");
        return true;
      }
      if (req.method == "GET" && req.path.ends_with("/log")) {
        const std::string container = req.get_param_value("container");
        const bool previous = req.get_param_value("previous") == "true";
        {
          std::lock_guard lock(mu_);
          logQueries_.push_back(req.path + " container=" + container +
                                " previous=" + (previous ? "true" : "false") +
                                " timestamps=" + req.get_param_value("timestamps") +
                                " sinceTime=" + req.get_param_value("sinceTime"));
        }
        if (container == "sidecar") {
          res.status = 403;
          res.set_content(
              FakeApiServer::statusBody(403, "Forbidden",
                                        "pods \"cm-1\" is forbidden: User \"system:serviceaccount:"
                                        "certchaos-system:certchaos-runner\" cannot get resource "
                                        "\"pods/log\""),
              "application/json");
          return true;
        }
        res.set_content(
            std::string(previous ? "2026-12-03T10:00:01Z crashed: " : "2026-12-03T10:00:02Z ") +
                "loaded key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n"
                "-----END PRIVATE KEY-----\n2026-12-03T10:00:03Z Authorization: Bearer "
                "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJydW5uZXIifQ.c2lnbmF0dXJl\n",
            "text/plain");
        return true;
      }
      return false;
    });
    client_ = std::make_shared<kube::Client>(testing::fakeConfig(server_));
  }

  FakeApiServer server_;
  std::shared_ptr<kube::Client> client_;
  std::mutex mu_;
  nlohmann::json pods_ = nlohmann::json::array();
  std::vector<std::string> selectors_;
  std::vector<std::string> logQueries_;
  testing::TempDir dir_;
  report::Redactor redactor_;
  // 10:00:00.750 — sinceTime is sent in whole seconds, rounded down.
  SystemTime since_ =
      SystemTime{} + std::chrono::seconds(1796292000) + std::chrono::milliseconds(750);
};

TEST_F(PodLogCollectTest, ReadsEachContainerAndTheRestartedOnesPreviousInstanceRedacted) {
  pods_.push_back(pod("cm-1", "node-a", 2));
  const PodLogSource source{"cert-manager", "app.kubernetes.io/name=cert-manager", ""};
  auto logs = collectLogs(client_.get(), "cert-manager", source, since_, dir_.path(), redactor_);

  ASSERT_EQ(selectors_.size(), 1U);
  EXPECT_EQ(selectors_[0], "app.kubernetes.io/name=cert-manager");
  const std::string since = formatRfc3339(since_ - std::chrono::milliseconds(750));
  EXPECT_THAT(logQueries_, ::testing::ElementsAre(
                               "/api/v1/namespaces/cert-manager/pods/cm-1/log container=controller "
                               "previous=true timestamps=true sinceTime=" +
                                   since,
                               "/api/v1/namespaces/cert-manager/pods/cm-1/log container=controller "
                               "previous=false timestamps=true sinceTime=" +
                                   since,
                               "/api/v1/namespaces/cert-manager/pods/cm-1/log container=sidecar "
                               "previous=false timestamps=true sinceTime=" +
                                   since));

  ASSERT_EQ(logs.size(), 3U);
  EXPECT_EQ(logs[0].describe(), "pods/log cert-manager/cm-1/controller (previous)");
  EXPECT_EQ(logs[1].describe(), "pods/log cert-manager/cm-1/controller");
  EXPECT_EQ(logs[0].component, "cert-manager");
  EXPECT_EQ(logs[0].error, "");
  EXPECT_EQ(logs[0].path, dir_.path() + "/logs/cert-manager-cm-1-controller.previous.log");
  EXPECT_EQ(logs[1].path, dir_.path() + "/logs/cert-manager-cm-1-controller.log");
  const std::string previous = readAll(logs[0].path);
  const std::string current = readAll(logs[1].path);
  EXPECT_THAT(previous, HasSubstr("2026-12-03T10:00:01Z crashed: loaded key"));
  EXPECT_THAT(current, HasSubstr("2026-12-03T10:00:02Z loaded key [REDACTED PRIVATE KEY]\n"));
  for (const auto& text : {previous, current}) {
    EXPECT_THAT(text, Not(HasSubstr("MIIEvQIBADANBgkqhkiG9w0B")));
    EXPECT_THAT(text, Not(HasSubstr("eyJhbGciOiJSUzI1NiJ9")));
    EXPECT_THAT(text, HasSubstr("2026-12-03T10:00:03Z Authorization: Bearer [REDACTED]\n"));
  }

  // The sidecar's 403 does not stop the others; the entry says what the server said.
  EXPECT_EQ(logs[2].describe(), "pods/log cert-manager/cm-1/sidecar");
  EXPECT_EQ(logs[2].path, "");
  EXPECT_THAT(logs[2].error, HasSubstr("forbidden"));
  EXPECT_THAT(logs[2].error, HasSubstr("pods/log"));
}

TEST_F(PodLogCollectTest, AChosenContainerOnlyAndAPodNotOnANodeIsNotAsked) {
  pods_.push_back(pod("cm-1", "node-a", 0));
  pods_.push_back(pod("cm-2", "", 0));
  const PodLogSource source{"cert-manager", "app=cm", "controller"};
  auto logs = collectLogs(client_.get(), "cert-manager", source, since_, dir_.path(), redactor_);
  ASSERT_EQ(logs.size(), 2U);
  EXPECT_EQ(logs[0].describe(), "pods/log cert-manager/cm-1/controller");
  EXPECT_EQ(logs[0].error, "");
  EXPECT_EQ(logs[1].describe(), "pods/log cert-manager/cm-2/controller");
  EXPECT_EQ(logs[1].error, "the pod is not on a node (phase Pending): it has no log yet");
  EXPECT_EQ(logQueries_.size(), 1U) << "only cm-1's controller";
}

TEST_F(PodLogCollectTest, NoMatchingPodSaysWhereItLookedAndWhatToPass) {
  const PodLogSource source{"cert-manager", "app=nothing", ""};
  auto logs = collectLogs(client_.get(), "cert-manager", source, since_, dir_.path(), redactor_);
  ASSERT_EQ(logs.size(), 1U);
  EXPECT_EQ(logs[0].describe(), "pods/log cert-manager -l app=nothing");
  EXPECT_EQ(logs[0].error,
            "no pod in namespace cert-manager matches the selector app=nothing; say where it "
            "runs with --cert-manager-logs NS/SELECTOR (a ChaosRun: spec.logs)");
}

TEST(FileLogCollectTest, CopiesTheLastPartRedactedAndAMissingFileIsAnEntry) {
  testing::TempDir dir;
  report::Redactor redactor;
  ASSERT_TRUE(redactor.addSecret("hunter2-password").ok());
  const std::string path = dir.write("issuer.log", "start\nlogin with hunter2-password\n");
  auto logs =
      collectLogs(nullptr, "issuer", FileLogSource{path}, {}, dir.path() + "/run", redactor);
  ASSERT_EQ(logs.size(), 1U);
  EXPECT_EQ(logs[0].describe(), "file " + path);
  EXPECT_EQ(logs[0].path, dir.path() + "/run/logs/issuer.log");
  EXPECT_EQ(readAll(logs[0].path), "start\nlogin with [REDACTED]\n");

  auto missing = collectLogs(nullptr, "app", FileLogSource{dir.path() + "/gone.log"}, {},
                             dir.path() + "/run", redactor);
  ASSERT_EQ(missing.size(), 1U);
  EXPECT_EQ(missing[0].path, "");
  EXPECT_EQ(missing[0].error, "no such file");
}

}  // namespace
}  // namespace certchaos::scenario
