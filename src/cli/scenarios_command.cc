// scenarios: the catalog of numbered scenarios and fault types.
#include <iostream>

#include "certchaos/chaos/catalog.h"
#include "cli_context.h"
#include "output.h"

namespace certchaos::cli {

namespace {

// The hypothesis's checks: their names ("renewed-before-expiry, probes-valid"); -o wide adds
// each one's tolerance ("renewed-before-expiry(margin=0s)").
std::string checksText(const chaos::ScenarioInfo& s, bool wide) {
  if (s.checks.empty()) return "-";
  std::string out;
  for (const auto& c : s.checks) {
    out += (out.empty() ? "" : ", ") + c.kind;
    if (wide && !c.tolerance.empty()) {
      std::string tolerance;
      for (const auto& [k, v] : c.tolerance) {
        tolerance += (tolerance.empty() ? "" : ",") + k + "=" + (v.empty() ? "\"\"" : v);
      }
      out += "(" + tolerance + ")";
    }
  }
  return out;
}

int runScenarios(const CliContext& cli, const std::string& format) {
  if (auto ok = checkFormat(format, {"text", "wide", "json", "yaml"}); !ok) {
    return cli.usage(ok.error().message, "scenarios");
  }
  if (format == "json") {
    cli.out() << chaos::catalogToJson().dump(2) << "\n";
    return kExitOk;
  }
  if (format == "yaml") {
    cli.out() << toYaml(chaos::catalogToJson());
    return kExitOk;
  }
  const bool wide = format == "wide";
  // A terminal gets one line per scenario; pipes and -o wide get the whole text.
  const std::size_t width = wide || !isTerminal(1) ? 0 : 48;
  std::vector<std::string> header = {"NO",      "NAME",       "STATUS", "BY",
                                     "INJECTS", "HYPOTHESIS", "CHECKS"};
  if (wide) header.insert(header.end(), {"PARAMETERS", "MOTIVATED BY"});
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : chaos::scenarioCatalog()) {
    std::vector<std::string> row = {std::to_string(s.number),
                                    s.name,
                                    chaos::scenarioStatusName(s.status),
                                    s.injectedBy,
                                    truncate(s.injects, width),
                                    truncate(s.hypothesis, width),
                                    checksText(s, wide)};
    if (wide) {
      std::string params;
      for (const auto& p : s.parameters) {
        params += (params.empty() ? "" : ",") + p.name +
                  (p.defaultValue.empty() ? "" : "=" + p.defaultValue);
      }
      row.push_back(params);
      row.push_back(s.motivatedBy);
    }
    rows.push_back(std::move(row));
  }
  printTable(cli.out(), header, rows);
  return kExitOk;
}

}  // namespace

void addScenariosCommand(CLI::App& app, CliContext& cli) {
  auto format = std::make_shared<std::string>("text");
  auto* cmd =
      app.add_subcommand("scenarios",
                         "list the scenario catalog: number, name, status, what it injects, the "
                         "default hypothesis and the checks that test it");
  cmd->add_option("-o,--output", *format, "text, wide, json or yaml")->capture_default_str();
  setExamples(
      cmd,
      "  certchaos scenarios\n"
      "  certchaos scenarios -o wide       # with parameters and the incidents behind them\n"
      "  certchaos scenarios -o json | jq '.scenarios[] | select(.number == 3)'\n"
      "  certchaos scenarios -o json | jq '.scenarios[2].checks'   # checks with tolerances\n");
  cmd->callback(
      [&cli, format] { cli.action = [&cli, format] { return runScenarios(cli, *format); }; });
}

}  // namespace certchaos::cli
