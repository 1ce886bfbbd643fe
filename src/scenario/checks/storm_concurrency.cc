// "request concurrency bounded" (renewal-storm): at most `per-certificate` requests in flight
// (created, not yet answered) for each Certificate of the storm, at any moment. One each is what
// renewing them all at once costs; more means requests piled on unanswered ones.
#include <array>
#include <cstdio>

#include "check_kind.h"

namespace certchaos::scenario::checks {

std::string stormRateText(const StormFigures& f) {
  std::string out = std::to_string(f.requests) + " request(s), " + std::to_string(f.issued) +
                    " issued, " + std::to_string(f.failed) + " failed";
  if (f.issuedPerSecond > 0) {
    std::array<char, 32> rate{};
    std::snprintf(rate.data(), rate.size(), "%.1f", f.issuedPerSecond);
    out += std::string(", ") + rate.data() + " issued/s";
  }
  return out;
}

// Settled once every Certificate of the storm has its answer and settleTime has passed since the
// last one (or the run ended); `extra` may ask for longer.
bool stormSettled(const Evidence& e, const StormFigures& f, std::chrono::nanoseconds extra) {
  if (e.ended) return true;
  return f.allConcludedAt && e.now - *f.allConcludedAt >= std::max(e.settleTime, extra);
}

namespace {

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.storm) {
    return cannotEvaluate(
        "the run renewed one Certificate, not a storm (scenario 28, "
        "renewal-storm, renews many together)");
  }
  const auto f = stormFigures(*e.storm);
  const int perCertificate = toleranceCount(spec, "per-certificate");
  const int limit = perCertificate * f.certificates;
  const std::string figures = "peak " + std::to_string(f.peakInFlight) + " request(s) in flight" +
                              (f.peakAt ? " at " + timeText(*f.peakAt) : "") + " for " +
                              std::to_string(f.certificates) + " Certificates (at most " +
                              std::to_string(limit) + " allowed); " + stormRateText(f);
  if (f.peakInFlight > limit) {
    return {report::CheckOutcome::kViolated, true, figures, f.peakAt};
  }
  if (e.ended && f.concluded < f.certificates) {
    return {report::CheckOutcome::kHeld, true,
            figures + "; " + std::to_string(f.certificates - f.concluded) +
                " Certificate(s) had no answer when the run ended",
            e.now};
  }
  return {report::CheckOutcome::kHeld, stormSettled(e, f, {}), figures, e.now};
}

}  // namespace

const CheckKind& stormConcurrency() {
  static const CheckKind kKind{"storm-concurrency", {{"per-certificate", "count"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
