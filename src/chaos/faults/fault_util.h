// Helpers shared by the fault files (private to src/chaos/faults).
#pragma once

#include <memory>
#include <string>

#include "certchaos/chaos/fault.h"
#include "certchaos/chaos/parameters.h"
#include "certchaos/common/duration.h"

namespace certchaos::chaos::faults {

// "1h0m0s", or "1h (1m0s at time scale 60)" when the scenario is time-compressed.
inline std::string durationText(const ParameterSet& params, const std::string& name) {
  const std::string wall = formatGoDuration(params.duration(name));
  if (params.timeScale() == 1) return wall;
  return params.nominal().at(name) + " (" + wall + " at time scale " +
         std::to_string(params.timeScale()) + ")";
}

// A failure with a fixed message on every request it applies to: fail-permanent (with
// failureTime) and fail-no-failure-time (without) differ only in that flag.
class FixedFailure : public Fault {
 public:
  FixedFailure(std::string_view type, std::string message, bool setFailureTime)
      : type_(type), message_(std::move(message)), setFailureTime_(setFailureTime) {}
  std::string_view type() const override { return type_; }
  FaultPhase phase() const override { return FaultPhase::kFailure; }
  std::string describe() const override {
    return std::string("failed the request") +
           (setFailureTime_ ? "" : " without status.failureTime") + ": " + message_;
  }
  std::optional<Failure> fail(const RequestContext& /*ctx*/, Random& /*random*/) const override {
    return Failure{Failure::Kind::kFailed, message_, setFailureTime_, std::nullopt};
  }

 private:
  std::string_view type_;
  std::string message_;
  bool setFailureTime_;
};

template <typename T>
std::shared_ptr<const Fault> make(const ParameterSet& params) {
  return std::make_shared<const T>(params);
}

}  // namespace certchaos::chaos::faults
