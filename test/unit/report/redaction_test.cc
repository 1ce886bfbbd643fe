#include "certchaos/report/redaction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sample_report.h"

namespace certchaos::report {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKeyBody =
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n";

std::string pem(std::string_view label) {
  return "-----BEGIN " + std::string(label) + "-----\n" + kKeyBody + "-----END " +
         std::string(label) + "-----\n";
}

// A JWT as Kubernetes service account tokens look (header and payload are base64url JSON).
constexpr const char* kJwt =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJhdWQiOlsiaHR0cHM6Ly9rdWJlcm5ldGVzIl0sInN1YiI6InN5c3Rl"
    "bTpzZXJ2aWNlYWNjb3VudDpkZWZhdWx0OmRlZmF1bHQifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU_-x";

TEST(ReportRedactorTest, RemovesPemPrivateKeysOfEveryKind) {
  Redactor redactor;
  for (const char* label : {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY",
                            "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY"}) {
    std::string out = redactor.redact("before\n" + pem(label) + "after");
    EXPECT_EQ(out, "before\n[REDACTED PRIVATE KEY]\nafter") << label;
  }
}

TEST(ReportRedactorTest, KeepsCertificatesAndRedactsKeysEscapedInJsonLogs) {
  Redactor redactor;
  std::string cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----";
  EXPECT_EQ(redactor.redact(cert), cert);
  std::string jsonLog = R"({"msg":"loaded","key":"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n)"
                        R"(-----END EC PRIVATE KEY-----\n","level":"info"})";
  std::string out = redactor.redact(jsonLog);
  EXPECT_THAT(out, Not(HasSubstr("MHcCAQEEIB")));
  EXPECT_THAT(out, HasSubstr(R"("level":"info")"));
}

TEST(ReportRedactorTest, RedactsATruncatedKeyToTheEndOfItsBody) {
  Redactor redactor;
  std::string out = redactor.redact("x -----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\nMzEf");
  EXPECT_EQ(out, "x [REDACTED PRIVATE KEY]");
}

TEST(ReportRedactorTest, RedactsBase64WrappedKeysAsInSecretData) {
  Redactor redactor;
  // base64("-----BEGIN PRIVATE KEY-----\nMIIE...") as a Secret's data["tls.key"] carries it.
  std::string secret =
      R"("tls.key":"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND",)"
      R"("tls.crt":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJzekNDQVZt")";
  std::string out = redactor.redact(secret);
  EXPECT_THAT(out, HasSubstr(R"("tls.key":"[REDACTED PRIVATE KEY]")"));
  EXPECT_THAT(out, HasSubstr("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"));  // the certificate stays
}

TEST(ReportRedactorTest, RedactsAuthorizationHeadersAndBearerTokens) {
  Redactor redactor;
  EXPECT_EQ(redactor.redact("GET /api Authorization: Bearer abc.def-ghi_123 HTTP/1.1"),
            "GET /api Authorization: Bearer [REDACTED] HTTP/1.1");
  EXPECT_EQ(redactor.redact("authorization=Basic dXNlcjpwYXNzd29yZA=="),
            "authorization=Basic [REDACTED]");
  EXPECT_EQ(redactor.redact(R"({"Authorization":"Bearer sekrit-token-value"})"),
            R"({"Authorization":"Bearer [REDACTED]"})");
  EXPECT_EQ(redactor.redact("curl -H 'bearer 0123456789abcdef'"), "curl -H 'bearer [REDACTED]'");
  // Prose is left alone.
  EXPECT_EQ(redactor.redact("uses a bearer token file"), "uses a bearer token file");
}

TEST(ReportRedactorTest, RedactsJwtLookingStrings) {
  Redactor redactor;
  // Built by append: g++ 12 -O2 warns falsely (-Warray-bounds, GCC bug 105329) on
  // std::string&& + const char*.
  std::string line = "token from projected volume ";
  line.append(kJwt).append(" ok");
  std::string out = redactor.redact(line);
  EXPECT_EQ(out, "token from projected volume [REDACTED] ok");
  EXPECT_EQ(redactor.redact("eyJustAWord and eyJ.x"), "eyJustAWord and eyJ.x");
}

TEST(ReportRedactorTest, RedactsTokenAndPasswordFields) {
  Redactor redactor;
  EXPECT_EQ(redactor.redact("token: s3cr3t-value other: x"), "token: [REDACTED] other: x");
  EXPECT_EQ(redactor.redact(R"({"password": "hunter2 with spaces", "user": "me"})"),
            R"({"password": "[REDACTED]", "user": "me"})");
  EXPECT_EQ(redactor.redact("client-key-data=LS0tabc"), "client-key-data=[REDACTED]");
  // Other keys that merely contain the word stay.
  EXPECT_EQ(redactor.redact("tokenFile=/var/run/token secretName: demo-tls"),
            "tokenFile=/var/run/token secretName: demo-tls");
}

TEST(ReportRedactorTest, RedactsCallerSuppliedSecretsAndTheirBase64) {
  Redactor redactor;
  ASSERT_TRUE(redactor.addSecret("correct horse battery staple").ok());
  ASSERT_TRUE(redactor.addSecret("horse").ok());  // contained in the first: longest goes first
  auto tooShort = redactor.addSecret("abc");
  ASSERT_FALSE(tooShort.ok());
  EXPECT_THAT(tooShort.error().message, HasSubstr("at least 4"));

  EXPECT_EQ(redactor.redact("pw=correct horse battery staple; a horse"),
            "pw=[REDACTED]; a [REDACTED]");
  // base64("correct horse battery staple") as it would appear in a Secret.
  EXPECT_EQ(redactor.redact("data: Y29ycmVjdCBob3JzZSBiYXR0ZXJ5IHN0YXBsZQ=="),
            "data: [REDACTED]==");
}

TEST(ReportRedactorTest, RedactsEveryFreeTextFieldOfAReport) {
  Redactor redactor;
  ASSERT_TRUE(redactor.addSecret("s3cr3t-value").ok());
  Report r = testing::sampleSleepReport();
  std::string leak = "leaked s3cr3t-value and " + pem("PRIVATE KEY") + " Bearer " + kJwt;
  r.verdict.summary = leak;
  r.verdict.hypothesis = leak;
  r.timeline[0].message = leak;
  r.timeline[0].object = leak;
  r.chain[0].message = leak;
  r.proofOfInjection[0].evidence = leak;
  r.run.scenario.parameters["x"] = leak;
  r.prediction->text = leak;
  r.run.cluster = leak;
  redactor.redact(r);
  for (const std::string* s :
       {&r.verdict.summary, &r.verdict.hypothesis, &r.timeline[0].message, &r.timeline[0].object,
        &r.chain[0].message, &r.proofOfInjection[0].evidence, &r.run.scenario.parameters["x"],
        &r.prediction->text, &r.run.cluster}) {
    EXPECT_THAT(*s, AllOf(Not(HasSubstr("s3cr3t")), Not(HasSubstr("MIIEvQ")),
                          Not(HasSubstr("eyJhbGci")), HasSubstr("[REDACTED"), HasSubstr("leaked")));
  }
  // Untouched: what is not free text.
  EXPECT_EQ(r.certificates.before->serial, "3a1f09");
}

TEST(ReportRedactorTest, LargeLogsAreLinear) {
  Redactor redactor;
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "I0501 12:00:00 reconcile ok token-ish eyJ words\n";
  big += "Authorization: Bearer abcdefghijkl\n";
  std::string out = redactor.redact(big);
  EXPECT_THAT(out, HasSubstr("Authorization: Bearer [REDACTED]"));
  EXPECT_EQ(out.size(), big.size() - std::string("abcdefghijkl").size() + 10);
}

}  // namespace
}  // namespace certchaos::report
