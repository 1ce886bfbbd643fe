// What users type, checked before anything reaches a cluster.
#include "input_checks.h"

#include <gtest/gtest.h>

namespace certchaos::cli {
namespace {

TEST(CliInputChecksTest, NamespaceNamesAreDnsLabels) {
  EXPECT_TRUE(checkNamespaceName("demo", "-n"));
  EXPECT_TRUE(checkNamespaceName("a-1", "-n"));
  EXPECT_TRUE(checkNamespaceName(std::string(63, 'a'), "-n"));
  for (const char* bad : {"", "BAD NS", "Demo", "-a", "a-", "a.b", "a_b"}) {
    auto r = checkNamespaceName(bad, "-n");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("expected a namespace name"), std::string::npos);
    EXPECT_NE(r.error().message.find(std::string("found '") + bad + "'"), std::string::npos)
        << r.error().message;
    // No advice to create a namespace that could never exist.
    EXPECT_EQ(r.error().message.find("kubectl create namespace"), std::string::npos);
  }
  EXPECT_FALSE(checkNamespaceName(std::string(64, 'a'), "-n"));
  EXPECT_NE(checkNamespaceName("a\nb", "-n").error().message.find("'a\\x0ab'"), std::string::npos);
}

TEST(CliInputChecksTest, ObjectNamesAreDnsSubdomains) {
  EXPECT_TRUE(checkObjectName("demo-issuer", "NAME"));
  EXPECT_TRUE(checkObjectName("a.b-c", "NAME"));
  for (const char* bad : {"", "A", "a..b", ".a", "a.", "a/b", "a b"}) {
    EXPECT_FALSE(checkObjectName(bad, "NAME")) << bad;
  }
  EXPECT_FALSE(checkObjectName(std::string(254, 'a'), "NAME"));
}

TEST(CliInputChecksTest, DnsNamesAndIpAddresses) {
  for (const char* good : {"web.demo.local", "*.demo.local", "Web-1.example.com", "localhost"}) {
    EXPECT_TRUE(checkDnsName(good, "--dns")) << good;
  }
  for (const char* bad : {"", "*.", "a..b", "-a.b", "a b", "*", "a.*.b", "a_b"}) {
    auto r = checkDnsName(bad, "--dns");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("expected a DNS name"), std::string::npos);
  }
  EXPECT_NE(checkDnsName("", "--dns").error().message.find("found ''"), std::string::npos);
  for (const char* good : {"127.0.0.1", "::1", "fe80::1", "10.0.0.255"}) {
    EXPECT_TRUE(checkIpAddress(good, "--ip")) << good;
  }
  for (const char* bad : {"999.1.1.1", "", "1.2.3", "localhost", "1.2.3.4/24"}) {
    auto r = checkIpAddress(bad, "--ip");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find(std::string("found '") + bad + "'"), std::string::npos);
  }
}

TEST(CliInputChecksTest, SeedsAreNonNegativeInt64s) {
  EXPECT_EQ(*parseSeed("0", "--seed"), 0u);
  EXPECT_EQ(*parseSeed("9223372036854775807", "--seed"), 9223372036854775807u);
  for (const char* bad : {"-1", "9223372036854775808", "18446744073709551615", "", "1e3", "7 "}) {
    auto r = parseSeed(bad, "--seed");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("expected a whole number from 0 to 9223372036854775807"),
              std::string::npos);
  }
}

TEST(CliInputChecksTest, TimeScalesAreNumbersOfAtLeastOne) {
  EXPECT_EQ(*parseTimeScale("60", "--time-scale", false), 60);
  EXPECT_EQ(*parseTimeScale("1.5", "--time-scale", true), 1.5);
  EXPECT_FALSE(parseTimeScale("1.5", "--time-scale", false));
  for (const char* bad : {"abc", "0", "-3", "", "inf", "nan", "60x"}) {
    auto r = parseTimeScale(bad, "--time-scale", true);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("--time-scale: expected a number >= 1"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find(std::string("found '") + bad + "'"), std::string::npos);
  }
}

}  // namespace
}  // namespace certchaos::cli
