// The issuer's cache keeps a CertificateRequest without its CSR, certificate and CA: what the
// reconcilers read survives, the bulk does not.
#include "certchaos/issuer/lean_request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace certchaos::issuer {
namespace {

using nlohmann::json;

json issuedRequest() {
  const std::string bulk(4096, 'A');
  return {{"apiVersion", "cert-manager.io/v1"},
          {"kind", "CertificateRequest"},
          {"metadata",
           {{"name", "web-1"},
            {"namespace", "shop"},
            {"uid", "u-1"},
            {"resourceVersion", "42"},
            {"generation", 1},
            {"creationTimestamp", "2026-12-03T10:00:00Z"},
            {"labels", {{"app", "web"}}},
            {"ownerReferences", json::array({{{"kind", "Certificate"}, {"name", "web"}}})},
            {"managedFields", json::array({{{"manager", "cm-controller"}, {"fieldsV1", bulk}}})},
            {"annotations",
             {{"cert-manager.io/certificate-name", "web"},
              {"cert-manager.io/certificate-revision", "3"},
              {"cert-manager.io/private-key-secret-name", "web-key"},
              {"kubectl.kubernetes.io/last-applied-configuration", bulk}}}}},
          {"spec",
           {{"request", bulk},
            {"duration", "1h0m0s"},
            {"isCA", false},
            {"usages", json::array({"digital signature", "server auth"})},
            {"issuerRef", {{"group", "certchaos.io"}, {"kind", "ChaosIssuer"}, {"name", "chaos"}}},
            {"username", "system:serviceaccount:cert-manager:cert-manager"}}},
          {"status",
           {{"conditions",
             json::array({{{"type", "Approved"}, {"status", "True"}},
                          {{"type", "Ready"}, {"status", "True"}, {"reason", "Issued"}}})},
            {"failureTime", "2026-12-03T10:00:01Z"},
            {"certificate", bulk},
            {"ca", bulk}}}};
}

TEST(LeanCertificateRequest, DropsTheCsrTheCertificateTheCaAndManagedFields) {
  json request = issuedRequest();
  const std::size_t before = request.dump().size();
  leanCertificateRequest(request);
  EXPECT_FALSE(request["spec"].contains("request"));
  EXPECT_FALSE(request["status"].contains("certificate"));
  EXPECT_FALSE(request["status"].contains("ca"));
  EXPECT_FALSE(request["metadata"].contains("managedFields"));
  EXPECT_FALSE(request["metadata"].contains("labels"));
  EXPECT_FALSE(request["metadata"].contains("ownerReferences"));
  EXPECT_FALSE(request["metadata"]["annotations"].contains(
      "kubectl.kubernetes.io/last-applied-configuration"));
  EXPECT_FALSE(
      request["metadata"]["annotations"].contains("cert-manager.io/private-key-secret-name"));
  // Five 4 KiB blobs went: what is left is a few hundred bytes.
  EXPECT_LT(request.dump().size(), 1024u) << request.dump();
  EXPECT_GT(before, 5 * 4096u);
}

TEST(LeanCertificateRequest, KeepsWhatTheReconcilersRead) {
  json request = issuedRequest();
  const json original = request;
  leanCertificateRequest(request);
  EXPECT_EQ(request["apiVersion"], original["apiVersion"]);
  EXPECT_EQ(request["kind"], original["kind"]);
  for (const char* field :
       {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp"}) {
    EXPECT_EQ(request["metadata"][field], original["metadata"][field]) << field;
  }
  EXPECT_EQ(request["metadata"]["annotations"]["cert-manager.io/certificate-name"], "web");
  EXPECT_EQ(request["metadata"]["annotations"]["cert-manager.io/certificate-revision"], "3");
  for (const char* field : {"duration", "isCA", "usages", "issuerRef", "username"}) {
    EXPECT_EQ(request["spec"][field], original["spec"][field]) << field;
  }
  EXPECT_EQ(request["status"]["conditions"], original["status"]["conditions"]);
  EXPECT_EQ(request["status"]["failureTime"], original["status"]["failureTime"]);
}

// A request one of our issuers has yet to decide keeps its CSR, so that it is signed from the
// cache; once decided, or when it is another issuer's, the CSR goes.
TEST(LeanCertificateRequest, KeepsTheCsrOnlyWhileOneOfOurIssuersHasToDecide) {
  auto pending = [](json conditions) {
    json r = issuedRequest();
    r["status"] = {{"conditions", std::move(conditions)}};
    return r;
  };
  const json approved = {{"type", "Approved"}, {"status", "True"}};
  struct Case {
    std::string what;
    json request;
    bool keeps;
  };
  std::vector<Case> cases = {
      {"new", pending(json::array()), true},
      {"approved", pending(json::array({approved})), true},
      {"held (Ready=False Pending)",
       pending(json::array(
           {approved, {{"type", "Ready"}, {"status", "False"}, {"reason", "Pending"}}})),
       true},
      {"issued", issuedRequest(), false},
      {"failed",
       pending(
           json::array({approved, {{"type", "Ready"}, {"status", "False"}, {"reason", "Failed"}}})),
       false},
      {"denied", pending(json::array({{{"type", "Denied"}, {"status", "True"}}})), false},
      {"Ready=False Denied",
       pending(json::array({{{"type", "Ready"}, {"status", "False"}, {"reason", "Denied"}}})),
       false},
      {"invalid",
       pending(
           json::array({{{"type", "Ready"}, {"status", "False"}, {"reason", "InvalidRequest"}}})),
       false},
  };
  json certificateWithoutCondition = pending(json::array({approved}));
  certificateWithoutCondition["status"]["certificate"] = "Y2VydA==";
  cases.push_back({"certificate stored", certificateWithoutCondition, false});
  json caIssuers = pending(json::array({approved}));
  caIssuers["spec"]["issuerRef"] = {
      {"group", "cert-manager.io"}, {"kind", "Issuer"}, {"name", "ca"}};
  cases.push_back({"another issuer's", caIssuers, false});
  json noRef = pending(json::array());
  noRef["spec"].erase("issuerRef");
  cases.push_back({"no issuerRef", noRef, false});
  for (auto& c : cases) {
    const std::string csr = c.request["spec"]["request"];
    EXPECT_EQ(awaitsOurSignature(c.request), c.keeps) << c.what;
    leanCertificateRequest(c.request);
    EXPECT_EQ(c.request["spec"].contains("request"), c.keeps) << c.what;
    if (c.keeps) {
      EXPECT_EQ(c.request["spec"]["request"], csr) << c.what;
    }
    EXPECT_FALSE(c.request.value("status", json::object()).contains("certificate")) << c.what;
  }
}

TEST(LeanCertificateRequest, ANewRequestOrAnOddObjectIsLeftUsable) {
  json fresh = {{"metadata", {{"name", "a"}, {"namespace", "b"}}}, {"spec", {{"request", "x"}}}};
  leanCertificateRequest(fresh);
  EXPECT_EQ(fresh,
            json({{"metadata", {{"name", "a"}, {"namespace", "b"}}}, {"spec", json::object()}}));
  for (json odd : {json(), json::array({1, 2}), json("text"),
                   json({{"metadata", "not an object"}, {"status", 3}, {"spec", json::array()}})}) {
    const json copy = odd;
    leanCertificateRequest(odd);  // never throws
    if (!copy.is_object()) {
      EXPECT_EQ(odd, copy);
    }
  }
}

}  // namespace
}  // namespace certchaos::issuer
