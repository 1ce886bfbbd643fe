// Forced renewal of a cert-manager Certificate, exactly as `cmctl renew` does it: the Issuing
// condition set to True (reason ManuallyTriggered) on the Certificate's status subresource.
#pragma once

#include <string>

#include "certchaos/common/clock.h"
#include "certchaos/common/result.h"
#include "certchaos/kube/client.h"

namespace certchaos::scenario {

inline constexpr const char* kManualTriggerReason = "ManuallyTriggered";
inline constexpr const char* kManualTriggerMessage = "Certificate re-issuance manually triggered";

// The Certificate with its Issuing condition set as cmctl sets it: status True, reason
// ManuallyTriggered, observedGeneration = metadata.generation, lastTransitionTime = now unless
// an Issuing=True condition already had one (then it is kept). Pure: no I/O.
nlohmann::json withIssuingTriggered(nlohmann::json certificate,
                                    std::chrono::system_clock::time_point now);

// How long to wait before setting Issuing=True so that cert-manager takes the trigger as newer
// than the Certificate's last failure: it keeps both times to the second and deletes the failed
// request of the revision only when its failureTime is strictly before Issuing's
// lastTransitionTime. Triggered in the same second as the failure, cert-manager counts the old
// failed request as this issuance's outcome, fails it at once and backs off again. Zero when
// the Certificate has no lastFailureTime, it is in an earlier second than `now`, or more than 2 s
// ahead (a clock that far off is not waited out). Pure.
std::chrono::nanoseconds waitBeforeTrigger(const nlohmann::json& certificate,
                                           std::chrono::system_clock::time_point now);

// GETs the Certificate (waiting out waitBeforeTrigger), sets the condition and PUTs /status
// (carrying resourceVersion), re-GETting and retrying a few times on 409 Conflict (cmctl does not
// retry; a controller writing the status at the same moment should not fail a chaos run). Errors
// name the Certificate.
Result<void> forceRenewal(kube::Client& client, const std::string& ns, const std::string& name,
                          Clock& clock);

}  // namespace certchaos::scenario
