// Every example in every command's --help is a valid command line: it parses, and the values it
// gives (faults, scenario knobs, seeds, names...) pass the same checks the commands apply.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "certchaos/chaos/catalog.h"
#include "certchaos/chaos/chaos_spec.h"
#include "cli_app.h"
#include "deploy_actions.h"
#include "input_checks.h"
#include "issuer_spec.h"

namespace certchaos::cli {
namespace {

using nlohmann::json;

void collectFooters(CLI::App* app, std::vector<std::pair<std::string, std::string>>& out,
                    const std::string& path) {
  out.emplace_back(path, app->get_footer());
  for (auto* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    collectFooters(sub, out, path + " " + sub->get_name());
  }
}

// The certchaos command lines of an Examples footer: continuation lines joined, each cut at a
// shell operator (|, &&, >, ), ;) or a comment.
std::vector<std::string> exampleCommands(std::string footer) {
  footer = std::regex_replace(footer, std::regex("\\s*\\\\\\n\\s*"), " ");
  std::vector<std::string> commands;
  std::istringstream lines(footer);
  std::string line;
  const std::regex start("(^|[\\s(])certchaos ");
  while (std::getline(lines, line)) {
    if (line.rfind("  ", 0) != 0) continue;
    for (std::sregex_iterator it(line.begin(), line.end(), start), end; it != end; ++it) {
      std::string rest = line.substr(it->position() + it->length());
      rest = rest.substr(0, rest.find_first_of("|&>);#"));
      commands.push_back(rest);
    }
  }
  return commands;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The values of `flag` (--flag V and --flag=V).
std::vector<std::string> valuesOf(const std::vector<std::string>& w, const std::string& flag) {
  std::vector<std::string> values;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] == flag && i + 1 < w.size()) values.push_back(w[i + 1]);
    if (w[i].rfind(flag + "=", 0) == 0) values.push_back(w[i].substr(flag.size() + 1));
  }
  return values;
}

void checkValues(const std::string& command) {
  const auto w = words(command);
  for (const auto& v : valuesOf(w, "--seed")) EXPECT_TRUE(parseSeed(v, "--seed")) << command;
  for (const auto& v : valuesOf(w, "-n")) {
    EXPECT_TRUE(checkNamespaceName(v, "-n")) << command;
  }
  for (const auto& v : valuesOf(w, "--dns")) EXPECT_TRUE(checkDnsName(v, "--dns")) << command;
  for (const auto& v : valuesOf(w, "--ip")) EXPECT_TRUE(checkIpAddress(v, "--ip")) << command;
  for (const auto& v : valuesOf(w, "--dry-run")) EXPECT_TRUE(parseDryRun(v)) << command;
  for (const auto& v : valuesOf(w, "--fault")) {
    auto fault = parseFaultFlag(v);
    ASSERT_TRUE(fault) << command << ": " << fault.error().message;
    auto valid = chaos::validateChaosSpec({{"selfSigned", json::object()}, {"faults", {*fault}}});
    EXPECT_TRUE(valid) << command << ": " << valid.error().message;
  }
  // The scenario (deploy issuer --scenario S, run S) with its --set knobs.
  std::string scenario;
  if (auto s = valuesOf(w, "--scenario"); !s.empty()) scenario = s.front();
  if (w.size() > 1 && w[0] == "run") scenario = w[1];
  if (scenario.empty() || isHealthyScenario(scenario)) return;
  const auto* info = chaos::findScenario(scenario);
  ASSERT_NE(info, nullptr) << command;
  if (info->status != chaos::ScenarioStatus::kImplemented) return;
  json spec = {{"selfSigned", json::object()}, {"scenario", scenario}};
  for (const auto& set : valuesOf(w, "--set")) {
    auto kv = parseKeyValue(set, "--set");
    ASSERT_TRUE(kv) << command;
    spec["parameters"][kv->first] = kv->second;
  }
  auto valid = chaos::validateChaosSpec(spec);
  EXPECT_TRUE(valid) << command << ": " << valid.error().message;
}

TEST(CliHelpExamplesTest, EveryExampleParsesAndItsValuesAreValid) {
  CLI::App root{"certchaos", "certchaos"};
  CliContext context;
  buildCommandTree(root, context);
  std::vector<std::pair<std::string, std::string>> footers;
  collectFooters(&root, footers, "certchaos");
  std::size_t checked = 0;
  for (const auto& [path, footer] : footers) {
    for (const auto& command : exampleCommands(footer)) {
      SCOPED_TRACE(path + " example: certchaos " + command);
      CLI::App app{"certchaos", "certchaos"};
      CliContext fresh;
      buildCommandTree(app, fresh);
      try {
        app.parse(command, /*program_name_included=*/false);
      } catch (const CLI::ParseError& e) {
        ADD_FAILURE() << "does not parse: " << e.what();
        continue;
      }
      EXPECT_TRUE(fresh.action) << "parses to no command";
      checkValues(command);
      ++checked;
    }
  }
  // Every command has examples (EveryCommandHasHelpWithExamples); here, that they were found.
  EXPECT_GE(checked, 30u);
}

TEST(CliHelpExamplesTest, TheExampleFinderSeesEveryCommandOfALine) {
  auto found = exampleCommands(
      "\nExamples:\n  certchaos up && export KUBECONFIG=$(certchaos kubeconfig)\n"
      "  certchaos deploy certificate demo --dns a.b \\\n      --duration 1h\n"
      "  certchaos report list -o json | jq .\n");
  EXPECT_EQ(found, (std::vector<std::string>{"up ", "kubeconfig",
                                             "deploy certificate demo "
                                             "--dns a.b --duration 1h",
                                             "report list -o json "}));
}

}  // namespace
}  // namespace certchaos::cli
