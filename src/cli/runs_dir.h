// The runs directory: one subdirectory per run (<runs dir>/<run id>/report.json, runner.pid).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/report/report.h"

namespace certchaos::cli {

// $CERTCHAOS_RUNS_DIR, else $XDG_STATE_HOME/certchaos-runs, else ~/.local/state/certchaos-runs.
std::string defaultRunsDir();

struct RunEntry {
  std::string id;   // the directory's name
  std::string dir;  // its path
  std::optional<report::Report> report;
  std::string problem;  // why report.json could not be read (then report is empty)
  // Where it came from: "local" (the runs directory) or "cluster" (a ChaosRun's report
  // ConfigMap; then dir is "chaosrun NS/NAME" and chaosRun names it).
  std::string source = "local";
  std::string chaosRun;  // NS/NAME of the ChaosRun
  std::string trimmed;   // what the ChaosRun's report ConfigMap had to leave out
};

// The runs directory is usable: a directory, or not there yet (a run creates it). A file or
// something unreadable in its place is an error that says so.
Result<void> checkRunsDir(const std::string& runsDir);

// Every run directory, oldest first (by run.startedAt; unreadable ones by modification time).
std::vector<RunEntry> listRuns(const std::string& runsDir);

// A run by id, "latest", or a scenario number or name (its latest run). The error lists what
// is there.
Result<RunEntry> findRun(const std::string& runsDir, const std::string& selector);
// The same choice among `runs` (oldest first), found in `where`; a ChaosRun is also chosen by
// its name or NS/NAME.
Result<RunEntry> pickRun(const std::vector<RunEntry>& runs, const std::string& selector,
                         const std::string& where);

// Runs still in progress: pids from <run>/runner.pid that still name the certchaos process that
// wrote them (scenario::liveRunnerPid).
struct LiveRun {
  std::string id;
  int pid = 0;
};
std::vector<LiveRun> liveRuns(const std::string& runsDir);

}  // namespace certchaos::cli
