// Scenario 5: fail the first N attempts (or, with a probability, a seeded share of them), then
// succeed. Failed (terminal, cert-manager backs off and makes a new request) or Pending
// (retried on the same request after retryAfter).
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class FailTransient final : public Fault {
 public:
  explicit FailTransient(const ParameterSet& params)
      : attempts_(params.integer("attempts")),
        mode_(params.text("mode")),
        retryAfter_(params.duration("retryAfter")),
        message_(params.text("message")) {}
  std::string_view type() const override { return "fail-transient"; }
  FaultPhase phase() const override { return FaultPhase::kFailure; }
  std::string describe() const override {
    return "failed the attempt (" + mode_ + ")" +
           (attempts_ > 0 ? ", as it does for the first " + std::to_string(attempts_) + " attempts"
                          : "");
  }
  std::optional<Failure> fail(const RequestContext& ctx, Random& /*random*/) const override {
    if (attempts_ > 0 && ctx.attempt > attempts_) return std::nullopt;
    Failure f;
    f.message = message_ + " (attempt " + std::to_string(ctx.attempt) + ")";
    if (mode_ == "pending") {
      f.kind = Failure::Kind::kPending;
      f.setFailureTime = false;
      f.retryAt =
          ctx.now + std::chrono::duration_cast<std::chrono::system_clock::duration>(retryAfter_);
    }
    return f;
  }

 private:
  std::int64_t attempts_;
  std::string mode_;
  std::chrono::nanoseconds retryAfter_;
  std::string message_;
};

}  // namespace

const FaultFactory& failTransient() {
  static const FaultFactory kFactory{
      {"fail-transient",
       "fail the first N attempts (or a seeded share of them), then succeed",
       {param("attempts", ParameterKind::kInteger, "2",
              "fail attempts 1..N of each Certificate revision; 0 = every attempt the probability "
              "picks"),
        param("mode", ParameterKind::kEnum, "failed",
              "failed: Ready=False reason=Failed with failureTime (cert-manager backs off, then "
              "makes "
              "a new request); pending: Ready=False reason=Pending, retried on the same request",
              {"failed", "pending"}),
        param("retryAfter", ParameterKind::kDuration, "30s", "pending mode: when to try again"),
        param("message", ParameterKind::kText,
              "the CA is temporarily unavailable: 503 Service Unavailable, try again later",
              "the failure message")}},
      &make<FailTransient>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
