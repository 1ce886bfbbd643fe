// The base the end-to-end scenario tests start from, on the shared local plane: a namespace, a
// healthy ChaosIssuer, a Certificate for the demo application and the application serving it;
// and the runner's options for a run against it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/report/report.h"
#include "certchaos/scenario/runner.h"

namespace certchaos::testing {

struct BaseDeployment {
  std::string ns;
  std::string appUrl;
};

struct BaseOptions {
  int timeScale = 60;
  bool reload = true;           // the application reloads the Secret when it changes
  bool optIn = true;            // the namespace carries the chaos opt-in label
  std::string duration = "1h";  // the Certificate's nominal lifetime
};

// A namespace (labelled for chaos when options.optIn), a healthy ChaosIssuer "chaos" at the time
// scale, a Certificate "app" (Secret app-tls) of nominal lifetime options.duration (1h) renewed at
// 50 %, and the demo app serving it.
BaseDeployment deployBase(const std::string& prefix, const BaseOptions& options);
inline BaseDeployment deployBase(const std::string& prefix, int timeScale, bool reload) {
  return deployBase(prefix, BaseOptions{timeScale, reload, true, "1h"});
}

// A run of `scenario` on the base, forced at the Certificate's renewal time, reports in runsDir.
scenario::RunOptions runOptions(const BaseDeployment& s, const std::string& scenario, int timeScale,
                                const std::string& runsDir);

// Waits (15 s at most) until the application serves a certificate that verifies with the
// Secret's ca.crt under the Certificate's DNS name: the application loads it after it starts
// listening, and a run refuses to inject on a base not served yet. "" once served, else why not.
std::string waitBaseServed(const BaseDeployment& s);

std::vector<std::string> kindsOf(const report::Report& r);
// Index of the first `kind` at or after `from`, or -1.
int indexOf(const std::vector<std::string>& kinds, std::string_view kind, int from = 0);
// The timeline, one "kind: message" a line, for failure messages.
std::string timelineText(const report::Report& r);

// `certchaos run SCENARIO` on the shared plane as a user types it, against the base's Certificate
// and application at `timeScale`, limited to `timeout`, with each `--set`; and the report it
// wrote into `runsDir`, checked against the report schema.
struct CliRun {
  localcluster::CommandOutput output;
  std::optional<report::Report> report;
  std::string dir;  // the run's directory under runsDir
};
CliRun runCli(const BaseDeployment& b, const std::string& scenario, int timeScale,
              const std::string& timeout, const std::vector<std::string>& sets,
              const std::string& runsDir);

// The report's check named `name`, or nullptr.
const report::CheckResult* checkNamed(const report::Report& r, const std::string& name);
// The report's first timeline entry of `kind`, or nullptr.
const report::TimelineEntry* firstEntry(const report::Report& r, std::string_view kind);

}  // namespace certchaos::testing
