#include "run_backoff.h"

#include <unistd.h>

#include <iostream>

#include "certchaos/common/duration.h"
#include "certchaos/report/duration_format.h"
#include "certchaos/scenario/runner.h"

namespace certchaos::cli {

namespace lc = localcluster;

namespace {

std::string figures(const lc::CertManagerBackoff& b) {
  return formatGoDuration(b.minimum) + " minimum, " + formatGoDuration(b.maximum) + " maximum";
}

}  // namespace

Result<std::unique_ptr<RunBackoff>> RunBackoff::arrange(const CliContext& cli, const Target& target,
                                                        double timeScale) {
  auto make = [&cli](report::CertManagerBackoff b) {
    return std::unique_ptr<RunBackoff>(new RunBackoff(cli, std::move(b)));
  };
  if (!target.local()) {
    return make(scenario::productionBackoff(
        "The cluster (" + target.clusterName() +
        ") is not certchaos's local plane: its cert-manager runs with its own flags "
        "(by default 1h, doubling up to 32h), which certchaos cannot change, so a failed "
        "issuance is retried at production delays; the prediction carries the production "
        "figures."));
  }
  lc::LocalCluster plane(target.plane->stateDir);
  if (!(timeScale > 1)) {
    auto status = plane.backoffStatus();
    if (!status) return status.error();
    return make({false, status->inForce.minimum, status->inForce.maximum,
                 "Time scale 1: nothing to scale; the local plane's cm-controller runs with " +
                     figures(status->inForce) + "."});
  }
  const lc::CertManagerBackoff wanted = lc::scaledBackoff(timeScale);
  const pid_t pid = ::getpid();
  const lc::ProcessId self{pid, lc::processStartTime(pid).value_or(0)};
  auto grant = plane.holdBackoff(wanted, self, cli.err());
  if (!grant) {
    return makeError(grant.error().code,
                     "expected to restart the local plane's cm-controller with cert-manager's "
                     "back-off scaled to " +
                         figures(wanted) + " for this run, found: " + grant.error().message);
  }
  if (!grant->granted) {
    std::string pids;
    for (pid_t p : grant->others) pids += (pids.empty() ? "" : ", ") + std::to_string(p);
    return make({false, grant->inForce.minimum, grant->inForce.maximum,
                 "Another run on the local plane (pid " + pids +
                     ") holds cm-controller's back-off at " + figures(grant->inForce) +
                     "; it was not changed under that run, so this run's retries come at those "
                     "delays, not at " +
                     figures(wanted) + "."});
  }
  auto out = make({true, wanted.minimum, wanted.maximum,
                   "The local plane's cm-controller ran with cert-manager's 1h and 32h divided by "
                   "the time scale " +
                       report::formatTimeScale(timeScale) + " for this run (restored after it)."});
  out->stateDir_ = target.plane->stateDir;
  out->self_ = self;
  return out;
}

RunBackoff::~RunBackoff() {
  if (stateDir_.empty()) return;
  lc::LocalCluster plane(stateDir_);
  if (auto r = plane.releaseBackoff(self_, cli_.err()); !r) {
    cli_.err() << "warning: could not restore cert-manager's back-off on the local plane: "
               << r.error().message << "\n  'certchaos up' restores it once no run holds it\n";
  }
}

}  // namespace certchaos::cli
