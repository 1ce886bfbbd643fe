// Crl: what the issuer signs (scenario 25) parses back with its entries; what the network may
// serve instead is refused saying what was found, never a crash.
#include "certchaos/pki/crl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/common/time.h"
#include "pki_test_util.h"

namespace certchaos::pki {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::makeRoot;
using testing::testNow;

TEST(CrlTest, ABuiltCrlParsesBackWithItsEntriesFromDerAndPem) {
  const auto root = makeRoot(KeyAlgorithm::kEcdsaP256, "crl root");
  const SystemTime revokedAt = testNow() - std::chrono::minutes(5);
  auto crl = Crl::build(root, {{"1A2B3C", revokedAt}, {"7F", revokedAt}}, testNow(),
                        testNow() + std::chrono::minutes(5));
  ASSERT_TRUE(crl) << crl.error().message;
  auto parsed = Crl::parse(crl->toDer());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->issuerCommonName(), "crl root");
  EXPECT_EQ(parsed->thisUpdate(), testNow());
  const auto entries = parsed->revoked();
  ASSERT_EQ(entries.size(), 2u);
  std::vector<std::string> serials = {entries[0].serialHex, entries[1].serialHex};
  EXPECT_THAT(serials, ::testing::UnorderedElementsAre("1A2B3C", "7F"));
  EXPECT_EQ(entries[0].revokedAt, revokedAt);
  // The signature is the CA's.
  EXPECT_EQ(X509_CRL_verify(parsed->get(), X509_get0_pubkey(root.certificate().get())), 1);

  const std::string pem = "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n";
  auto broken = Crl::parse(pem);
  EXPECT_FALSE(broken);
}

// X.509 times run to the year 9999 (RFC 5280's 99991231235959Z means "no well-defined
// expiration"); a time point ends in 2262. Such a CRL, from the network, reads as the latest time
// a time point holds — found by the fuzzer as a signed overflow in the conversion.
TEST(CrlTest, ATimeBeyondWhatATimePointHoldsSaturatesInsteadOfOverflowing) {
  const auto root = makeRoot(KeyAlgorithm::kEcdsaP256, "crl root");
  auto built = Crl::build(root, {{"7F", testNow()}}, testNow(), testNow() + std::chrono::hours(1));
  ASSERT_TRUE(built) << built.error().message;
  ASN1_TIME* far = ASN1_TIME_new();
  ASSERT_EQ(ASN1_TIME_set_string(far, "99991231235959Z"), 1);
  ASSERT_EQ(X509_CRL_set1_lastUpdate(built->get(), far), 1);
  X509_REVOKED* entry = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(built->get()), 0);
  ASSERT_EQ(X509_REVOKED_set_revocationDate(entry, far), 1);
  ASN1_TIME_free(far);
  ASSERT_GT(X509_CRL_sign(built->get(), root.key().get(), EVP_sha256()), 0);  // re-encodes it
  auto parsed = Crl::parse(built->toDer());
  ASSERT_TRUE(parsed) << parsed.error().message;
  const std::string kLatest = "2262-04-11T23:47:15Z";  // the latest whole second a SystemTime holds
  EXPECT_EQ(formatRfc3339(parsed->thisUpdate()), kLatest);
  ASSERT_EQ(parsed->revoked().size(), 1u);
  EXPECT_EQ(formatRfc3339(parsed->revoked()[0].revokedAt), kLatest);
}

TEST(CrlTest, WhatIsNotACrlIsRefusedSayingWhatWasFound) {
  auto empty = Crl::parse("");
  ASSERT_FALSE(empty);
  EXPECT_THAT(empty.error().message, HasSubstr("found an empty body"));
  auto html = Crl::parse("<html>503 Service Unavailable</html>");
  ASSERT_FALSE(html);
  EXPECT_THAT(html.error().message,
              AllOf(HasSubstr("expected a CRL"), HasSubstr("36 bytes that do not parse")));
  auto huge = Crl::parse(std::string((1 << 20) + 1, '0'));
  ASSERT_FALSE(huge);
  EXPECT_THAT(huge.error().message, HasSubstr("at most 1 MiB"));
  auto badSerial = Crl::build(makeRoot(), {{"not hex", testNow()}}, testNow(), testNow());
  ASSERT_FALSE(badSerial);
  EXPECT_THAT(badSerial.error().message, HasSubstr("'not hex'"));
}

}  // namespace
}  // namespace certchaos::pki
