// Each kind of check over synthetic evidence: held, violated, and undecided (pending while the
// run goes on, not evaluated once it ended).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/chaos/catalog.h"
#include "evidence_builder.h"

namespace certchaos::scenario {
namespace {

using namespace testing;
using report::CheckOutcome;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ChecksTest, EveryCatalogCheckIsAKnownKindWithValidTolerances) {
  for (const auto& s : chaos::scenarioCatalog()) {
    for (const auto& c : s.checks) {
      auto valid = validateCheck(c);
      EXPECT_TRUE(valid) << s.name << ": " << valid.error().message;
    }
  }
}

TEST(ChecksTest, BadChecksSayWhatWasExpected) {
  EXPECT_THAT(validateCheck(spec("probes-vaild")).error().message,
              AllOf(HasSubstr("probes-vaild"), HasSubstr("probes-valid")));
  EXPECT_THAT(validateCheck(spec("max-requests", {{"max", "3"}})).error().message,
              AllOf(HasSubstr("unknown tolerance 'max'"), HasSubstr("expected limit")));
  EXPECT_THAT(validateCheck(spec("max-requests", {{"limit", "-1"}})).error().message,
              HasSubstr("integer >= 0, found '-1'"));
  EXPECT_THAT(validateCheck(spec("renewed-before-expiry", {{"margin", "soon"}})).error().message,
              HasSubstr("duration such as 5m, found 'soon'"));
  auto e = evaluateCheck(spec("nope"), baseEvidence());
  EXPECT_EQ(e.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_TRUE(e.settled);
}

// The seed story: renewal held past expiry, then signed; the app served the renewed certificate
// late. Violated at the deadline; with margin the deadline moves earlier (nominal / time scale).
TEST(ChecksTest, RenewedBeforeExpiry) {
  auto c = spec("renewed-before-expiry", {{"margin", "0s"}});
  Evidence e = baseEvidence();
  e.now = at(30s);
  auto pending = evaluateCheck(c, e);
  EXPECT_EQ(pending.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_FALSE(pending.settled);

  e.now = at(60s);
  auto late = evaluateCheck(c, e);
  EXPECT_EQ(late.outcome, CheckOutcome::kViolated);
  EXPECT_TRUE(late.settled);
  EXPECT_EQ(late.at, at(60s));
  EXPECT_THAT(late.evidence, HasSubstr("serial aa was still in use"));

  e.probes.push_back({at(61s), false, "certificate has expired", "aa"});
  e.probes.push_back({at(75s), true, "", "bb"});
  e.now = at(80s);
  auto cameLate = evaluateCheck(c, e);
  EXPECT_EQ(cameLate.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(cameLate.evidence, HasSubstr("serial bb came 15s late"));

  Evidence good = baseEvidence();
  good.probes.push_back({at(10s), true, "", "bb"});
  good.now = at(11s);
  auto held = evaluateCheck(c, good);
  EXPECT_EQ(held.outcome, CheckOutcome::kHeld);
  EXPECT_TRUE(held.settled);
  EXPECT_EQ(held.at, at(10s));
  // A margin of 55 min nominal at ×60 is 55 s wall: the deadline is t0 + 5 s.
  auto withMargin = evaluateCheck(spec("renewed-before-expiry", {{"margin", "55m"}}), good);
  EXPECT_EQ(withMargin.outcome, CheckOutcome::kViolated);
  EXPECT_EQ(withMargin.at, at(5s));

  Evidence ended = baseEvidence();
  ended.now = at(20s);
  ended.ended = true;
  auto notEvaluated = evaluateCheck(c, ended);
  EXPECT_EQ(notEvaluated.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_TRUE(notEvaluated.settled);
  EXPECT_THAT(notEvaluated.evidence, HasSubstr("the run ended before the deadline"));
}

TEST(ChecksTest, ProbesValidCountsFailureEpisodesAndSettlesAfterTheRenewal) {
  Evidence e = baseEvidence();
  e.secret.push_back({at(5s), "bb", "certchaos chaos CA", at(65s)});
  e.probes.push_back({at(5500ms), true, "", "bb"});
  e.probeCount = 20;
  e.now = at(6s);
  auto soFar = evaluateCheck(spec("probes-valid", {{"failures", "0"}}), e);
  EXPECT_EQ(soFar.outcome, CheckOutcome::kHeld);
  EXPECT_FALSE(soFar.settled) << "held so far; settles settleTime after the renewal concluded";
  EXPECT_THAT(soFar.evidence, HasSubstr("20 probes, every one valid"));
  e.now = at(11s);
  EXPECT_TRUE(evaluateCheck(spec("probes-valid", {{"failures", "0"}}), e).settled);

  e.probes.push_back({at(7s), false, "certificate has expired", "bb"});
  auto violated = evaluateCheck(spec("probes-valid", {{"failures", "0"}}), e);
  EXPECT_EQ(violated.outcome, CheckOutcome::kViolated);
  EXPECT_EQ(violated.at, at(7s));
  EXPECT_THAT(violated.evidence, HasSubstr("certificate has expired (serial bb)"));
  EXPECT_EQ(evaluateCheck(spec("probes-valid", {{"failures", "1"}}), e).outcome,
            CheckOutcome::kHeld);

  e.probing = false;
  EXPECT_EQ(evaluateCheck(spec("probes-valid"), e).outcome, CheckOutcome::kNotEvaluated);
}

// Scenarios 20 and 22: the issuer answers the request, cert-manager refuses the certificate
// (Issuing=False) and stores nothing. That concludes the renewal: the checks that must hold
// throughout settle settleTime later instead of waiting for the base to expire, which would
// blame the fault's persistence on the application.
TEST(ChecksTest, ACertificateCertManagerRefusedConcludesTheRenewal) {
  Evidence e = baseEvidence();
  RequestObservation issued;
  issued.name = "app-2";
  issued.createdAt = at(1100ms);
  issued.approved = issued.issued = true;
  issued.decidedAt = at(1500ms);
  e.requests.push_back(issued);
  e.probeCount = 20;
  e.now = at(8s);
  EXPECT_FALSE(evaluateCheck(spec("probes-valid", {{"failures", "0"}}), e).settled)
      << "an issued request the Secret never got concludes nothing by itself";
  e.issuanceFailedAt = at(2s);
  e.now = at(6s);
  EXPECT_FALSE(evaluateCheck(spec("probes-valid", {{"failures", "0"}}), e).settled);
  e.now = at(7s);
  auto held = evaluateCheck(spec("probes-valid", {{"failures", "0"}}), e);
  EXPECT_EQ(held.outcome, CheckOutcome::kHeld);
  EXPECT_TRUE(held.settled);
  EXPECT_TRUE(evaluateCheck(spec("max-requests", {{"limit", "5"}}), e).settled);
}

TEST(ChecksTest, SignalBeforeExpiryIgnoresLateSignals) {
  auto c = spec("signal-before-expiry", {{"margin", "0s"}});
  Evidence e = baseEvidence();
  e.now = at(60s);
  auto silent = evaluateCheck(c, e);
  EXPECT_EQ(silent.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(silent.evidence, HasSubstr("the Certificate stayed Ready"));
  e.signals.push_back({at(70s), "Certificate Ready=False: expired"});
  e.now = at(70s);
  auto late = evaluateCheck(c, e);
  EXPECT_EQ(late.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(late.evidence, HasSubstr("came late"));
  e.signals.push_back({at(2s), "CertificateRequest app-2 Failed: CA unavailable"});
  auto told = evaluateCheck(c, e);
  EXPECT_EQ(told.outcome, CheckOutcome::kHeld);
  EXPECT_EQ(told.at, at(2s));
  EXPECT_THAT(told.evidence, HasSubstr("CA unavailable"));
}

// Scenario 6 (issue 13): a failed issuance is retried after cert-manager's back-off while the
// certificate in force is still valid, or the certificate expires with nobody asking again.
TEST(ChecksTest, RetriedBeforeExpiryNeedsANewRequestAfterTheFailure) {
  auto c = spec("retried-before-expiry", {{"margin", "0s"}});
  Evidence e = baseEvidence();
  EXPECT_FALSE(evaluateCheck(c, e).settled) << "nothing failed yet";
  RequestObservation failed;
  failed.name = "app-2";
  failed.createdAt = at(1500ms);
  failed.failed = true;
  failed.decidedAt = at(2s);
  e.requests.push_back(failed);
  e.now = at(30s);
  auto waiting = evaluateCheck(c, e);
  EXPECT_FALSE(waiting.settled) << "in back-off, the certificate still valid";
  e.now = at(60s);
  EXPECT_FALSE(evaluateCheck(c, e).settled) << "the application's checks see the expiry first";
  e.now = at(65s);  // notAfter + settleTime
  auto expired = evaluateCheck(c, e);
  EXPECT_EQ(expired.outcome, CheckOutcome::kViolated);
  EXPECT_EQ(expired.at, at(60s));
  EXPECT_THAT(expired.evidence, HasSubstr("back-off outlasted the certificate"));

  RequestObservation retry;
  retry.name = "app-3";
  retry.createdAt = at(62s);  // 1 min after the failure (1h nominal at ×60): too late
  e.requests.push_back(retry);
  EXPECT_THAT(evaluateCheck(c, e).evidence, HasSubstr("retried late, with app-3"));
  e.requests.back().createdAt = at(32s);
  auto retried = evaluateCheck(c, e);
  EXPECT_EQ(retried.outcome, CheckOutcome::kHeld);
  EXPECT_TRUE(retried.settled);
  EXPECT_EQ(retried.at, at(32s));
  EXPECT_THAT(retried.evidence, HasSubstr("retried with app-3 at 12:00:32"));
  EXPECT_THAT(retried.evidence, HasSubstr("30s later (30m0s nominal)"));

  Evidence none = baseEvidence();
  none.ended = true;
  EXPECT_EQ(evaluateCheck(c, none).outcome, CheckOutcome::kNotEvaluated);
}

// Issue 13, silent-failure: when nobody was told, the evidence names the first signal missed
// (the request stayed unanswered) and how each other channel fared.
TEST(ChecksTest, SignalBeforeExpiryNamesTheFirstMissedSignal) {
  auto c = spec("signal-before-expiry", {{"margin", "0s"}});
  Evidence e = baseEvidence();
  RequestObservation held;
  held.name = "app-2";
  held.createdAt = at(1s);
  e.requests.push_back(held);
  e.signals.push_back(
      {at(62s), "Certificate Ready=False: expired", SignalChannel::kCertificateNotReady});
  e.now = at(62s);
  auto missed = evaluateCheck(c, e);
  EXPECT_EQ(missed.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(missed.evidence,
              HasSubstr("first missed signal: no CertificateRequest failed or was denied (app-2 "
                        "never answered)"));
  EXPECT_THAT(missed.evidence, HasSubstr("then: no Warning Event"));
  EXPECT_THAT(missed.evidence, HasSubstr("the Certificate stayed Ready (so did cert-manager's "
                                         "certmanager_certificate_ready_status metric"));
  EXPECT_THAT(missed.evidence, HasSubstr("before the deadline; it came late, at 12:01:02"));

  // A request that failed, but only after the deadline: still the first channel, late.
  e.signals.push_back(
      {at(61s), "CertificateRequest app-2 Failed: CA down", SignalChannel::kRequestFailed});
  EXPECT_THAT(evaluateCheck(c, e).evidence,
              HasSubstr("first missed signal: no CertificateRequest failed or was denied (app-2 "
                        "never answered) before the deadline; it came late, at 12:01:01"));
}

TEST(ChecksTest, MaxRequestsNamesTheRequestOverTheLimit) {
  Evidence e = baseEvidence();
  for (int i = 2; i <= 5; ++i) {
    RequestObservation r;
    r.name = "app-" + std::to_string(i);
    r.createdAt = at(std::chrono::seconds(i));
    e.requests.push_back(r);
  }
  auto over = evaluateCheck(spec("max-requests", {{"limit", "3"}}), e);
  EXPECT_EQ(over.outcome, CheckOutcome::kViolated);
  EXPECT_EQ(over.at, at(5s));
  EXPECT_THAT(over.evidence, HasSubstr("number 4 (app-5)"));
  auto within = evaluateCheck(spec("max-requests", {{"limit", "4"}}), e);
  EXPECT_EQ(within.outcome, CheckOutcome::kHeld);
}

// A healthy Certificate at a compressed time scale renews on cert-manager's schedule several
// times during a run: those requests are named, not counted; a retry or a re-issue loop is.
TEST(ChecksTest, MaxRequestsLeavesScheduledRenewalsOutOfTheCount) {
  Evidence e = baseEvidence();
  for (int i = 2; i <= 6; ++i) {
    RequestObservation r;
    r.name = "app-" + std::to_string(i);
    r.createdAt = at(std::chrono::seconds(15 * i));
    r.scheduledRenewal = i >= 3;  // app-2 is the forced renewal
    e.requests.push_back(r);
  }
  auto healthy = evaluateCheck(spec("max-requests", {{"limit", "1"}}), e);
  EXPECT_EQ(healthy.outcome, CheckOutcome::kHeld) << healthy.evidence;
  EXPECT_THAT(healthy.evidence,
              HasSubstr("1 CertificateRequest(s) during the run, at most 1 allowed; not counted: "
                        "app-3, app-4, app-5, app-6, cert-manager's scheduled renewal(s)"));
  e.requests[2].scheduledRenewal = false;  // app-4: a retry
  auto retried = evaluateCheck(spec("max-requests", {{"limit", "1"}}), e);
  EXPECT_EQ(retried.outcome, CheckOutcome::kViolated);
  EXPECT_EQ(retried.at, at(60s));
  EXPECT_THAT(retried.evidence, HasSubstr("2 CertificateRequests during the run, at most 1 "
                                          "allowed; number 2 (app-4) was created at"));
  EXPECT_THAT(retried.evidence, HasSubstr("not counted: app-3, app-5, app-6"));
}

TEST(ChecksTest, OwnIssuerOnlyCatchesAForeignCertificate) {
  Evidence e = baseEvidence();
  e.secret.push_back({at(5s), "bb", "certchaos chaos CA", at(65s)});
  EXPECT_EQ(evaluateCheck(spec("own-issuer-only"), e).outcome, CheckOutcome::kHeld);
  e.secret.push_back({at(6s), "cc", "rogue CA", at(66s)});
  auto rogue = evaluateCheck(spec("own-issuer-only"), e);
  EXPECT_EQ(rogue.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(rogue.evidence, HasSubstr("issued by CN=rogue CA"));
  e.ownIssuer.clear();
  EXPECT_EQ(evaluateCheck(spec("own-issuer-only"), e).outcome, CheckOutcome::kNotEvaluated);
}

// Issue 13, rogue-issuer: whose certificate reached the Secret is named, and a request left holding
// the rogue's certificate is reported even when the Secret never took it.
TEST(ChecksTest, OwnIssuerOnlyNamesTheRogueAndARequestLeftHoldingItsCertificate) {
  Evidence e = baseEvidence();
  e.rogueIssuer = "certchaos chaos-rogue CA";
  RequestObservation r;
  r.name = "app-2";
  r.issued = true;
  r.certificateSerial = "cc";
  r.certificateIssuer = "certchaos chaos-rogue CA";
  e.requests.push_back(r);
  e.secret.push_back({at(5s), "bb", "certchaos chaos CA", at(65s)});
  e.ended = true;
  auto kept = evaluateCheck(spec("own-issuer-only"), e);
  EXPECT_EQ(kept.outcome, CheckOutcome::kHeld);
  EXPECT_THAT(kept.evidence, HasSubstr("CertificateRequest app-2 was left holding serial cc from "
                                       "CN=certchaos chaos-rogue CA (the rogue's)"));
  e.secret.push_back({at(6s), "cc", "certchaos chaos-rogue CA", at(66s)});
  auto stored = evaluateCheck(spec("own-issuer-only"), e);
  EXPECT_EQ(stored.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(stored.evidence,
              HasSubstr("serial cc issued by CN=certchaos chaos-rogue CA (the rogue's), not by the "
                        "issuer's CA CN=certchaos chaos CA"));
}

// Scenario 21 with a SHA-1 signature: the application loads the certificate and then fails
// every handshake without presenting it (its OpenSSL refuses SHA-1). The fault reached the
// clients; the run used to wait for a served bad certificate until its timeout, inconclusive.
TEST(ChecksTest, ClientsRejectCountsAnApplicationThatPresentsNothingAfterTheBadCertificate) {
  Evidence e = baseEvidence();
  e.secret.push_back({at(2s), "bb", "certchaos chaos CA", at(62s)});
  const std::string refused =
      "TLS handshake failed: error:0A000438:SSL routines::tlsv1 alert "
      "internal error";
  e.probes.push_back({at(2500ms), false, refused, ""});
  e.lastProbeAt = at(3s);
  e.now = at(3s);
  auto blip = evaluateCheck(spec("clients-reject", {{"reason", ""}}), e);
  EXPECT_EQ(blip.outcome, CheckOutcome::kNotEvaluated) << "half a second may be a reload";
  EXPECT_FALSE(blip.settled);
  e.lastProbeAt = e.now = at(3600ms);
  auto held = evaluateCheck(spec("clients-reject", {{"reason", ""}}), e);
  EXPECT_EQ(held.outcome, CheckOutcome::kHeld) << held.evidence;
  EXPECT_TRUE(held.settled);
  EXPECT_EQ(held.at, at(2500ms));
  EXPECT_THAT(held.evidence,
              HasSubstr("since the Secret holds serial bb (12:00:02.000000Z), presents no "
                        "certificate: every handshake fails (" +
                        refused));
  // A reason the error does not name is a violation, as for a served certificate.
  EXPECT_EQ(evaluateCheck(spec("clients-reject", {{"reason", "expired"}}), e).outcome,
            CheckOutcome::kViolated);
  // A failure before the Secret changed is not about the bad certificate.
  e.secret[0].at = at(3s);
  EXPECT_EQ(evaluateCheck(spec("clients-reject", {{"reason", ""}}), e).outcome,
            CheckOutcome::kNotEvaluated);
}

TEST(ChecksTest, DeniedNotStoredIsNotVacuouslyHeld) {
  Evidence e = baseEvidence();
  e.requests.push_back({"app-2", at(2s), true, false, true, false, at(3s), "bb"});
  e.secret.push_back({at(4s), "bb", "certchaos chaos CA", at(64s)});
  e.ended = true;
  auto nothingDenied = evaluateCheck(spec("denied-not-stored"), e);
  EXPECT_EQ(nothingDenied.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_THAT(nothingDenied.evidence, HasSubstr("no request was denied"));
  e.requests.push_back({"app-3", at(5s), false, true, true, false, at(6s), "cc"});
  auto kept = evaluateCheck(spec("denied-not-stored"), e);
  EXPECT_EQ(kept.outcome, CheckOutcome::kHeld);
  // Held, but the issuer's misdeed is named: it signed the Denied request.
  EXPECT_THAT(kept.evidence,
              HasSubstr("app-3 (Denied, signed by the issuer anyway: serial cc); none of their "
                        "certificates reached the Secret"));
  e.secret.push_back({at(7s), "cc", "certchaos chaos CA", at(67s)});
  auto stored = evaluateCheck(spec("denied-not-stored"), e);
  EXPECT_EQ(stored.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(stored.evidence, HasSubstr("serial cc"));
  EXPECT_THAT(stored.evidence, HasSubstr("app-3 (Denied, signed by the issuer anyway"));
}

TEST(ChecksTest, ClientsRejectNamingWhy) {
  auto c = spec("clients-reject", {{"reason", "hostname mismatch|IP address mismatch"}});
  Evidence e = baseEvidence();
  EXPECT_FALSE(evaluateCheck(c, e).settled) << "pending until the bad certificate is served";
  Evidence rejected = e;
  rejected.probes.push_back({at(3s), false, "hostname mismatch", "bb"});
  auto held = evaluateCheck(c, rejected);
  EXPECT_EQ(held.outcome, CheckOutcome::kHeld);
  EXPECT_THAT(held.evidence, HasSubstr("rejected serial bb"));
  Evidence vague = e;
  vague.probes.push_back({at(3s), false, "certificate has expired", "bb"});
  auto wrongReason = evaluateCheck(c, vague);
  EXPECT_EQ(wrongReason.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(wrongReason.evidence, HasSubstr("does not name"));
  Evidence accepted = e;
  accepted.probes.push_back({at(3s), true, "", "bb"});
  EXPECT_EQ(evaluateCheck(c, accepted).outcome, CheckOutcome::kViolated);
  e.ended = true;
  auto never = evaluateCheck(c, e);
  EXPECT_EQ(never.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_THAT(never.evidence, HasSubstr("never reached the application"));
}

// Issue 13: scenario 11's expired certificate never reached the application, because
// cert-manager (v1.20+) refuses to store an already expired one; the check waited for the probes
// until the timeout and the run ended inconclusive. The refusal, naming why, is the rejection.
TEST(ChecksTest, ClientsRejectCountsCertManagersRefusalNamingWhy) {
  auto c = spec("clients-reject", {{"reason", "expired"}});
  Evidence e = baseEvidence();
  e.signals.push_back({at(2s),
                       "Warning Event InvalidCertificate: The certificate request has failed to "
                       "complete and will be retried: Issuer returned an already expired "
                       "certificate (notAfter: 2024-05-01T11:59:00Z) on Certificate ns/app",
                       SignalChannel::kWarningEvent});
  auto refused = evaluateCheck(c, e);
  EXPECT_EQ(refused.outcome, CheckOutcome::kHeld) << refused.evidence;
  EXPECT_TRUE(refused.settled);
  EXPECT_EQ(refused.at, at(2s));
  EXPECT_THAT(refused.evidence,
              HasSubstr("cert-manager refused the certificate at 12:00:02.000000Z, before it "
                        "reached the Secret, so no client could accept it: Warning Event "
                        "InvalidCertificate: "));
  // A refusal that does not name the reason does not pass for it.
  auto other = evaluateCheck(spec("clients-reject", {{"reason", "not yet valid"}}), e);
  EXPECT_EQ(other.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(other.evidence, HasSubstr("does not name not yet valid"));
  // Once the Secret holds the run's certificate, the clients judge it, not the refusal.
  Evidence stored = e;
  stored.secret.push_back({at(3s), "bb", "certchaos chaos CA", at(63s)});
  EXPECT_FALSE(evaluateCheck(c, stored).settled);
  stored.probes.push_back({at(4s), true, "", "bb"});
  EXPECT_EQ(evaluateCheck(c, stored).outcome, CheckOutcome::kViolated);
  // Other Warning Events are no refusal.
  Evidence unrelated = baseEvidence();
  unrelated.signals.push_back(
      {at(2s), "Warning Event Failed: the CA expired", SignalChannel::kWarningEvent});
  EXPECT_FALSE(evaluateCheck(c, unrelated).settled);
}

// The Secret changed a moment ago: not yet "serves X while the Secret holds Y" (issue 13).
TEST(ChecksTest, ServedRenewalWaitsForTheGraceBeforeBlamingTheApplication) {
  auto c = spec("served-renewal", {{"grace", "5s"}});
  Evidence e = baseEvidence();
  e.secret.push_back({at(10s), "bb", "certchaos chaos CA", at(70s)});
  e.now = at(10500ms);
  auto justChanged = evaluateCheck(c, e);
  EXPECT_EQ(justChanged.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_FALSE(justChanged.settled);
  Evidence reloaded = e;
  reloaded.probes.push_back({at(11s), true, "", "bb"});
  auto held = evaluateCheck(c, reloaded);
  EXPECT_EQ(held.outcome, CheckOutcome::kHeld);
  EXPECT_THAT(held.evidence, HasSubstr("1s after the Secret held it"));
  e.now = at(16s);
  e.lastProbeAt = at(16s);  // a probe after the grace still saw aa
  auto stale = evaluateCheck(c, e);
  EXPECT_EQ(stale.outcome, CheckOutcome::kViolated);
  EXPECT_EQ(stale.at, at(15s));
  EXPECT_THAT(stale.evidence,
              HasSubstr("the application serves serial aa while the Secret holds serial bb"));
  EXPECT_THAT(stale.evidence, HasSubstr("it still served the old one at the probe of "
                                        "12:00:16.000000Z, 6s later, more than the grace of 5s"));
}

// The grace has passed, but no probe since then: the application may have reloaded a moment ago.
// Only a probe after the grace that still sees the old certificate is evidence (issue 13: the
// summary claimed "serves X while the Secret holds Y" and the next probe served Y).
TEST(ChecksTest, ServedRenewalBlamesTheApplicationOnlyAfterAProbePastTheGrace) {
  auto c = spec("served-renewal", {{"grace", "5s"}});
  Evidence e = baseEvidence();
  e.secret.push_back({at(10s), "bb", "certchaos chaos CA", at(70s)});
  e.now = at(15400ms);
  e.lastProbeAt = at(14800ms);
  auto waiting = evaluateCheck(c, e);
  EXPECT_EQ(waiting.outcome, CheckOutcome::kNotEvaluated) << waiting.evidence;
  EXPECT_FALSE(waiting.settled);
  e.ended = true;
  auto ended = evaluateCheck(c, e);
  EXPECT_EQ(ended.outcome, CheckOutcome::kNotEvaluated) << ended.evidence;
  EXPECT_THAT(ended.evidence, HasSubstr("before a probe past the grace of 5s"));
  // The next probe saw bb, 5.1 s after: past the grace, and the report says by how much.
  e.ended = false;
  e.probes.push_back({at(15100ms), true, "", "bb"});
  e.lastProbeAt = at(15100ms);
  auto late = evaluateCheck(c, e);
  EXPECT_EQ(late.outcome, CheckOutcome::kViolated) << "5.1s is past the grace of 5s";
  EXPECT_THAT(late.evidence, HasSubstr("it served the old one for 5.1s, more than the grace"));
}

// A renewal that reached the Secret a moment before the old certificate's notAfter: the
// application that loads it within the grace did reload; it is not blamed for the late renewal
// (the grace is not cut short by the old notAfter).
TEST(ChecksTest, ServedRenewalIsNotCutShortByTheOldNotAfter) {
  auto c = spec("served-renewal", {{"grace", "5s"}});
  Evidence e = baseEvidence();  // base notAfter at 60 s
  e.secret.push_back({at(59700ms), "bb", "certchaos chaos CA", at(120s)});
  e.probes.push_back({at(60s), false, "certificate has expired", "aa"});
  e.probes.push_back({at(60100ms), true, "", "bb"});
  e.now = at(60200ms);
  e.lastProbeAt = at(60100ms);
  auto r = evaluateCheck(c, e);
  EXPECT_EQ(r.outcome, CheckOutcome::kHeld) << r.evidence;
  EXPECT_THAT(r.evidence, AllOf(HasSubstr("400ms after the Secret held it"),
                                HasSubstr("the renewal reached the Secret only 300ms before the "
                                          "old notAfter")));
}

// Short-lived certificates renewed again before the application's next reload: serving the later
// one is a reload too.
TEST(ChecksTest, ServedRenewalCountsALaterRenewalAsLoaded) {
  auto c = spec("served-renewal", {{"grace", "5s"}});
  Evidence e = baseEvidence();
  e.secret.push_back({at(10s), "bb", "certchaos chaos CA", at(13s)});
  e.secret.push_back({at(12s), "cc", "certchaos chaos CA", at(20s)});
  e.probes.push_back({at(12200ms), true, "", "cc"});
  e.now = at(20s);
  e.lastProbeAt = at(20s);
  auto r = evaluateCheck(c, e);
  EXPECT_EQ(r.outcome, CheckOutcome::kHeld) << r.evidence;
  EXPECT_THAT(r.evidence, AllOf(HasSubstr("served serial cc 2.2s after the Secret held it"),
                                HasSubstr("a later renewal than serial bb")));
}

TEST(ChecksTest, HypothesisIsDecidedByAViolationOrWhenEverythingSettled) {
  const auto& sleep = *chaos::findScenario("sleep");
  Evidence e = baseEvidence();
  e.now = at(30s);
  auto running = checkHypothesis(sleep.checks, e);
  EXPECT_FALSE(running.decided);
  ASSERT_EQ(running.checks.size(), 2u);
  EXPECT_EQ(running.checks[0].name, "renewed-before-expiry");
  EXPECT_EQ(running.checks[0].description, sleep.checks[0].statement);
  EXPECT_FALSE(running.checks[0].at) << "no time for a check not evaluated";
  e.now = at(60s);
  EXPECT_TRUE(checkHypothesis(sleep.checks, e).decided);
}
}  // namespace
}  // namespace certchaos::scenario

namespace certchaos::scenario {
namespace {

// Issue 13: the timeline held ~50 lines of another Certificate's renewals.
TEST(RunObjectsTest, OnlyEventsAboutTheRunsObjectsCount) {
  RunObjects o{"app", "app-tls", "ChaosIssuer", "chaos"};
  EXPECT_TRUE(eventConcernsRun(o, "Certificate", "app"));
  EXPECT_TRUE(eventConcernsRun(o, "CertificateRequest", "app-12"));
  EXPECT_TRUE(eventConcernsRun(o, "Secret", "app-tls"));
  EXPECT_TRUE(eventConcernsRun(o, "ChaosIssuer", "chaos"));
  EXPECT_FALSE(eventConcernsRun(o, "Certificate", "demo"));
  EXPECT_FALSE(eventConcernsRun(o, "CertificateRequest", "demo-3"));
  EXPECT_FALSE(eventConcernsRun(o, "CertificateRequest", "app-web-1")) << "another Certificate";
  EXPECT_FALSE(eventConcernsRun(o, "CertificateRequest", "app-"));
  EXPECT_FALSE(eventConcernsRun(o, "ChaosIssuer", "other"));
  EXPECT_FALSE(eventConcernsRun(o, "Pod", "app"));
}

// A CI run of oversized size=70000 passed on cert-manager's own "already exists" Warning Event,
// recorded while the padded chain was stored silently.
TEST(RunObjectsTest, CertManagersExpectedCreateConflictIsNoSignal) {
  EXPECT_TRUE(isExpectedCreateConflict(
      "RequestFailed",
      "Failed to create CertificateRequest: certificaterequests.cert-manager.io \"app-3\" "
      "already exists"));
  EXPECT_FALSE(isExpectedCreateConflict(
      "RequestFailed",
      "Failed to create CertificateRequest: admission webhook \"x\" denied the request"))
      << "a create refused for any other reason is a signal";
  EXPECT_FALSE(isExpectedCreateConflict(
      "RequestFailed", "Failed to create CertificateRequest: exceeded quota: requests"));
  EXPECT_FALSE(isExpectedCreateConflict(
      "InvalidCertificate",
      "Failed to create CertificateRequest: certificaterequests.cert-manager.io \"app-3\" "
      "already exists"))
      << "only the request manager's reason";
  EXPECT_FALSE(isExpectedCreateConflict("RequestFailed", "the Secret already exists"));
}
}  // namespace
}  // namespace certchaos::scenario

namespace certchaos::scenario {
namespace {

// Issue 13: run 19 started on the previous run's expired certificate and blamed the new fault.
TEST(PreconditionsTest, TheBaseMustBeValidNowAndFromTheIssuersOwnCa) {
  using namespace testing;
  CertificateFacts good{"aa", at(-10s), at(60s), "certchaos chaos CA"};
  EXPECT_EQ(baseProblem(good, at(0s), "certchaos chaos CA"), "");
  EXPECT_EQ(baseProblem(good, at(0s), ""), "") << "issuer unknown: not judged";
  EXPECT_EQ(baseProblem(std::nullopt, at(0s), ""), "it holds no certificate");
  EXPECT_THAT(baseProblem(good, at(61s), "certchaos chaos CA"),
              ::testing::HasSubstr("it holds serial aa, expired at 2024-05-01T12:01:00Z"));
  EXPECT_THAT(baseProblem(good, at(-11s), "certchaos chaos CA"),
              ::testing::HasSubstr("not valid before"));
  CertificateFacts foreign{"bb", at(-10s), at(60s), "untrusted CA"};
  EXPECT_THAT(baseProblem(foreign, at(0s), "certchaos chaos CA"),
              ::testing::HasSubstr("issued by CN=untrusted CA, not by the issuer's CA"));
}
}  // namespace
}  // namespace certchaos::scenario

namespace certchaos::scenario {
namespace {

using namespace testing;
using report::CheckOutcome;
using ::testing::HasSubstr;

// outage-window: the issuer recovered at +20 s (time scale 60); the request failed at +2 s, so
// with a 60 s back-off (1h nominal, scaled) cert-manager asks again at +62 s: the lag is 42 s wall,
// 42m nominal, and its cause is the back-off, named with its figures.
Evidence outageEvidence() {
  Evidence e = baseEvidence();
  e.baseNotAfter = at(120s);
  e.issuerRecoveredAt = at(20s);
  e.backoff = report::CertManagerBackoff{true, 60s, 1920s, "scaled"};
  RequestObservation failed;
  failed.name = "app-2";
  failed.createdAt = at(1500ms);
  failed.failed = true;
  failed.decidedAt = at(2s);
  e.requests = {failed};
  return e;
}

TEST(ChecksTest, RecoveredWithinMeasuresTheLagAndNamesTheBackoff) {
  auto c = spec("recovered-within", {{"lag", "5m"}});
  Evidence e = outageEvidence();
  e.now = at(10s);
  auto during = evaluateCheck(c, e);
  EXPECT_EQ(during.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_FALSE(during.settled);
  EXPECT_THAT(during.evidence, HasSubstr("outage has not ended"));

  e.now = at(25s);  // 5 s after the recovery, the 5m (5 s) tolerance is used up
  auto late = evaluateCheck(c, e);
  EXPECT_EQ(late.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(late.evidence,
              AllOf(HasSubstr("no renewed certificate"), HasSubstr("app-2 failed at 12:00:02"),
                    HasSubstr("until about 12:01:02"), HasSubstr("certchaos renew")));

  RequestObservation retry;
  retry.name = "app-3";
  retry.createdAt = at(62200ms);
  retry.issued = true;
  retry.decidedAt = at(62500ms);
  e.requests.push_back(retry);
  e.secret.push_back({at(63s), "bb", "certchaos chaos CA", at(200s)});
  e.now = at(64s);
  e.ended = true;
  auto measured = evaluateCheck(c, e);
  EXPECT_EQ(measured.outcome, CheckOutcome::kViolated);
  EXPECT_EQ(measured.at, at(63s));
  EXPECT_THAT(measured.evidence,
              AllOf(HasSubstr("recovery lag 43s (43m0s nominal)"), HasSubstr("1m0s doubling"),
                    HasSubstr("held the next attempt back 1m0s (1h0m0s nominal)"),
                    HasSubstr("asked again with app-3"), HasSubstr("workaround")));

  // The same with a 1h tolerance holds.
  auto tolerant = evaluateCheck(spec("recovered-within", {{"lag", "1h"}}), e);
  EXPECT_EQ(tolerant.outcome, CheckOutcome::kHeld);
}

TEST(ChecksTest, RecoveredWithinSeesARenewalForcedBeforeTheBackoffEnded) {
  Evidence e = outageEvidence();
  RequestObservation forced;
  forced.name = "app-3";
  forced.createdAt = at(21s);
  forced.issued = true;
  forced.decidedAt = at(21500ms);
  e.requests.push_back(forced);
  e.secret.push_back({at(22s), "bb", "certchaos chaos CA", at(200s)});
  e.now = at(23s);
  auto r = evaluateCheck(spec("recovered-within", {{"lag", "5m"}}), e);
  EXPECT_EQ(r.outcome, CheckOutcome::kHeld);
  EXPECT_THAT(r.evidence,
              AllOf(HasSubstr("recovery lag 2s"),
                    HasSubstr("before cert-manager's retry was due: a renewal forced by hand")));
}

// A renewal forced ahead of the renewal time: after the back-off, cert-manager waits for the
// renewal time (+90 s) before it asks again, and the cause says so.
TEST(ChecksTest, RecoveredWithinNamesTheRenewalTimeWhenItComesAfterTheBackoff) {
  Evidence e = outageEvidence();
  e.renewalDueAt = at(90s);
  RequestObservation retry;
  retry.name = "app-3";
  retry.createdAt = at(90200ms);
  retry.issued = true;
  retry.decidedAt = at(90500ms);
  e.requests.push_back(retry);
  e.secret.push_back({at(91s), "bb", "certchaos chaos CA", at(200s)});
  e.now = at(92s);
  auto r = evaluateCheck(spec("recovered-within", {{"lag", "5m"}}), e);
  EXPECT_EQ(r.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(r.evidence, AllOf(HasSubstr("recovery lag 1m11s"),
                                HasSubstr("waited for the certificate's renewal time 12:01:30"),
                                HasSubstr("cert-manager asked again with app-3")));
}

TEST(ChecksTest, RecoveredWithinWithoutAnOutageCannotBeEvaluated) {
  auto r = evaluateCheck(spec("recovered-within"), baseEvidence());
  EXPECT_EQ(r.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_TRUE(r.settled);
}
// old-client-risk: held when the client that trusts only the expired root rejects the
// certificate issued under the fault for the expiry; violated when it accepts it or rejects it
// for something else (no path to an expired root); the base certificate is not judged.
TEST(ChecksTest, OldClientRiskNeedsARejectionForTheExpiredRoot) {
  auto e = baseEvidence();
  e.oldClientRoot = "CN=certchaos expired cross-sign root, notAfter 2020-05-30T10:48:38Z";
  e.oldClientProbes = {{at(0ms), false, "unable to get local issuer certificate", "aa"}};
  auto pending = evaluateCheck(spec("old-client-risk"), e);
  EXPECT_EQ(pending.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_FALSE(pending.settled);

  auto rejected = e;
  rejected.oldClientProbes.push_back(
      {at(3s), false, "certificate has expired at depth 2 (a CA certificate CN=x)", "bb"});
  auto held = evaluateCheck(spec("old-client-risk"), rejected);
  EXPECT_EQ(held.outcome, CheckOutcome::kHeld) << held.evidence;
  EXPECT_THAT(held.evidence,
              AllOf(HasSubstr("old-client risk"), HasSubstr("CN=certchaos expired cross-sign root"),
                    HasSubstr("serial bb"), HasSubstr("certificate has expired")));

  auto accepted = e;
  accepted.oldClientProbes.push_back({at(3s), true, "", "bb"});
  auto noPath = evaluateCheck(spec("old-client-risk"), accepted);
  EXPECT_EQ(noPath.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(noPath.evidence, HasSubstr("accepted serial bb"));

  auto otherReason = e;
  otherReason.oldClientProbes.push_back(
      {at(3s), false, "unable to get local issuer certificate at depth 1", "bb"});
  auto other = evaluateCheck(spec("old-client-risk"), otherReason);
  EXPECT_EQ(other.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(other.evidence, HasSubstr("not for the expired root"));

  auto noOldClient = rejected;
  noOldClient.oldClientRoot.clear();
  EXPECT_EQ(evaluateCheck(spec("old-client-risk"), noOldClient).outcome,
            CheckOutcome::kNotEvaluated);
}

// trusts-new-root: the root of ca.crt after the switch, by subject and key, in the bundle the
// clients held; a root of the same name with another key is not the same root.
TEST(ChecksTest, TrustsNewRootNamesTheMissingRoot) {
  const RootIdentity oldRoot{"CN=certchaos chaos CA", "11"};
  const RootIdentity newRoot{"CN=certchaos alternate root", "22"};
  auto e = baseEvidence();
  e.clientRoots = {oldRoot};
  e.secret = {{at(0ms), "aa", "certchaos chaos CA", at(60s), oldRoot}};
  EXPECT_EQ(evaluateCheck(spec("trusts-new-root"), e).outcome, CheckOutcome::kNotEvaluated);

  e.secret.push_back({at(2s), "bb", "certchaos alternate intermediate", at(62s), newRoot});
  // Judged once the application serves it, with what the client then saw.
  auto waiting = evaluateCheck(spec("trusts-new-root"), e);
  EXPECT_EQ(waiting.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_FALSE(waiting.settled);
  EXPECT_THAT(waiting.evidence, HasSubstr("never served serial bb"));
  e.probes.push_back({at(3s), false, "unable to get local issuer certificate at depth 1", "bb"});
  auto missing = evaluateCheck(spec("trusts-new-root"), e);
  EXPECT_EQ(missing.outcome, CheckOutcome::kViolated);
  EXPECT_TRUE(missing.settled);
  EXPECT_THAT(missing.evidence,
              AllOf(HasSubstr("did not hold the new root CN=certchaos alternate root"),
                    HasSubstr("serial bb"), HasSubstr("[CN=certchaos chaos CA]"),
                    HasSubstr("rejected it at 12:00:03"),
                    HasSubstr("unable to get local issuer certificate")));
  EXPECT_EQ(missing.at, at(3s));

  e.clientRoots = {oldRoot, {"CN=certchaos alternate root", "33"}};
  EXPECT_EQ(evaluateCheck(spec("trusts-new-root"), e).outcome, CheckOutcome::kViolated);

  e.clientRoots = {oldRoot, newRoot};
  auto held = evaluateCheck(spec("trusts-new-root"), e);
  EXPECT_EQ(held.outcome, CheckOutcome::kHeld) << held.evidence;
  EXPECT_THAT(held.evidence, HasSubstr("already held the new root CN=certchaos alternate root"));

  // Without an application, the Secret alone decides.
  e.probing = false;
  e.probes.clear();
  EXPECT_EQ(evaluateCheck(spec("trusts-new-root"), e).outcome, CheckOutcome::kHeld);

  e.clientRoots.clear();
  EXPECT_EQ(evaluateCheck(spec("trusts-new-root"), e).outcome, CheckOutcome::kNotEvaluated);
}

// root-rotation: the bundle from before the rotation, and the Secret's ca.crt from 2 s, each
// probed against what the application serves; the rotated certificate "bb" is served from 3 s.
Evidence rotationEvidence() {
  Evidence e = baseEvidence();
  e.rotatedAt = at(500ms);
  e.oldRootDroppedAt = at(30s);
  e.trusts = {"the CA bundle from before the rotation (CN=old)",
              "the Secret's ca.crt from 12:00:02Z (CN=new, CN=old)"};
  e.secret = {{at(2s), "bb", "new", at(200s)}};
  e.probes = {{at(0ms), true, "", "aa"}, {at(3s), true, "", "bb"}};
  e.trustProbes = {{at(0ms), e.trusts[0], true, "", "aa", "old"},
                   {at(2500ms), e.trusts[1], true, "", "aa", "old"},
                   {at(3s), e.trusts[1], true, "", "bb", "new"},
                   {at(3s), e.trusts[0], true, "", "bb", "new"}};
  return e;
}

TEST(ChecksTest, TrustKeptHoldsOnceEveryTrustVerifiedTheRotatedCertificate) {
  Evidence e = rotationEvidence();
  e.now = at(4s);
  auto early = evaluateCheck(spec("trust-kept"), e);
  EXPECT_EQ(early.outcome, CheckOutcome::kHeld);
  EXPECT_FALSE(early.settled);  // the served renewal concluded 1 s ago; settles after 5 s
  e.now = at(9s);
  auto held = evaluateCheck(spec("trust-kept"), e);
  EXPECT_EQ(held.outcome, CheckOutcome::kHeld);
  EXPECT_TRUE(held.settled);
  EXPECT_THAT(held.evidence,
              AllOf(HasSubstr("every client trust kept verifying the served chain"),
                    HasSubstr("the issuer rotated its root at 12:00:00.5"),
                    HasSubstr("offers the old root until 12:00:30"),
                    HasSubstr("served serial bb (issuer CN=new) from 12:00:03"),
                    HasSubstr("the CA bundle from before the rotation (CN=old) verified it at "
                              "12:00:03")));
}

TEST(ChecksTest, TrustKeptWaitsForEveryTrustToSeeTheRotatedCertificate) {
  Evidence e = rotationEvidence();
  e.trustProbes.pop_back();  // the bundle from before has not been tried on "bb" yet
  e.now = at(9s);
  auto r = evaluateCheck(spec("trust-kept"), e);
  EXPECT_EQ(r.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_FALSE(r.settled);
  EXPECT_THAT(r.evidence, HasSubstr("has not been probed against serial bb"));
}

TEST(ChecksTest, TrustKeptNamesTheTrustThatBrokeAndWhen) {
  Evidence e = rotationEvidence();
  e.trustProbes.back() = {at(3s), e.trusts[0],
                          false,  "unable to get local issuer certificate at depth 0 (the leaf)",
                          "bb",   "new"};
  // A refused connection says nothing about trust: not the break.
  e.trustProbes.insert(e.trustProbes.begin() + 1,
                       {at(1s), e.trusts[0], false, "connect: Connection refused", "", ""});
  e.now = at(3500ms);
  auto r = evaluateCheck(spec("trust-kept"), e);
  EXPECT_EQ(r.outcome, CheckOutcome::kViolated);
  EXPECT_TRUE(r.settled);
  EXPECT_EQ(r.at, at(3s));
  EXPECT_THAT(r.evidence,
              AllOf(HasSubstr("a client trusting the CA bundle from before the rotation (CN=old) "
                              "stopped verifying the served chain at 12:00:03"),
                    HasSubstr("serial bb (issuer CN=new): unable to get local issuer"),
                    HasSubstr("trust did not propagate"),
                    Not(HasSubstr("Secret's ca.crt from "
                                  "12:00:02Z (CN=new, "
                                  "CN=old) stopped"))));
}

TEST(ChecksTest, TrustKeptNeedsTheRunsClientTrusts) {
  Evidence e = baseEvidence();  // another scenario, with --check trust-kept
  auto r = evaluateCheck(spec("trust-kept"), e);
  EXPECT_EQ(r.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_TRUE(r.settled);
  EXPECT_THAT(r.evidence, HasSubstr("root-rotation probes with"));
  e.probing = false;
  EXPECT_THAT(evaluateCheck(spec("trust-kept"), e).evidence, HasSubstr("no application"));
}

// revoked: the renewed certificate "bb" is served at +2 s, found revoked at +5 s (time scale 60:
// a 15m window is 15 s wall).
Evidence revokedEvidence() {
  Evidence e = baseEvidence();
  e.baseNotAfter = at(120s);
  e.secret = {{at(1500ms), "bb", "certchaos chaos CA", at(121s)}};
  e.probes.push_back({at(2s), true, "", "bb"});
  e.probes.push_back(
      {at(5s), false, "certificate revoked at depth 0 (the leaf, serial bb)", "bb", true});
  return e;
}

TEST(ChecksTest, ReplacedWithinWaitsForTheRevocationThenTheWindow) {
  auto c = spec("replaced-within", {{"window", "15m"}});
  Evidence e = baseEvidence();
  e.now = at(30s);
  auto notYet = evaluateCheck(c, e);
  EXPECT_EQ(notYet.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_FALSE(notYet.settled);
  EXPECT_THAT(notYet.evidence, HasSubstr("has not found the served certificate revoked"));
  e.ended = true;
  EXPECT_TRUE(evaluateCheck(c, e).settled);  // not evaluated, for good: inconclusive

  e = revokedEvidence();
  e.now = at(19s);
  auto during = evaluateCheck(c, e);
  EXPECT_EQ(during.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_FALSE(during.settled);
  e.now = at(20s);  // the window (15 s wall) is over and nothing replaced it
  auto late = evaluateCheck(c, e);
  EXPECT_EQ(late.outcome, CheckOutcome::kViolated);
  EXPECT_TRUE(late.settled);
  EXPECT_EQ(late.at, at(20s));
  EXPECT_THAT(late.evidence,
              AllOf(HasSubstr("serial bb was served revoked (CRL) from 12:00:05"),
                    HasSubstr("no replacement served within the window (window 15m nominal, "
                              "15s wall)"),
                    HasSubstr("none was issued"), HasSubstr("cert-manager reads no CRL")));
}

TEST(ChecksTest, ReplacedWithinJudgesTheServedReplacementAgainstTheWindow) {
  Evidence e = revokedEvidence();
  e.operatorRenewalAt = at(6s);
  RequestObservation renewal;
  renewal.name = "app-3";
  renewal.createdAt = at(6200ms);
  e.requests = {renewal};
  e.secret.push_back({at(7s), "cc", "certchaos chaos CA", at(127s)});
  e.probes.push_back({at(8s), true, "", "cc"});
  e.now = at(8s);
  auto held = evaluateCheck(spec("replaced-within", {{"window", "15m"}}), e);
  EXPECT_EQ(held.outcome, CheckOutcome::kHeld);
  EXPECT_EQ(held.at, at(8s));
  EXPECT_THAT(
      held.evidence,
      AllOf(HasSubstr("the Secret held replacement serial cc at 12:00:07"),
            HasSubstr("served replacement serial cc (not revoked) at 12:00:08.000000Z, 3s after"),
            HasSubstr("the runner renewed as an operator would at 12:00:06")));
  // The same replacement against a 2m (2 s) window came too late.
  auto late = evaluateCheck(spec("replaced-within", {{"window", "2m"}}), e);
  EXPECT_EQ(late.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(late.evidence, HasSubstr("window 2m nominal, 2s wall"));
  // A replacement from cert-manager's own schedule is named as such.
  e.operatorRenewalAt.reset();
  e.requests[0].scheduledRenewal = true;
  EXPECT_THAT(evaluateCheck(spec("replaced-within", {{"window", "15m"}}), e).evidence,
              HasSubstr("cert-manager's own renewal schedule, not from the revocation"));
}

TEST(ChecksTest, ReplacedWithinNeedsAProbedApplication) {
  Evidence e = revokedEvidence();
  e.probing = false;
  auto r = evaluateCheck(spec("replaced-within", {{"window", "15m"}}), e);
  EXPECT_EQ(r.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_TRUE(r.settled);
}

}  // namespace
}  // namespace certchaos::scenario
