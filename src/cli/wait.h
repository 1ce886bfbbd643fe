// Waiting for an object to reach a state: GET, then WATCH (never poll) until a predicate says
// done or failed, or the deadline passes; progress shown as Progress does.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stop_token>
#include <string>

#include "certchaos/common/result.h"
#include "certchaos/kube/client.h"

namespace certchaos::cli {

struct WaitState {
  enum Kind { kWaiting, kDone, kFailed } kind = kWaiting;
  std::string state;  // a few words for the progress line, or the failure's reason and message
};

struct WaitSpec {
  kube::ResourceRef resource;
  std::string ns;  // "" for cluster-scoped
  std::string name;
  std::string what;  // "ChaosIssuer demo/ca to be Ready at generation 2"
  std::chrono::nanoseconds timeout{std::chrono::minutes(2)};
  // nullptr when the object does not exist (yet, or any more).
  std::function<WaitState(const nlohmann::json* object)> evaluate;
  std::string hint;  // appended to a timeout error: what to check
};

// The object as it was when evaluate said done. A failure or the timeout is an Error whose
// message carries the last state seen.
Result<nlohmann::json> waitFor(kube::Client& client, const WaitSpec& spec, std::ostream& progress,
                               bool terminal, std::stop_token stop = {});

// "Ready=False InvalidSpec: message" for a condition (or "no Ready condition yet").
std::string describeCondition(const nlohmann::json& object, const std::string& type);

// The usual predicate: Ready=True with observedGeneration == metadata.generation. Ready=False at
// the current generation counts as failed when `falseIsFinal` (the issuer writes it only when it
// gives up); otherwise it is still waiting (cert-manager's Certificates go through it).
WaitState readyAtGeneration(const nlohmann::json* object, bool falseIsFinal);

}  // namespace certchaos::cli
