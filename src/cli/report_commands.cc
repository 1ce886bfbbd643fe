// report list | show: the reports under the runs directory.
#include <fstream>
#include <iostream>

#include "certchaos/common/duration.h"
#include "certchaos/report/renderer.h"
#include "cli_context.h"
#include "cluster_runs.h"
#include "output.h"
#include "runs_dir.h"

namespace certchaos::cli {

using nlohmann::json;

namespace {

// The runs of the runs directory and of the cluster (ChaosRuns, in -n's namespace or all), as
// --source asks. With "all", a cluster that cannot be reached leaves the local runs, and says so.
struct Collected {
  std::vector<RunEntry> runs;
  std::string where;  // for messages: the runs directory and/or the cluster
};

Result<Collected> collectRuns(const CliContext& cli, const std::string& source) {
  if (source != "all" && source != "local" && source != "cluster") {
    return makeError("Usage", "--source: expected all, local or cluster, found '" + source + "'");
  }
  Collected c;
  std::vector<RunEntry> local, cluster;
  if (source != "cluster") {
    if (auto usable = checkRunsDir(cli.global.runsDir); !usable) return usable.error();
    local = listRuns(cli.global.runsDir);
    c.where = cli.global.runsDir;
  }
  if (source != "local") {
    auto target = cli.connect();
    Result<std::vector<RunEntry>> found = target ? listClusterRuns(*target->client, cli.global.ns)
                                                 : Result<std::vector<RunEntry>>(target.error());
    if (found) {
      cluster = std::move(*found);
      c.where += (c.where.empty() ? "" : " and ") + std::string("the ChaosRuns of cluster ") +
                 target->clusterName();
    } else if (source == "cluster") {
      return makeError(found.error().code,
                       "reading the ChaosRuns of the cluster: " + found.error().message);
    } else if (target) {
      cli.err() << "warning: the cluster's ChaosRuns were not read (" << found.error().message
                << "); local runs only (--source local says so without trying)\n";
    } else {
      cli.note("no cluster to read ChaosRuns from (" + found.error().message +
               "): local runs only");
    }
  }
  c.runs = mergeRuns(std::move(local), std::move(cluster));
  return c;
}

std::string sourceOf(const RunEntry& r) {
  return r.source == "cluster" ? "cluster " + r.chaosRun : "local";
}

int runList(const CliContext& cli, const std::string& format, const std::string& source) {
  if (auto ok = checkFormat(format, {"text", "wide", "json", "yaml"}); !ok) {
    return cli.usage(ok.error().message, "report list");
  }
  auto collected = collectRuns(cli, source);
  if (!collected) {
    if (collected.error().code == "Usage")
      return cli.usage(collected.error().message, "report list");
    return cli.fail(collected.error());
  }
  const auto& runs = collected->runs;
  if (format == "json" || format == "yaml") {
    json items = json::array();
    for (const auto& r : runs) {
      json item = {{"id", r.id}, {"dir", r.dir}, {"source", r.source}};
      if (!r.chaosRun.empty()) item["chaosRun"] = r.chaosRun;
      if (!r.trimmed.empty()) item["trimmed"] = r.trimmed;
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
    json doc = {{"runsDir", cli.global.runsDir}, {"from", collected->where}, {"runs", items}};
    cli.out() << (format == "json" ? doc.dump(2) + "\n" : toYaml(doc));
    return kExitOk;
  }
  if (runs.empty()) {
    cli.err() << "no runs in " << collected->where
              << " (certchaos run SCENARIO writes one, a ChaosRun keeps one in the cluster; "
                 "$CERTCHAOS_RUNS_DIR moves the local ones)\n";
    return kExitOk;
  }
  std::vector<std::string> header = {"RUN", "SCENARIO", "VERDICT", "STARTED", "DURATION", "SOURCE"};
  if (format == "wide") header.insert(header.end(), {"CLUSTER", "DIR"});
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : runs) {
    std::vector<std::string> row;
    if (r.report) {
      const auto& run = r.report->run;
      row = {r.id,
             std::to_string(run.scenario.number) + " " + run.scenario.name,
             std::string(report::toString(r.report->verdict.result)),
             formatRfc3339(run.startedAt),
             formatGoDuration(
                 std::chrono::duration_cast<std::chrono::seconds>(run.endedAt - run.startedAt)),
             sourceOf(r)};
      if (format == "wide") row.insert(row.end(), {run.cluster, r.dir});
    } else if (r.source == "cluster") {
      // A ChaosRun without a report yet: its phase (Waiting, Running) in place of a verdict.
      row = {r.id, "?", "no report", "", "", sourceOf(r)};
      if (format == "wide") row.insert(row.end(), {"", r.dir});
      cli.err() << "note: ChaosRun " << r.chaosRun << ": " << r.problem << "\n";
    } else {
      row = {r.id, "?", "unreadable", "", "", sourceOf(r)};
      if (format == "wide") row.insert(row.end(), {"", r.dir});
      cli.err() << "warning: " << r.dir << "/report.json: " << r.problem << "\n";
    }
    rows.push_back(std::move(row));
  }
  printTable(cli.out(), header, rows);
  return kExitOk;
}

}  // namespace

int showReport(const CliContext& cli, const ReportShowOptions& o) {
  auto renderer = report::makeRenderer(
      o.format, {.colour = o.outputFile.empty() && o.format == "text" && isTerminal(1)});
  if (!renderer) return cli.usage("-o: " + renderer.error().message, "report show");
  auto collected = collectRuns(cli, o.source);
  if (!collected) {
    if (collected.error().code == "Usage")
      return cli.usage(collected.error().message, "report show");
    return cli.fail(collected.error());
  }
  auto run = pickRun(collected->runs, o.selector, collected->where);
  if (!run) return cli.fail(run.error());
  if (!run->report) {
    return cli.fail(
        {"BadReport", run->dir + "/report.json is not a valid report: " + run->problem});
  }
  if (run->source == "cluster") {
    cli.err() << "run " << run->id << " from the cluster: ChaosRun " << run->chaosRun
              << " (its report ConfigMap)\n";
    if (!run->trimmed.empty())
      cli.err() << "note: trimmed to fit the cluster: " << run->trimmed << "\n";
  } else {
    cli.note("run " + run->id + " from the runs directory: " + run->dir);
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

void addReportCommands(CLI::App& app, CliContext& cli) {
  auto* report = app.add_subcommand("report", "list and show the reports of past runs");
  report->require_subcommand(1);
  report->fallthrough();
  setExamples(report,
              "  certchaos report list\n  certchaos report show 3 -o html --output r.html\n");

  auto listFormat = std::make_shared<std::string>("text");
  auto listSource = std::make_shared<std::string>("all");
  auto* list = report->add_subcommand(
      "list", "the runs under the runs directory and the cluster's ChaosRuns, oldest first");
  list->add_option("-o,--output", *listFormat, "text, wide, json or yaml")->capture_default_str();
  list->add_option("--source", *listSource,
                   "all, local (the runs directory) or cluster (ChaosRuns in -n's namespace, "
                   "or every namespace)")
      ->capture_default_str();
  setExamples(list,
              "  certchaos report list\n"
              "  certchaos report list -o json | jq -r '.runs[-1].dir'\n"
              "  CERTCHAOS_RUNS_DIR=ci-runs certchaos report list -o wide\n");
  list->callback([&cli, listFormat, listSource] {
    cli.action = [&cli, listFormat, listSource] { return runList(cli, *listFormat, *listSource); };
  });

  auto show = std::make_shared<ReportShowOptions>();
  auto* showCmd =
      report->add_subcommand("show", "render a run's report: text, md, html, json or junit");
  showCmd
      ->add_option("RUN", show->selector,
                   "a run id, a ChaosRun's name, latest, or a scenario number or name (its "
                   "latest run, local or in the cluster)")
      ->capture_default_str();
  showCmd->add_option("--source", show->source, "all, local or cluster")->capture_default_str();
  showCmd->add_option("-o,--format", show->format, "text, md, html, json or junit")
      ->capture_default_str();
  showCmd->add_option("--output", show->outputFile, "write to this file instead of stdout");
  setExamples(showCmd,
              "  certchaos report show                       # the latest run, as text\n"
              "  certchaos report show 3                     # the latest run of scenario 3\n"
              "  certchaos report show chaos-sleep-x7k2q -n demo   # a ChaosRun's report\n"
              "  certchaos report show sleep -o html --output report.html\n"
              "  certchaos report show latest -o junit --output junit.xml\n");
  showCmd->callback([&cli, show] { cli.action = [&cli, show] { return showReport(cli, *show); }; });
}

}  // namespace certchaos::cli
