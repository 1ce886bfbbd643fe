// Scenario 9: after `limit` issuances per `window`, fail with a rate-limit message naming the
// time to retry after (as ACME CAs do). The issuances counted are those since the issuer's spec
// took its current form (RequestContext::recentIssuances), so a scenario starts from zero; the
// default of one lets a run trip it with one renewal of its own and the one under test.
#include <algorithm>

#include "certchaos/common/time.h"
#include "fault_util.h"
#include "faults.h"

namespace certchaos::chaos::faults {
namespace {

class RateLimit final : public Fault {
 public:
  explicit RateLimit(const ParameterSet& params)
      : limit_(params.integer("limit")),
        window_(std::chrono::duration_cast<std::chrono::system_clock::duration>(
            params.duration("window"))),
        windowText_(durationText(params, "window")) {}
  std::string_view type() const override { return "rate-limit"; }
  FaultPhase phase() const override { return FaultPhase::kFailure; }
  std::string describe() const override {
    return "refused the request: more than " + std::to_string(limit_) + " issuances per " +
           windowText_;
  }
  std::optional<Failure> fail(const RequestContext& ctx, Random& /*random*/) const override {
    std::vector<SystemTime> inWindow;
    for (auto t : ctx.recentIssuances) {
      if (t > ctx.now - window_ && t <= ctx.now) inWindow.push_back(t);
    }
    if (static_cast<std::int64_t>(inWindow.size()) < limit_) return std::nullopt;
    std::sort(inWindow.begin(), inWindow.end());
    // The window frees a slot when the oldest issuance that keeps it full leaves it.
    const SystemTime retryAfter = inWindow[inWindow.size() - static_cast<size_t>(limit_)] + window_;
    return Failure{Failure::Kind::kFailed,
                   "too many certificates (" + std::to_string(inWindow.size()) +
                       ") already issued in the last " + windowText_ + ", retry after " +
                       formatRfc3339(retryAfter) + " (rate limit: " + std::to_string(limit_) +
                       " per " + windowText_ + ")",
                   true, std::nullopt};
  }

 private:
  std::int64_t limit_;
  std::chrono::system_clock::duration window_;
  std::string windowText_;
};

}  // namespace

const FaultFactory& rateLimit() {
  static const FaultFactory kFactory{
      {"rate-limit",
       "after `limit` issuances per `window`, fail with \"too many certificates, retry after T\"",
       {param("limit", ParameterKind::kInteger, "1",
              "issuances allowed per window, counted from the start of the scenario", {}, true),
        param("window", ParameterKind::kDuration, "1h", "the sliding window", {}, true)}},
      &make<RateLimit>};
  return kFactory;
}

}  // namespace certchaos::chaos::faults
