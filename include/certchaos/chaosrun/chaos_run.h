// ChaosRun (certchaos.io/v1alpha1): one end scenario as a resource (DESIGN.md §3). Its names,
// phases and start conditions, and the runner's options read from its spec.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/common/result.h"
#include "certchaos/kube/resource.h"
#include "certchaos/scenario/runner.h"

namespace certchaos::chaosrun {

// Phases, in order: Waiting (for the start conditions) → Running → Completed | Aborted.
inline constexpr const char* kWaiting = "Waiting";
inline constexpr const char* kRunning = "Running";
inline constexpr const char* kCompleted = "Completed";
inline constexpr const char* kAborted = "Aborted";

// Start conditions in status.conditions.
inline constexpr const char* kCertificateSigned = "CertificateSigned";
inline constexpr const char* kIssuerReady = "IssuerReady";
inline constexpr const char* kIssuerFree = "IssuerFree";

// Set (to "true") by `certchaos abort`: the run stops with its rollback and ends Aborted; the
// object and its status stay.
inline constexpr const char* kAbortAnnotation = "certchaos.io/abort";
bool abortRequested(const nlohmann::json& run);

// Keeps a deleted run until its rollback is done.
inline constexpr const char* kFinalizer = "certchaos.io/rollback";
// On the report ConfigMap: the run it belongs to (also its owner reference).
inline constexpr const char* kRunLabel = "certchaos.io/chaosrun";
inline constexpr const char* kReportKey = "report.json";

// "ns/name" of a ChaosRun object.
std::string runKey(const nlohmann::json& run);
// status.phase, "" when the controller has not seen it yet.
std::string phaseOf(const nlohmann::json& run);
bool finished(const std::string& phase);

// The runner's options from a ChaosRun's spec (the runs directory, logs, progress are the
// controller's). What the CRD's validation cannot tell (an unknown parameter or check, a
// ChaosClusterIssuer scenario on a namespaced issuer...) is an error naming the field and
// what to fix; nothing here talks to the cluster.
Result<scenario::RunOptions> runOptionsFor(const nlohmann::json& run);

// spec.logs: where the run reads the issuer's, cert-manager's and the app's logs, as
// `certchaos run --issuer-logs` takes them (components it does not name: the defaults).
Result<scenario::LogOverrides> logOverridesFor(const nlohmann::json& run);

// The ConfigMap that keeps a run's report: "<run>-report", shortened to fit a name.
std::string reportConfigMapName(const std::string& runName);

}  // namespace certchaos::chaosrun
