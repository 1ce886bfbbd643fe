// "The Certificate recovers soon after the issuer does" (outage-window): the time from the end
// of the issuer's outage to the Secret holding a renewed certificate, within the lag tolerance.
// Its evidence names what held the Certificate back, from what the run saw: the request that
// failed last before the issuer recovered, cert-manager's back-off that followed (the figures in
// force on the plane), when that back-off ended, and the workaround.
#include <cmath>

#include "check_kind.h"

namespace certchaos::scenario::checks {
namespace {

std::string nominalText(std::chrono::nanoseconds wall, const Evidence& e) {
  const double scale = e.timeScale >= 1 ? e.timeScale : 1;
  return durationText(std::chrono::round<std::chrono::seconds>(
             std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(
                 static_cast<double>(wall.count()) * scale)))) +
         " nominal";
}

// cert-manager's trigger controller: minimum × 2^(failures−1), at most maximum.
std::chrono::nanoseconds backoffAfter(int failures, const report::CertManagerBackoff& b) {
  auto delay = b.minimum;
  for (int i = 1; i < failures && delay < b.maximum; ++i) delay *= 2;
  return std::min(delay, b.maximum);
}

// Why the Certificate recovered when it did, from the requests the run saw.
std::string causeText(const Evidence& e) {
  const SystemTime issuerBack = *e.issuerRecoveredAt;
  const RequestObservation* lastFailed = nullptr;
  int failures = 0;
  for (const auto& r : e.requests) {
    if (!(r.failed || r.denied) || !r.decidedAt || *r.decidedAt > issuerBack) continue;
    ++failures;
    if (lastFailed == nullptr || *r.decidedAt > *lastFailed->decidedAt) lastFailed = &r;
  }
  if (lastFailed == nullptr) {
    return "no request failed during the outage: the request held through it was answered once "
           "the issuer was back, so cert-manager's failure back-off never applied";
  }
  const RequestObservation* retry = nullptr;
  for (const auto& r : e.requests) {
    if (r.createdAt > *lastFailed->decidedAt &&
        (retry == nullptr || r.createdAt < retry->createdAt))
      retry = &r;
  }
  std::string out = "CertificateRequest " + lastFailed->name + " failed at " +
                    timeText(*lastFailed->decidedAt) + " (failure " + std::to_string(failures) +
                    " of the run, during the outage)";
  if (!e.backoff) return out + "; cert-manager's back-off in force is unknown";
  const auto delay = backoffAfter(failures, *e.backoff);
  SystemTime due = *lastFailed->decidedAt + delay;
  out += "; cert-manager's back-off in force (" + durationText(e.backoff->minimum) +
         " doubling to " + durationText(e.backoff->maximum) +
         (e.backoff->scaled ? ", scaled" : "") + ") held the next attempt back " +
         durationText(delay) + " (" + nominalText(delay, e) + "), until about " + timeText(due);
  // After its back-off, cert-manager's trigger re-issues a still-valid certificate only when a
  // policy says so, the renewal time first: a failed renewal forced ahead of it waits for it.
  if (e.renewalDueAt && *e.renewalDueAt > due) {
    due = *e.renewalDueAt;
    out += "; then it waited for the certificate's renewal time " + timeText(due) +
           " (the failed renewal had been forced ahead of it, and cert-manager re-issues a valid "
           "certificate only once it is due)";
  }
  if (retry == nullptr) return out + "; no further request was seen";
  // lastFailureTime has whole seconds: a retry up to a second early is still the back-off's.
  if (retry->createdAt + std::chrono::seconds(1) < due) {
    out += "; " + retry->name + " came at " + timeText(retry->createdAt) +
           ", before cert-manager's retry was due: a renewal forced by hand (certchaos renew) "
           "ended the lag";
  } else {
    out += "; cert-manager asked again with " + retry->name + " at " + timeText(retry->createdAt) +
           ", " + durationText(retry->createdAt - issuerBack) + " after the issuer was back";
  }
  return out;
}

CheckEvaluation evaluate(const chaos::CheckSpec& spec, const Evidence& e) {
  if (!e.issuerRecoveredAt) {
    return cannotEvaluate("the issuer's recovery time is unknown (only outage-window has one)");
  }
  const SystemTime issuerBack = *e.issuerRecoveredAt;
  const auto tolerance = toWall(toleranceDuration(spec, "lag"), e);
  const std::string toleranceNote = " (tolerance " + toleranceText(spec, "lag") + " nominal)";
  const SecretObservation* renewed = nullptr;
  for (const auto& s : e.secret) {
    // A certificate stored before the run's renewal (cert-manager's own, on time) is no recovery.
    if (e.renewalForcedAt && s.at < *e.renewalForcedAt) continue;
    if (s.serial != e.baseSerial && (renewed == nullptr || s.at < renewed->at)) renewed = &s;
  }
  const std::string back = "the issuer recovered at " + timeText(issuerBack);
  const std::string workaround =
      "; workaround: 'certchaos renew' (or 'cmctl renew') once the issuer is back skips the "
      "back-off";
  if (renewed != nullptr) {
    const auto lag =
        std::max(std::chrono::nanoseconds(0),
                 std::chrono::duration_cast<std::chrono::nanoseconds>(renewed->at - issuerBack));
    const bool held = lag <= tolerance;
    return {held ? report::CheckOutcome::kHeld : report::CheckOutcome::kViolated, true,
            back + "; the Secret held renewed serial " + renewed->serial + " at " +
                timeText(renewed->at) + ": recovery lag " + durationText(lag) + " (" +
                nominalText(lag, e) + ")" + toleranceNote + ". Cause: " + causeText(e) +
                (held ? "" : workaround),
            renewed->at};
  }
  if (e.now >= issuerBack + tolerance) {
    return {report::CheckOutcome::kViolated, true,
            back + "; no renewed certificate in the Secret " + durationText(e.now - issuerBack) +
                " later" + toleranceNote + ". Cause so far: " + causeText(e) + workaround,
            issuerBack + tolerance};
  }
  return undecided(e, e.now < issuerBack ? "the issuer's outage has not ended yet"
                                         : "no renewed certificate in the Secret yet");
}

}  // namespace

const CheckKind& recoveredWithin() {
  static const CheckKind kKind{"recovered-within", {{"lag", "duration"}}, &evaluate};
  return kKind;
}

}  // namespace certchaos::scenario::checks
