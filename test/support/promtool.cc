#include "promtool.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "plane.h"

namespace certchaos::testing {

std::string promtoolPath() {
  if (const char* set = std::getenv("CERTCHAOS_PROMTOOL"); set != nullptr && *set != '\0') {
    return set;
  }
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::string cache =
      xdg != nullptr && *xdg != '\0' ? xdg : std::string(home ? home : "") + "/.cache";
  return cache + "/certchaos/promtool/current";
}

localcluster::CommandOutput promtoolCheckMetrics(const std::string& exposition) {
  const std::string promtool = promtoolPath();
  if (!std::filesystem::exists(promtool)) {
    ADD_FAILURE() << "expected promtool at " << promtool
                  << ", found none; run `make controlplane` (it builds promtool into the cache) "
                     "or set CERTCHAOS_PROMTOOL";
    return {};
  }
  TempDir dir;
  const std::string file = dir.path() + "/metrics.txt";
  writeFile(file, exposition);
  // promtool reads the exposition from stdin only; the shell just redirects (no interpolation:
  // the paths are its positional arguments).
  return run({"/bin/sh", "-c", "exec \"$0\" check metrics < \"$1\"", promtool, file},
             std::chrono::seconds(60));
}

}  // namespace certchaos::testing
