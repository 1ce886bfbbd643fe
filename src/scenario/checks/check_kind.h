// One kind of check (private to src/scenario): its name, the tolerance keys it reads, and how it
// judges the evidence. Each kind lives in its own file here; registry.cc lists them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/scenario/checks.h"

namespace certchaos::scenario::checks {

struct CheckKind {
  std::string_view name;
  // Tolerance keys and how each value must read: "duration" (Go duration), "count" (integer
  // >= 0) or "text".
  std::vector<std::pair<std::string_view, std::string_view>> tolerance;
  CheckEvaluation (*evaluate)(const chaos::CheckSpec& spec, const Evidence& evidence);
};

const std::vector<const CheckKind*>& checkKinds();
const CheckKind* findKind(std::string_view name);  // nullptr if unknown
// "probes-valid, renewed-before-expiry, ...": what a check name may be.
std::string kindNamesText();

const CheckKind& probesValid();
const CheckKind& renewedBeforeExpiry();
const CheckKind& signalBeforeExpiry();
const CheckKind& maxRequests();
const CheckKind& ownIssuerOnly();
const CheckKind& deniedNotStored();
const CheckKind& clientsReject();
const CheckKind& servedRenewal();
const CheckKind& retriedBeforeExpiry();
const CheckKind& recoveredWithin();
const CheckKind& trustKept();
const CheckKind& replacedWithin();
const CheckKind& stormConcurrency();
const CheckKind& stormRetries();
const CheckKind& oldClientRisk();
const CheckKind& trustsNewRoot();

// ---- helpers shared by the kinds ----

// A tolerance value, validated beforehand by validateCheck (the default when absent).
std::chrono::nanoseconds toleranceDuration(const chaos::CheckSpec& spec, std::string_view key);
int toleranceCount(const chaos::CheckSpec& spec, std::string_view key);
std::string toleranceText(const chaos::CheckSpec& spec, std::string_view key);
// A nominal duration as wall time at the run's time scale.
std::chrono::nanoseconds toWall(std::chrono::nanoseconds nominal, const Evidence& e);

// When the renewal reached an end: a renewed certificate in the Secret (served, when probing),
// or a request that failed or was denied.
std::optional<SystemTime> renewalConcludedAt(const Evidence& e);
// A check that must hold throughout and has held so far: settled once the renewal concluded
// settleTime ago, or the run ended.
CheckEvaluation heldThroughout(const Evidence& e, std::string evidence);
// Settled as "not evaluated" at once: the check needs what the run never had (`why`).
CheckEvaluation cannotEvaluate(std::string why);
// The same, for the checks that judge the application's probes when no application was probed.
CheckEvaluation notProbed();
// Not decided yet: pending while the run goes on, "not evaluated" with `why` once it ended.
CheckEvaluation undecided(const Evidence& e, std::string why);

std::string timeText(SystemTime t);                    // "12:00:50.250Z"
std::string durationText(std::chrono::nanoseconds d);  // "1.5s"

// renewal-storm: "R request(s), I issued, F failed, X issued/s"; and whether the storm has
// settled (every Certificate answered settleTime ago, or `extra` when longer; or the run ended).
std::string stormRateText(const StormFigures& f);
bool stormSettled(const Evidence& e, const StormFigures& f, std::chrono::nanoseconds extra);

}  // namespace certchaos::scenario::checks
