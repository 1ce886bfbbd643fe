// Decision: what the request reconciler should do with a CertificateRequest, as the fault
// engine decides it (healthy behaviour when no fault fires).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace certchaos::chaos {

using SystemTime = std::chrono::system_clock::time_point;

// One fault that acted on a request: the proof that it ran (an Event on the request, a metric).
struct AppliedFault {
  std::string type;     // the fault type, e.g. "sleep"
  std::string reason;   // the Event reason, e.g. "ChaosSleep"
  std::string message;  // what it did, with its parameters
};

enum class Action {
  kIgnore,           // not this issuer's request: leave it alone
  kWaitForApproval,  // neither Approved nor Denied yet: do nothing until that changes
  kReportDenied,     // Denied by an approver: Ready=False reason=Denied, failureTime = now
  kDeny,             // chaos: add Denied=True (as an approver would), then as kReportDenied
  kHold,             // Ready=False reason=Pending; look again at requeueAt (never if absent)
  kFail,             // see Failure
  kSign,             // sign with FaultEngine::sign and write Ready=True reason=Issued
};

const char* actionName(Action action);

struct Failure {
  enum class Kind {
    kPending,  // retryable on the same request: Ready=False reason=Pending, requeue at retryAt
    kFailed,   // terminal: Ready=False reason=Failed
  };
  Kind kind = Kind::kFailed;
  std::string message;
  // Set status.failureTime (always, for a healthy issuer; fail-no-failure-time clears it).
  bool setFailureTime = true;
  std::optional<SystemTime> retryAt;  // kPending only
};

struct Decision {
  Action action = Action::kSign;
  std::string message;             // the condition message for every action but kSign
  std::optional<Failure> failure;  // kFail
  // kHold: the hold's start; persist it on the request if the context had none.
  std::optional<SystemTime> holdStartedAt;
  // kHold, or kFail with a kPending failure: when to reconcile again; absent = only on change.
  std::optional<SystemTime> requeueAt;
  std::vector<AppliedFault> applied;       // one Event each
  std::vector<std::size_t> signingFaults;  // for FaultEngine::sign: faults that shape the output
};

}  // namespace certchaos::chaos
