// renewal-storm's figures and checks over synthetic storms: requests in flight, requests per
// Certificate, retries against cert-manager's back-off, and when the checks settle.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "evidence_builder.h"

namespace certchaos::scenario {
namespace {

using namespace testing;
using report::CheckOutcome;
using ::testing::HasSubstr;

RequestObservation request(std::string name, std::chrono::milliseconds created,
                           std::optional<std::chrono::milliseconds> answered, bool issued) {
  RequestObservation r;
  r.name = std::move(name);
  r.createdAt = at(created);
  if (answered) {
    r.decidedAt = at(*answered);
    r.issued = issued;
    r.failed = !issued;
  }
  return r;
}

// Three Certificates: a issued at once, b and c refused (rate limit), b retried after the
// back-off of 15 s and issued.
Evidence rateLimitedStorm() {
  Evidence e = baseEvidence();
  e.timeScale = 240;
  e.backoff = report::CertManagerBackoff{true, 15s, 8min, "scaled"};
  StormObservation s;
  s.certificates = 3;
  s.forcedAt = at(1000ms);
  s.requests["a"] = {request("a-2", 1100ms, 1300ms, true)};
  s.requests["b"] = {request("b-2", 1200ms, 1400ms, false), request("b-3", 16500ms, 16600ms, true)};
  s.requests["c"] = {request("c-2", 1250ms, 1450ms, false)};
  e.storm = s;
  return e;
}

TEST(StormFiguresTest, InFlightRatePerCertificateAndRetries) {
  const auto f = stormFigures(*rateLimitedStorm().storm);
  EXPECT_EQ(f.certificates, 3);
  EXPECT_EQ(f.requests, 4);
  EXPECT_EQ(f.issued, 2);
  EXPECT_EQ(f.failed, 2);
  EXPECT_EQ(f.peakInFlight, 3);  // a, b and c between 1.25 s and 1.3 s
  EXPECT_EQ(f.peakAt, at(1250ms));
  EXPECT_EQ(f.requestsPerCertificate, (std::map<int, int>{{1, 2}, {2, 1}}));
  EXPECT_EQ(f.mostRequests, 2);
  EXPECT_EQ(f.mostRequestsCertificate, "b");
  EXPECT_EQ(f.retries, 1);
  EXPECT_EQ(f.shortestRetryGap, 15100ms);
  EXPECT_EQ(f.allConcludedAt, at(16600ms));
  EXPECT_NEAR(f.issuedPerSecond, 2 / 15.5, 1e-9);
}

TEST(StormChecksTest, HeldWhenBoundedAndSettledOnlyAfterTheBackoffOfTheLastFailure) {
  Evidence e = rateLimitedStorm();
  e.now = at(20s);
  auto retries = evaluateCheck(spec("storm-retries", {{"limit", "3"}}), e);
  EXPECT_EQ(retries.outcome, CheckOutcome::kHeld);
  EXPECT_THAT(retries.evidence, HasSubstr("back-off held"));
  EXPECT_THAT(retries.evidence, HasSubstr("1 retry after a failure"));
  EXPECT_FALSE(retries.settled);  // c's retry may still come
  e.now = at(16600ms + 15s + 5s);
  EXPECT_TRUE(evaluateCheck(spec("storm-retries", {{"limit", "3"}}), e).settled);

  auto concurrency = evaluateCheck(spec("storm-concurrency", {{"per-certificate", "1"}}), e);
  EXPECT_EQ(concurrency.outcome, CheckOutcome::kHeld);
  EXPECT_THAT(concurrency.evidence, HasSubstr("peak 3 request(s) in flight"));
  EXPECT_THAT(concurrency.evidence, HasSubstr("issued/s"));
  EXPECT_TRUE(concurrency.settled);
}

TEST(StormChecksTest, ARetryBeforeTheBackoffIsAThunderingHerd) {
  Evidence e = rateLimitedStorm();
  e.storm->requests["c"].push_back(request("c-3", 2000ms, 2100ms, false));
  e.now = at(3s);
  auto retries = evaluateCheck(spec("storm-retries", {{"limit", "3"}}), e);
  EXPECT_EQ(retries.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(retries.evidence, HasSubstr("Certificate c asked again 550ms after a failure"));
  EXPECT_THAT(retries.evidence, HasSubstr("back-off did not hold"));
}

TEST(StormChecksTest, TooManyRequestsOfOneCertificateOrInFlightViolate) {
  Evidence e = rateLimitedStorm();
  auto retries = evaluateCheck(spec("storm-retries", {{"limit", "1"}}), e);
  EXPECT_EQ(retries.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(retries.evidence, HasSubstr("Certificate b made 2 requests"));
  // Two requests of a at once: more than one each in flight.
  e.storm->requests["a"].push_back(request("a-3", 1150ms, std::nullopt, false));
  e.storm->requests["b"].push_back(request("b-4", 1160ms, std::nullopt, false));
  e.storm->requests["c"].push_back(request("c-3", 1170ms, std::nullopt, false));
  auto concurrency = evaluateCheck(spec("storm-concurrency", {{"per-certificate", "1"}}), e);
  EXPECT_EQ(concurrency.outcome, CheckOutcome::kViolated);
  EXPECT_THAT(concurrency.evidence, HasSubstr("at most 3 allowed"));
}

TEST(StormChecksTest, NotAStormRunIsNotEvaluated) {
  Evidence e = baseEvidence();
  auto c = evaluateCheck(spec("storm-concurrency", {{"per-certificate", "1"}}), e);
  EXPECT_EQ(c.outcome, CheckOutcome::kNotEvaluated);
  EXPECT_TRUE(c.settled);
  EXPECT_THAT(c.evidence, HasSubstr("renewal-storm"));
}

}  // namespace
}  // namespace certchaos::scenario
