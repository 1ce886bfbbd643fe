// cert-manager's failure back-off under time compression (issue 13, item 5): the scaled figures
// and the cm-controller command line that carries them.
#include "certchaos/localcluster/cm_backoff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace certchaos::localcluster {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

TEST(CertManagerBackoffTest, ScaledFiguresAreProductionsDividedByTheTimeScale) {
  EXPECT_EQ(scaledBackoff(60), (CertManagerBackoff{1min, 32min}));
  EXPECT_EQ(scaledBackoff(240), (CertManagerBackoff{15s, 8min}));
  EXPECT_EQ(scaledBackoff(1.5), (CertManagerBackoff{40min, 21h + 20min}));
  EXPECT_EQ(scaledBackoff(7), (CertManagerBackoff{514286ms, 16457143ms})) << "to the millisecond";
  EXPECT_EQ(scaledBackoff(1), (CertManagerBackoff{1h, 32h})) << "nothing to scale";
  // cert-manager reads a zero minimum as no back-off at all: never below 1 ms.
  EXPECT_EQ(scaledBackoff(1e12).minimum, 1ms);
}

TEST(CertManagerBackoffTest, CommandLineCarriesTheFiguresOnce) {
  const std::vector<std::string> base = {"/bin/cm-controller", "--kubeconfig=k", "--v=2"};
  EXPECT_EQ(backoffOfArgs(base), (CertManagerBackoff{1h, 32h})) << "cert-manager's defaults";
  auto scaled = withBackoffArgs(base, scaledBackoff(60));
  EXPECT_THAT(scaled, ElementsAre("/bin/cm-controller", "--kubeconfig=k", "--v=2",
                                  "--certificate-request-minimum-backoff-duration=1m0s",
                                  "--certificate-request-maximum-backoff-duration=32m0s"));
  EXPECT_EQ(backoffOfArgs(scaled), scaledBackoff(60));
  // Replaced, in either spelling, never appended a second time.
  std::vector<std::string> given = base;
  given.insert(given.end(), {"--certificate-request-minimum-backoff-duration", "10s",
                             "--certificate-request-maximum-backoff-duration=5m"});
  EXPECT_EQ(backoffOfArgs(given), (CertManagerBackoff{10s, 5min}));
  auto restored = withBackoffArgs(given, CertManagerBackoff{});
  EXPECT_THAT(restored, ElementsAre("/bin/cm-controller", "--kubeconfig=k", "--v=2",
                                    "--certificate-request-minimum-backoff-duration=1h0m0s",
                                    "--certificate-request-maximum-backoff-duration=32h0m0s"));
}

}  // namespace
}  // namespace certchaos::localcluster
