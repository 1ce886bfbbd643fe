// Scenario 3: hold the request for a delay (fixed or jittered), then sign. The hold is a
// deadline from the persisted start, so no thread waits and a restart keeps the deadline.
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class Sleep final : public Fault {
 public:
  explicit Sleep(const ParameterSet& params)
      : delay_(params.duration("delay")),
        jitter_(params.fraction("jitter")),
        text_(durationText(params, "delay")) {}
  std::string_view type() const override { return "sleep"; }
  FaultPhase phase() const override { return FaultPhase::kHold; }
  std::string describe() const override {
    return "held the request for " + text_ +
           (jitter_ > 0
                ? " plus up to " + std::to_string(static_cast<int>(jitter_ * 100)) + "% jitter"
                : "") +
           " before signing";
  }
  std::optional<std::chrono::nanoseconds> holdFor(const RequestContext& /*ctx*/,
                                                  Random& random) const override {
    return random.jitter(delay_, jitter_);
  }

 private:
  std::chrono::nanoseconds delay_;
  double jitter_;
  std::string text_;
};

}  // namespace

const FaultFactory& sleep() {
  static const FaultFactory kFactory{
      {"sleep",
       "hold the request for a delay, then sign; restart-safe, never blocks other requests",
       {param("delay", ParameterKind::kDuration, "1h", "how long to hold each request"),
        param("jitter", ParameterKind::kFraction, "0",
              "stretch the delay by a seeded random factor in [1, 1 + jitter)")}},
      &make<Sleep>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
