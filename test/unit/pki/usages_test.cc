#include "certchaos/pki/usages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/pki/certificate.h"

namespace certchaos::pki {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(UsagesTest, EmptyMeansCertManagerDefaults) {
  auto u = usagesFromNames({}, false);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->keyUsage, kDigitalSignature | kKeyEncipherment);
  EXPECT_TRUE(u->extKeyUsageOids.empty());
}

TEST(UsagesTest, IsCaAddsCertSign) {
  auto u = usagesFromNames({}, true);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->keyUsage, kDigitalSignature | kKeyEncipherment | kCertSign);
}

TEST(UsagesTest, MapsEveryNameAndAlias) {
  auto u = usagesFromNames({"signing", "content commitment", "key agreement", "data encipherment",
                            "crl sign", "encipher only", "decipher only", "server auth",
                            "client auth", "s/mime", "ocsp signing", "any"},
                           false);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->keyUsage, kDigitalSignature | kContentCommitment | kKeyAgreement |
                             kDataEncipherment | kCrlSign | kEncipherOnly | kDecipherOnly);
  EXPECT_THAT(u->extKeyUsageOids, ElementsAre(kServerAuthOid, kClientAuthOid, "1.3.6.1.5.5.7.3.4",
                                              "1.3.6.1.5.5.7.3.9", "2.5.29.37.0"));
}

TEST(UsagesTest, UnknownNameSaysWhatIsKnown) {
  auto u = usagesFromNames({"server auth", "serverAuth"}, false);
  ASSERT_FALSE(u.ok());
  EXPECT_THAT(u.error().message, HasSubstr("unknown usage 'serverAuth'"));
  EXPECT_THAT(u.error().message, HasSubstr("server auth"));
}

TEST(UsagesTest, NamesForMessages) {
  EXPECT_THAT(keyUsageNames(kDigitalSignature | kCertSign),
              ElementsAre("digital signature", "cert sign"));
  EXPECT_THAT(extKeyUsageNames({kServerAuthOid, "1.2.3.4"}), ElementsAre("server auth", "1.2.3.4"));
}

}  // namespace
}  // namespace certchaos::pki
