// Scenario 29: the CA is down for a window, then healthy again, within one issuer spec: every
// request in the window is failed (fault=fail, with failureTime, as a CA outage does) or held
// until the window ends (fault=hang). The window opens when the issuer's spec took its current
// form (status.activeSince, RequestContext::chaosSince), so it is the same in every reconcile and
// after a restart, and a runner can read when it ends.
#include "certchaos/common/time.h"
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class OutageWindow final : public Fault {
 public:
  explicit OutageWindow(const ParameterSet& params)
      : window_(std::chrono::duration_cast<std::chrono::system_clock::duration>(
            params.duration("window"))),
        windowText_(durationText(params, "window")),
        hang_(params.text("fault") == "hang"),
        message_(params.text("message")) {}
  std::string_view type() const override { return "outage-window"; }
  FaultPhase phase() const override { return hang_ ? FaultPhase::kHold : FaultPhase::kFailure; }
  std::string describe() const override {
    return std::string(hang_ ? "held the request" : "failed the request") +
           ": the CA is down for " + windowText_ + " from the scenario's start";
  }
  // A hold lasts until the window ends; a request that comes after it is signed at once.
  std::optional<std::chrono::nanoseconds> holdFor(const RequestContext& ctx,
                                                  Random& /*random*/) const override {
    const SystemTime start = ctx.holdStartedAt.value_or(ctx.now);
    const SystemTime end = windowEnd(ctx);
    if (!hang_ || start >= end) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::nanoseconds>(end - start);
  }
  std::optional<Failure> fail(const RequestContext& ctx, Random& /*random*/) const override {
    if (hang_ || ctx.now >= windowEnd(ctx)) return std::nullopt;
    return Failure{Failure::Kind::kFailed, message_, true, std::nullopt};
  }

 private:
  // Without a known start (an engine used outside the issuer), the window opens at the request.
  SystemTime windowEnd(const RequestContext& ctx) const {
    return ctx.chaosSince.value_or(ctx.holdStartedAt.value_or(ctx.now)) + window_;
  }

  std::chrono::system_clock::duration window_;
  std::string windowText_;
  bool hang_;
  std::string message_;
};

}  // namespace

const FaultFactory& outageWindow() {
  static const FaultFactory kFactory{
      {"outage-window",
       "the CA is down for `window` from the scenario's start (every request failed, or held "
       "with fault=hang), then healthy again",
       {param("window", ParameterKind::kDuration, "30m",
              "how long the CA stays down, from when the issuer took the scenario "
              "(status.activeSince)",
              {}, true),
        param("fault", ParameterKind::kEnum, "fail",
              "what the CA does in the window: fail (every request Failed with failureTime) or "
              "hang (held Pending until the window ends)",
              {"fail", "hang"}),
        param("message", ParameterKind::kText,
              "failed to sign certificate: the CA returned 503 Service Unavailable: signing "
              "backend down for maintenance",
              "the failure message (fault=fail)")}},
      &make<OutageWindow>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
