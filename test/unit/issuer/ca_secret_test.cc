#include "certchaos/issuer/ca_secret.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/issuer/issuer_registry.h"
#include "certchaos/kube/base64.h"

namespace certchaos::issuer {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(SelfSignedSecretTest, LivesInTheClusterResourceNamespace) {
  EXPECT_EQ(selfSignedSecret(api::kClusterIssuerKind, "", "root", "certchaos-system").str(),
            "certchaos-system/root-ca");
  EXPECT_EQ(selfSignedSecret(api::kIssuerKind, "team-a", "ca", "certchaos-system").str(),
            "certchaos-system/team-a.ca-ca");
  // Issuers of the same name in two namespaces do not share a CA.
  EXPECT_NE(selfSignedSecret(api::kIssuerKind, "team-a", "ca", "x"),
            selfSignedSecret(api::kIssuerKind, "team-b", "ca", "x"));
}

TEST(SelfSignedSecretTest, ALongNameStaysAValidSecretName) {
  const std::string ns(63, 'n');
  const std::string name = std::string(200, 'a') + "." + std::string(52, 'b');
  const auto where = selfSignedSecret(api::kIssuerKind, ns, name, "certchaos-system");
  EXPECT_LE(where.name.size(), 253u);
  EXPECT_EQ(where.name.rfind(ns + ".", 0), 0u) << where.name;
  EXPECT_EQ(where.name.substr(where.name.size() - 3), "-ca");
  EXPECT_NE(where, selfSignedSecret(api::kIssuerKind, ns, name + "c", "certchaos-system"));
}

TEST(IsSecretNameTest, RefusesPathLikeNames) {
  for (const char* good : {"ca", "root-ca", "a.b-c.d", "0"}) {
    EXPECT_TRUE(isSecretName(good)) << good;
  }
  EXPECT_TRUE(isSecretName(std::string(253, 'a')));
  for (const char* bad : {"", ".", "..", "a/b", "../x", "a..b", "-a", "a-", ".a", "a.", "A", "a b",
                          "a\nb", "a%2Fb"}) {
    EXPECT_FALSE(isSecretName(bad)) << bad;
  }
  EXPECT_FALSE(isSecretName(std::string(254, 'a')));
}

TEST(AuthorityFromSecretTest, NamesOnlyTheMissingExpectedKeys) {
  json secret = {
      {"data",
       {{"username", kube::base64Encode("admin")}, {"password", kube::base64Encode("hunter2")}}}};
  auto a = authorityFromSecret(secret, {"ns", "db"});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, "InvalidCA");
  EXPECT_THAT(a.error().message, HasSubstr("Secret ns/db"));
  EXPECT_THAT(a.error().message, HasSubstr("tls.crt and tls.key are missing"));
  for (const char* leaked : {"username", "password", "admin", "hunter2"}) {
    EXPECT_THAT(a.error().message, Not(HasSubstr(leaked)));
  }
  secret["data"]["tls.crt"] = kube::base64Encode("x");
  a = authorityFromSecret(secret, {"ns", "db"});
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.error().message, HasSubstr("but tls.key is missing"));
}

TEST(AuthorityFromSecretTest, ReadsAGeneratedCa) {
  auto now = std::chrono::system_clock::now();
  auto root =
      pki::SigningAuthority::generateRoot("unit CA", pki::KeyAlgorithm::kEcdsaP256,
                                          now - std::chrono::hours(1), now + std::chrono::hours(1));
  ASSERT_TRUE(root.ok());
  json object = caSecretObject({"certchaos-system", "x-ca"}, root->certificatePem(), root->keyPem(),
                               "ChaosIssuer/ns/x");
  EXPECT_EQ(object["type"], "kubernetes.io/tls");
  EXPECT_EQ(object["metadata"]["labels"][kManagedByLabel], kManagedByValue);
  EXPECT_EQ(object["metadata"]["annotations"][kCaOwnerAnnotation], "ChaosIssuer/ns/x");
  auto a = authorityFromSecret(object, {"certchaos-system", "x-ca"});
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->certificate().serialHex(), root->certificate().serialHex());
}

}  // namespace
}  // namespace certchaos::issuer
