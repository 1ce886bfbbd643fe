// report list | show: the reports under the runs directory.
#include <fstream>
#include <iostream>

#include "certchaos/common/duration.h"
#include "certchaos/report/renderer.h"
#include "cli_context.h"
#include "output.h"
#include "runs_dir.h"

namespace certchaos::cli {

using nlohmann::json;

namespace {

int runList(const CliContext& cli, const std::string& format) {
  if (auto ok = checkFormat(format, {"text", "wide", "json", "yaml"}); !ok) {
    return cli.usage(ok.error().message, "report list");
  }
  if (auto usable = checkRunsDir(cli.global.runsDir); !usable) return cli.fail(usable.error());
  const auto runs = listRuns(cli.global.runsDir);
  if (format == "json" || format == "yaml") {
    json items = json::array();
    for (const auto& r : runs) {
      json item = {{"id", r.id}, {"dir", r.dir}};
      if (r.report) {
        const auto& run = r.report->run;
        item["scenario"] = {{"number", run.scenario.number}, {"name", run.scenario.name}};
        item["verdict"] = report::toString(r.report->verdict.result);
        item["startedAt"] = formatRfc3339(run.startedAt);
        item["endedAt"] = formatRfc3339(run.endedAt);
        item["cluster"] = run.cluster;
      } else {
        item["problem"] = r.problem;
      }
      items.push_back(item);
    }
    json doc = {{"runsDir", cli.global.runsDir}, {"runs", items}};
    cli.out() << (format == "json" ? doc.dump(2) + "\n" : toYaml(doc));
    return kExitOk;
  }
  if (runs.empty()) {
    cli.err() << "no runs under " << cli.global.runsDir
              << " (certchaos run SCENARIO writes one; $CERTCHAOS_RUNS_DIR moves them)\n";
    return kExitOk;
  }
  std::vector<std::string> header = {"RUN", "SCENARIO", "VERDICT", "STARTED", "DURATION"};
  if (format == "wide") header.insert(header.end(), {"CLUSTER", "DIR"});
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : runs) {
    std::vector<std::string> row;
    if (r.report) {
      const auto& run = r.report->run;
      row = {r.id, std::to_string(run.scenario.number) + " " + run.scenario.name,
             std::string(report::toString(r.report->verdict.result)), formatRfc3339(run.startedAt),
             formatGoDuration(
                 std::chrono::duration_cast<std::chrono::seconds>(run.endedAt - run.startedAt))};
      if (format == "wide") row.insert(row.end(), {run.cluster, r.dir});
    } else {
      row = {r.id, "?", "unreadable", "", ""};
      if (format == "wide") row.insert(row.end(), {"", r.dir});
      cli.err() << "warning: " << r.dir << "/report.json: " << r.problem << "\n";
    }
    rows.push_back(std::move(row));
  }
  printTable(cli.out(), header, rows);
  return kExitOk;
}

struct ShowOptions {
  std::string selector = "latest";
  std::string format = "text";
  std::string outputFile;
};

int runShow(const CliContext& cli, const ShowOptions& o) {
  auto renderer = report::makeRenderer(
      o.format, {.colour = o.outputFile.empty() && o.format == "text" && isTerminal(1)});
  if (!renderer) return cli.usage("-o: " + renderer.error().message, "report show");
  if (auto usable = checkRunsDir(cli.global.runsDir); !usable) return cli.fail(usable.error());
  auto run = findRun(cli.global.runsDir, o.selector);
  if (!run) return cli.fail(run.error());
  if (!run->report) {
    return cli.fail(
        {"BadReport", run->dir + "/report.json is not a valid report: " + run->problem});
  }
  const std::string text = (*renderer)->render(*run->report);
  if (o.outputFile.empty() || o.outputFile == "-") {
    cli.out() << text;
    if (!text.empty() && text.back() != '\n') cli.out() << "\n";
    return kExitOk;
  }
  std::ofstream file(o.outputFile, std::ios::binary | std::ios::trunc);
  file << text;
  if (!file.flush()) {
    return cli.fail({"WriteFailed", "--output " + o.outputFile +
                                        ": expected a writable file, could not write it; check "
                                        "the directory exists and is writable"});
  }
  cli.err() << "wrote " << (*renderer)->format() << " report of run " << run->id << " to "
            << o.outputFile << "\n";
  return kExitOk;
}

}  // namespace

void addReportCommands(CLI::App& app, CliContext& cli) {
  auto* report = app.add_subcommand("report", "list and show the reports of past runs");
  report->require_subcommand(1);
  report->fallthrough();
  setExamples(report,
              "  certchaos report list\n  certchaos report show 3 -o html --output r.html\n");

  auto listFormat = std::make_shared<std::string>("text");
  auto* list = report->add_subcommand("list", "the runs under the runs directory, oldest first");
  list->add_option("-o,--output", *listFormat, "text, wide, json or yaml")->capture_default_str();
  setExamples(list,
              "  certchaos report list\n"
              "  certchaos report list -o json | jq -r '.runs[-1].dir'\n"
              "  CERTCHAOS_RUNS_DIR=ci-runs certchaos report list -o wide\n");
  list->callback([&cli, listFormat] {
    cli.action = [&cli, listFormat] { return runList(cli, *listFormat); };
  });

  auto show = std::make_shared<ShowOptions>();
  auto* showCmd =
      report->add_subcommand("show", "render a run's report: text, md, html, json or junit");
  showCmd
      ->add_option("RUN", show->selector,
                   "a run id, latest, or a scenario number or name (its latest run)")
      ->capture_default_str();
  showCmd->add_option("-o,--format", show->format, "text, md, html, json or junit")
      ->capture_default_str();
  showCmd->add_option("--output", show->outputFile, "write to this file instead of stdout");
  setExamples(showCmd,
              "  certchaos report show                       # the latest run, as text\n"
              "  certchaos report show 3                     # the latest run of scenario 3\n"
              "  certchaos report show sleep -o html --output report.html\n"
              "  certchaos report show latest -o junit --output junit.xml\n");
  showCmd->callback([&cli, show] { cli.action = [&cli, show] { return runShow(cli, *show); }; });
}

}  // namespace certchaos::cli
