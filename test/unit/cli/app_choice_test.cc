// Issue 13: `run 26` without --app probed whichever local app came first among those serving the
// Secret (the reloading one, while the user meant the --no-reload one), silently.
#include "app_choice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "issuer_spec.h"

namespace certchaos::cli {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

localcluster::ComponentState app(const std::string& name, const std::string& ns,
                                 const std::string& secret, int port, bool noReload = false) {
  localcluster::ComponentState c;
  c.name = name;
  c.url = "https://127.0.0.1:" + std::to_string(port);
  c.logPath = "/state/logs/" + name + ".log";
  c.args = {"/bin/certchaos-demo-app", "--namespace=" + ns, "--secret=" + secret,
            "--listen=127.0.0.1:0"};
  if (noReload) c.args.push_back("--no-reload");
  return c;
}

localcluster::ClusterState plane() {
  localcluster::ClusterState p;
  localcluster::ComponentState issuer;
  issuer.name = "certchaos-issuer";
  issuer.args = {"/bin/certchaos-issuer", "--namespace=demo"};
  p.components = {issuer, app("demo-app", "demo", "demo-tls", 8443),
                  app("other-ns", "other", "demo-tls", 8444),
                  app("other-secret", "demo", "api-tls", 8445)};
  return p;
}

TEST(AppChoiceTest, TheOnlyAppServingTheSecretIsProbed) {
  auto serving = appsServing(plane(), "demo", "demo-tls");
  ASSERT_EQ(serving.size(), 1u);
  EXPECT_EQ(serving[0].name, "demo-app");
  EXPECT_TRUE(serving[0].reloads);
  auto chosen = chooseApp(serving, "", "Secret demo/demo-tls");
  ASSERT_TRUE(chosen);
  ASSERT_TRUE(chosen->has_value());
  EXPECT_EQ((*chosen)->url, "https://127.0.0.1:8443");
}

TEST(AppChoiceTest, NoAppMeansNoProbes) {
  auto chosen = chooseApp(appsServing(plane(), "demo", "missing-tls"), "", "Secret demo/x");
  ASSERT_TRUE(chosen);
  EXPECT_FALSE(chosen->has_value());
}

TEST(AppChoiceTest, TwoAppsServingTheSecretAreRefusedNamingEachAndWhatToPass) {
  auto p = plane();
  p.components.push_back(app("app-noreload", "demo", "demo-tls", 9443, /*noReload=*/true));
  auto serving = appsServing(p, "demo", "demo-tls");
  ASSERT_EQ(serving.size(), 2u);
  EXPECT_FALSE(serving[1].reloads);
  auto chosen = chooseApp(serving, "", "Secret demo/demo-tls");
  ASSERT_FALSE(chosen) << "picking one of them silently may judge the wrong application";
  EXPECT_EQ(chosen.error().code, kUsageError);
  EXPECT_THAT(chosen.error().message,
              AllOf(HasSubstr("exactly one local app serving Secret demo/demo-tls, found 2"),
                    HasSubstr("demo-app at https://127.0.0.1:8443 (reloads the Secret)"),
                    HasSubstr("app-noreload at https://127.0.0.1:9443 (--no-reload)"),
                    HasSubstr("pass --app")));
  // --app settles it, and the log collected is that app's.
  auto given = chooseApp(serving, "https://127.0.0.1:9443", "Secret demo/demo-tls");
  ASSERT_TRUE(given);
  ASSERT_TRUE(given->has_value());
  EXPECT_EQ((*given)->logPath, "/state/logs/app-noreload.log");
}

TEST(AppChoiceTest, AnAppOutsideThePlaneHasNoLocalLog) {
  auto chosen = chooseApp(appsServing(plane(), "demo", "demo-tls"), "https://10.0.0.1:443",
                          "Secret demo/demo-tls");
  ASSERT_TRUE(chosen);
  EXPECT_FALSE(chosen->has_value()) << "the demo app's log is not the log of the app probed";
}

}  // namespace
}  // namespace certchaos::cli
