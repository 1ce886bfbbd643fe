#include "runs_dir.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "certchaos/chaos/catalog.h"
#include "certchaos/report/report_json.h"
#include "certchaos/scenario/runner_pid.h"

namespace certchaos::cli {

namespace fs = std::filesystem;

std::string defaultRunsDir() {
  if (const char* v = std::getenv("CERTCHAOS_RUNS_DIR"); v != nullptr && *v != '\0') return v;
  if (const char* v = std::getenv("XDG_STATE_HOME"); v != nullptr && *v != '\0') {
    return std::string(v) + "/certchaos-runs";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.local/state/certchaos-runs";
}

namespace {
std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

Result<void> checkRunsDir(const std::string& runsDir) {
  std::error_code ec;
  const auto status = fs::status(runsDir, ec);
  if (status.type() == fs::file_type::not_found) return {};
  if (ec) {
    return makeError("BadInput", "--runs-dir " + runsDir +
                                     ": expected a readable directory, found an error (" +
                                     ec.message() + "); check its permissions");
  }
  if (status.type() != fs::file_type::directory) {
    return makeError("BadInput", "--runs-dir " + runsDir +
                                     ": expected a directory of runs, found a file; point "
                                     "--runs-dir (or $CERTCHAOS_RUNS_DIR) at a directory");
  }
  fs::directory_iterator probe(runsDir, ec);
  if (ec) {
    return makeError("BadInput", "--runs-dir " + runsDir +
                                     ": expected a readable directory, found one that cannot be "
                                     "listed (" +
                                     ec.message() + "); check its permissions");
  }
  return {};
}

std::vector<RunEntry> listRuns(const std::string& runsDir) {
  std::vector<std::pair<RunEntry, fs::file_time_type>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(runsDir, ec)) {
    if (!entry.is_directory(ec)) continue;
    const fs::path file = entry.path() / "report.json";
    if (!fs::exists(file, ec)) continue;
    RunEntry run;
    run.id = entry.path().filename().string();
    run.dir = entry.path().string();
    auto parsed = report::parseReport(slurp(file));
    if (parsed) {
      run.report = std::move(*parsed);
    } else {
      run.problem = parsed.error().message;
    }
    found.emplace_back(std::move(run), fs::last_write_time(file, ec));
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    if (a.first.report && b.first.report) {
      return a.first.report->run.startedAt < b.first.report->run.startedAt;
    }
    return a.second < b.second;
  });
  std::vector<RunEntry> runs;
  for (auto& f : found) runs.push_back(std::move(f.first));
  return runs;
}

Result<RunEntry> findRun(const std::string& runsDir, const std::string& selector) {
  return pickRun(listRuns(runsDir), selector, runsDir);
}

Result<RunEntry> pickRun(const std::vector<RunEntry>& runs, const std::string& selector,
                         const std::string& runsDir) {
  if (runs.empty()) {
    return makeError("NotFound", "expected a run with a report.json under " + runsDir +
                                     ", found none; run a scenario first (certchaos run 3) or "
                                     "point $CERTCHAOS_RUNS_DIR at your runs");
  }
  for (const auto& r : runs) {
    if (r.id == selector) return r;
  }
  for (const auto& r : runs) {
    if (r.chaosRun.empty()) continue;
    if (r.chaosRun == selector || r.chaosRun.substr(r.chaosRun.find('/') + 1) == selector) {
      if (!r.report) {
        return makeError("NotFound", "ChaosRun " + r.chaosRun + " has no report yet: " + r.problem);
      }
      return r;
    }
  }
  std::vector<const RunEntry*> readable;
  for (const auto& r : runs) {
    if (r.report) readable.push_back(&r);
  }
  if (selector == "latest" || selector.empty()) {
    if (readable.empty()) {
      return makeError("BadReport", "the runs under " + runsDir +
                                        " have no readable report: " + runs.back().problem);
    }
    return *readable.back();
  }
  const auto* scenario = chaos::findScenario(selector);
  for (auto it = readable.rbegin(); it != readable.rend(); ++it) {
    const auto& s = (*it)->report->run.scenario;
    if (s.name == selector || std::to_string(s.number) == selector ||
        (scenario != nullptr && (s.number == scenario->number || s.name == scenario->name))) {
      return **it;
    }
  }
  std::string ids;
  for (const auto& r : runs) {
    ids += "\n  " + r.id + (r.chaosRun.empty() ? "" : " (ChaosRun " + r.chaosRun + ")");
  }
  return makeError("NotFound",
                   "expected a run id, 'latest', or a scenario number or name with "
                   "a run, found '" +
                       selector + "'; the runs in " + runsDir + " are:" + ids);
}

std::vector<LiveRun> liveRuns(const std::string& runsDir) {
  std::vector<LiveRun> live;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(runsDir, ec)) {
    // Never signal a recycled pid or another program: the pid must still be the certchaos
    // process that wrote the file.
    if (auto pid = scenario::liveRunnerPid(entry.path().string())) {
      live.push_back({entry.path().filename().string(), *pid});
    }
  }
  return live;
}

}  // namespace certchaos::cli
