// The layering that the api module exists for: the runner, the runner controller, the CLI and
// the reports reach the issuer only through the API objects (certchaos/api), never through the
// issuer's internals; and the api module itself depends on nothing above it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace certchaos::api {
namespace {

namespace fs = std::filesystem;

// Every `#include "certchaos/<module>/..."` in the C++ files under `dir`, as "file: line".
std::vector<std::string> includesOf(const fs::path& dir, const std::regex& forbidden) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".cc" && ext != ".h")) continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (std::regex_search(line, forbidden)) {
        found.push_back(entry.path().lexically_relative(CERTCHAOS_SOURCE_DIR).string() + ": " +
                        line);
      }
    }
  }
  return found;
}

const fs::path kSource{CERTCHAOS_SOURCE_DIR};

TEST(LayeringTest, RunnerControllerCliAndReportsDoNotIncludeIssuerInternals) {
  const std::regex issuerInternals{R"(#include\s+"certchaos/issuer/)"};
  for (const char* module :
       {"src/scenario", "src/chaosrun", "src/cli", "src/report", "include/certchaos/scenario",
        "include/certchaos/chaosrun", "include/certchaos/report"}) {
    ASSERT_TRUE(fs::is_directory(kSource / module)) << module;
    EXPECT_EQ(includesOf(kSource / module, issuerInternals), std::vector<std::string>{})
        << module << " must use certchaos/api instead";
  }
}

TEST(LayeringTest, ApiDependsOnNothingAboveIt) {
  // Only the api's own headers, the common utilities and the client's ResourceRef type.
  const std::regex above{R"(#include\s+"certchaos/(?!api/|common/|kube/resource\.h")[^"]*")"};
  for (const char* module : {"src/api", "include/certchaos/api"}) {
    ASSERT_TRUE(fs::is_directory(kSource / module)) << module;
    EXPECT_EQ(includesOf(kSource / module, above), std::vector<std::string>{}) << module;
  }
}

// The test itself can fail: a line that includes issuer internals is found.
TEST(LayeringTest, TheSearchFindsAForbiddenInclude) {
  const fs::path dir = fs::temp_directory_path() / "certchaos-layering-test";
  fs::create_directories(dir);
  std::ofstream(dir / "x.cc") << "#include \"certchaos/issuer/issuer_reconciler.h\"\n";
  const auto found = includesOf(dir, std::regex{R"(#include\s+"certchaos/issuer/)"});
  fs::remove_all(dir);
  EXPECT_EQ(found.size(), 1u);
}

}  // namespace
}  // namespace certchaos::api
