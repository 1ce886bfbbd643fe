// parseIssuerManifest: every outside -f document is checked before use; a wrong shape is an
// error naming the document, the field, what was expected and what was found, never an abort.
#include <gtest/gtest.h>

#include "issuer_spec.h"

namespace certchaos::cli {
namespace {

using nlohmann::json;

const std::string kHeader = "apiVersion: certchaos.io/v1alpha1\nkind: ChaosIssuer\n";

// The error of a manifest that must be refused, with the texts it must contain.
void expectRefused(const std::string& yaml, const std::vector<std::string>& mentions) {
  auto parsed = parseIssuerManifest(yaml, "-f issuer.yaml");
  ASSERT_FALSE(parsed) << "accepted:\n" << yaml;
  EXPECT_EQ(parsed.error().code, "BadInput");
  EXPECT_NE(parsed.error().message.find("-f issuer.yaml"), std::string::npos)
      << parsed.error().message;
  EXPECT_NE(parsed.error().message.find("expected"), std::string::npos) << parsed.error().message;
  for (const auto& m : mentions) {
    EXPECT_NE(parsed.error().message.find(m), std::string::npos)
        << "no '" << m << "' in: " << parsed.error().message;
  }
}

TEST(CliIssuerManifestTest, AcceptsAnIssuerAndReportsItsKindNameAndNamespace) {
  auto m =
      parseIssuerManifest(kHeader +
                              "metadata: {name: sleep, namespace: chaos-demo, labels: {a: b}}\n"
                              "spec:\n  selfSigned: {}\n  scenario: 3\n"
                              "  parameters: {delay: 1h}\n  seed: 1\n",
                          "-f x");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_FALSE(m->cluster);
  EXPECT_EQ(m->name, "sleep");
  EXPECT_EQ(m->ns, "chaos-demo");
  // `scenario: 3` is a YAML number; the CRD stores a string.
  EXPECT_EQ(m->object["spec"]["scenario"], "3");
  EXPECT_EQ(m->object["spec"]["parameters"]["delay"], "1h");

  auto cluster = parseIssuerManifest(
      "{\"apiVersion\": \"certchaos.io/v1alpha1\", \"kind\": \"ChaosClusterIssuer\"}", "-f x");
  ASSERT_TRUE(cluster) << cluster.error().message;
  EXPECT_TRUE(cluster->cluster);
  EXPECT_EQ(cluster->name, "");
}

TEST(CliIssuerManifestTest, RefusesATopLevelThatIsNotAMapping) {
  expectRefused("just a string\n", {"document 1", "a mapping", "found a string"});
  expectRefused("42\n", {"document 1", "found a number 42"});
  expectRefused("- a\n- b\n", {"document 1", "found a list"});
}

TEST(CliIssuerManifestTest, RefusesEmptyAndMultiDocumentFiles) {
  expectRefused("", {"found none", "empty"});
  expectRefused("# only a comment\n---\n", {"found none"});
  expectRefused(kHeader + "metadata: {name: a}\n---\n" + kHeader + "metadata: {name: b}\n",
                {"found 2", "ChaosIssuer a", "ChaosIssuer b", "one issuer per file"});
}

TEST(CliIssuerManifestTest, RefusesOtherKindsAndApiVersions) {
  expectRefused("apiVersion: cert-manager.io/v1\nkind: Certificate\n",
                {"apiVersion", "certchaos.io/v1alpha1", "cert-manager.io/v1"});
  expectRefused("apiVersion: certchaos.io/v1beta9\nkind: ChaosIssuer\n", {"v1beta9"});
  expectRefused("kind: ChaosIssuer\n", {"apiVersion", "found nothing"});
  expectRefused("apiVersion: certchaos.io/v1alpha1\nkind: Issuer\n",
                {"kind", "ChaosIssuer or ChaosClusterIssuer", "found a string \"Issuer\""});
  expectRefused("apiVersion: certchaos.io/v1alpha1\nkind: [ChaosIssuer]\n",
                {"kind", "found a list"});
  expectRefused("apiVersion: certchaos.io/v1alpha1\n", {"kind", "found nothing"});
}

TEST(CliIssuerManifestTest, RefusesMetadataOfTheWrongShape) {
  expectRefused(kHeader + "metadata: a string\n", {"metadata", "found a string"});
  expectRefused(kHeader + "metadata: {name: [a, b]}\n", {"metadata.name", "found a list"});
  expectRefused(kHeader + "metadata: {name: 7}\n", {"metadata.name", "found a number"});
  expectRefused(kHeader + "metadata: {name: Bad_Name}\n", {"metadata.name", "'Bad_Name'"});
  expectRefused(kHeader + "metadata: {name: a, namespace: {x: 1}}\n",
                {"metadata.namespace", "found a mapping"});
  expectRefused(kHeader + "metadata: {name: a, namespace: BAD NS}\n",
                {"metadata.namespace", "'BAD NS'"});
  expectRefused(kHeader + "metadata: {name: a, labels: [x]}\n", {"metadata.labels"});
  expectRefused(kHeader + "metadata: {name: a, annotations: {n: 5}}\n",
                {"metadata.annotations.n", "a string"});
}

TEST(CliIssuerManifestTest, RefusesASpecThatIsNotAMappingOrNotValid) {
  expectRefused(kHeader + "metadata: {name: a}\nspec: a string\n",
                {"spec", "a mapping", "found a string \"a string\""});
  expectRefused(kHeader + "metadata: {name: a}\nspec: [1]\n", {"spec", "found a list"});
  expectRefused(kHeader + "metadata: {name: a}\nspec: {scenario: [3]}\n", {"spec.scenario"});
  expectRefused(kHeader + "metadata: {name: a}\nspec: {parameters: x}\n", {"spec.parameters"});
  expectRefused(kHeader + "metadata: {name: a}\nspec: {faults: [7]}\n", {"spec.faults[0]"});
  expectRefused(kHeader + "metadata: {name: a}\nspec: {faults: [{type: [x]}]}\n",
                {"spec.faults[0].type"});
  expectRefused(kHeader + "metadata: {name: a}\nspec: {scenario: no-such-scenario}\n",
                {"no-such-scenario"});
  expectRefused(kHeader + "metadata: {name: a}\nspec: {timeScale: abc}\n", {"spec.timeScale"});
}

TEST(CliIssuerManifestTest, RefusesHostileYamlWithoutExhaustingTheStack) {
  expectRefused(std::string(5000, '[') + std::string(5000, ']'), {});
  expectRefused("a: &a [*a]\n", {});
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    laughs += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) laughs += std::string(i ? ", *" : "*") + char(c - 1);
    laughs += "]\n";
  }
  expectRefused(laughs, {"values"});
  expectRefused("? [a, b]\n: c\n", {"key"});
  expectRefused("a: [1, 2\n", {"line"});
}

TEST(CliIssuerManifestTest, DescribeChaosTakesAnyShapeOfSpec) {
  EXPECT_EQ(describeChaos({{"faults", {7, {{"type", 3}}}}}), "faults [?, ?]");
  EXPECT_EQ(describeChaos({{"scenario", 3}, {"faults", {{{"type", "hang"}}}}}), "faults [hang]");
}

}  // namespace
}  // namespace certchaos::cli
