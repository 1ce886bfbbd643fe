// cert-manager's failure back-off for one `run`: on the local plane, scaled by the run's time
// scale for the run and restored after it; elsewhere reported as not scaled (issue 13, item 5).
#pragma once

#include <memory>

#include "certchaos/common/result.h"
#include "certchaos/report/report.h"
#include "cli_context.h"

namespace certchaos::cli {

class RunBackoff {
 public:
  // On the local plane with timeScale > 1, restarts cm-controller with cert-manager's back-off
  // divided by timeScale (unless another live run holds other figures) and waits until it is
  // ready; progress goes to stderr.
  static Result<std::unique_ptr<RunBackoff>> arrange(const CliContext& cli, const Target& target,
                                                     double timeScale);
  // Releases the hold: the plane's back-off is restored when no other run holds it.
  ~RunBackoff();
  RunBackoff(const RunBackoff&) = delete;
  RunBackoff& operator=(const RunBackoff&) = delete;

  // What the report says about the back-off during the run.
  const report::CertManagerBackoff& inForce() const { return inForce_; }

 private:
  RunBackoff(const CliContext& cli, report::CertManagerBackoff inForce)
      : cli_(cli), inForce_(std::move(inForce)) {}
  const CliContext& cli_;
  report::CertManagerBackoff inForce_;
  std::string stateDir_;  // set while this run holds the plane's back-off
  localcluster::ProcessId self_;
};

}  // namespace certchaos::cli
