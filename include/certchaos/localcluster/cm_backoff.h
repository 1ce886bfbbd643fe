// cert-manager's failure back-off on the local plane: after a failed issuance its trigger
// controller waits minimum × 2^(failures−1), at most maximum, before it retries. A run with time
// compression divides both by its time scale so that a failing scenario tells the production
// story in compressed time; cm-controller takes them as flags.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "certchaos/localcluster/process.h"

namespace certchaos::localcluster {

struct CertManagerBackoff {
  std::chrono::nanoseconds minimum = std::chrono::hours(1);  // cert-manager's defaults
  std::chrono::nanoseconds maximum = std::chrono::hours(32);

  friend bool operator==(const CertManagerBackoff&, const CertManagerBackoff&) = default;
};

inline constexpr const char* kMinimumBackoffFlag = "--certificate-request-minimum-backoff-duration";
inline constexpr const char* kMaximumBackoffFlag = "--certificate-request-maximum-backoff-duration";

// The production figures divided by timeScale (>= 1), to the millisecond and never below 1 ms
// (cert-manager reads a zero minimum as "no back-off at all").
CertManagerBackoff scaledBackoff(double timeScale);

// The back-off a cm-controller command line runs with: its flags, else cert-manager's defaults.
CertManagerBackoff backoffOfArgs(const std::vector<std::string>& args);
// The command line with its back-off flags replaced by `backoff` (as --flag=<Go duration>).
std::vector<std::string> withBackoffArgs(std::vector<std::string> args,
                                         const CertManagerBackoff& backoff);

// Runs that hold the plane's back-off scaled, and the figures to restore once none of them runs:
// recorded in the plane's state, so that a run that crashed never leaves the plane scaled
// silently (`up` restores it, `status` shows it).
struct BackoffHold {
  std::vector<ProcessId> holders;
  CertManagerBackoff restore;
};

// What `status` shows: the back-off in force and who holds it.
struct BackoffStatus {
  CertManagerBackoff inForce;
  std::optional<CertManagerBackoff> restore;  // set while the back-off is held scaled
  std::vector<pid_t> liveHolders;             // runs holding it that still run
};

// The outcome of asking for a scaled back-off for one run.
struct BackoffGrant {
  bool granted = false;        // cm-controller runs with the asked figures for this holder
  CertManagerBackoff inForce;  // what cm-controller runs with
  std::vector<pid_t> others;   // live runs that hold other figures (granted == false)
};

}  // namespace certchaos::localcluster
