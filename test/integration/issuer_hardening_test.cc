// certchaos-issuer against the real local plane, for the hardening of issue 8: issuers that read
// their CA Secret again (created late, fixed, rotated); the least privilege of its ServiceAccount
// (Secrets created only in its own namespace, only kubernetes.io/tls) and a status that never
// shows another Secret's keys; a request whose signed status cannot be stored; CAs without a
// subject key identifier or without keyCertSign; path-like secretNames.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/common/time.h"
#include "certchaos/issuer/issuer_reconciler.h"
#include "certchaos/issuer/request_reconciler.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/informer.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/pki/csr_builder.h"
#include "certchaos/pki/key.h"
#include "certchaos/pki/signing_authority.h"
#include "plane.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;
namespace res = kube::resources;

constexpr const char* kIssuerUser = "system:serviceaccount:certchaos-system:certchaos-issuer";
constexpr const char* kIssuerNamespace = "certchaos-system";

std::shared_ptr<kube::Client> admin() { return SharedPlane::get().admin(); }
const std::string& stateDir() { return SharedPlane::get().stateDir(); }

std::string decode(const std::string& b64) {
  auto d = kube::base64Decode(b64);
  EXPECT_TRUE(d) << "not base64";
  return d ? *d : "";
}

std::string readyField(const json& o, const std::string& field) {
  const auto* c = api::findCondition(o, "Ready");
  return c == nullptr ? "" : c->value(field, "");
}

// `kubectl wait` (a watch, no polling) for `what` (e.g. chaosissuer/x) in `ns` until `forExpr`
// (--for=...) holds; the output on failure.
::testing::AssertionResult waitFor(const std::string& ns, const std::string& what,
                                   const std::string& forExpr, int timeoutSeconds = 60) {
  auto r = kubectl(stateDir(), {"-n", ns, "wait", "--for=" + forExpr,
                                "--timeout=" + std::to_string(timeoutSeconds) + "s", what});
  if (r.exitCode == 0) return ::testing::AssertionSuccess();
  auto state = kubectl(stateDir(), {"-n", ns, "get", what, "-o", "yaml"});
  return ::testing::AssertionFailure()
         << "waiting for " << what << " " << forExpr << ": " << r.output << "\n"
         << state.output;
}
std::string readyReasonIs(const std::string& reason) {
  return "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}=" + reason;
}

json getObject(const kube::ResourceRef& r, const std::string& ns, const std::string& name) {
  auto o = admin()->get(r, ns, name);
  EXPECT_TRUE(o) << name << ": " << (o ? "" : o.error().message);
  return o ? *o : json::object();
}

std::string secretData(const std::string& ns, const std::string& name, const std::string& key) {
  auto data = getObject(res::kSecret, ns, name).value("data", json::object());
  return data.contains(key) ? decode(data[key].get<std::string>()) : "";
}

// A root CA made as other tools make them: with or without a subject key identifier, with or
// without keyCertSign in its keyUsage.
struct CaPems {
  std::string crt, key;
};
CaPems makeCa(const std::string& cn, bool subjectKeyId = true, bool certSign = true) {
  auto key = pki::PrivateKey::generate(pki::KeyAlgorithm::kEcdsaP256);
  EXPECT_TRUE(key);
  X509* x = X509_new();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(getpid()) * 1000 + rand() % 1000);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key->get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  std::vector<std::pair<int, std::string>> exts = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, certSign ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"}};
  if (subjectKeyId) exts.emplace_back(NID_subject_key_identifier, "hash");
  for (const auto& [nid, value] : exts) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    EXPECT_NE(e, nullptr) << value;
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
  EXPECT_GT(X509_sign(x, key->get(), EVP_sha256()), 0);
  pki::Certificate cert{pki::X509Ptr(x)};
  return {cert.toPem(), key->toPem()};
}

json tlsSecret(const std::string& ns, const std::string& name, const CaPems& ca) {
  return {
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"type", "kubernetes.io/tls"},
      {"data", {{"tls.crt", kube::base64Encode(ca.crt)}, {"tls.key", kube::base64Encode(ca.key)}}}};
}

void createCaIssuer(const std::string& ns, const std::string& name, const std::string& secretName) {
  auto created =
      admin()->create(api::kChaosIssuer, {{"metadata", {{"name", name}, {"namespace", ns}}},
                                          {"spec", {{"ca", {{"secretName", secretName}}}}}});
  ASSERT_TRUE(created) << created.error().message;
}

// A Certificate `name` for `issuerName` (a ChaosIssuer); waits until it is Ready and returns the
// leaf of its Secret.
std::string issueCertificate(const std::string& ns, const std::string& name,
                             const std::string& issuerName) {
  auto created = admin()->create(
      api::kCertificate,
      {{"metadata", {{"name", name}, {"namespace", ns}}},
       {"spec",
        {{"secretName", name + "-tls"},
         {"dnsNames", {name + ".certchaos.test"}},
         {"privateKey", {{"algorithm", "ECDSA"}, {"size", 256}}},
         {"issuerRef",
          {{"group", "certchaos.io"}, {"kind", "ChaosIssuer"}, {"name", issuerName}}}}}});
  EXPECT_TRUE(created) << (created ? "" : created.error().message);
  EXPECT_TRUE(waitFor(ns, "certificate/" + name, "condition=Ready"));
  return secretData(ns, name + "-tls", "tls.crt");
}

// `openssl verify` of `leafPem` against the root `caPem` only.
bool verifies(const std::string& leafPem, const std::string& caPem, std::string* output) {
  TempDir dir;
  writeFile(dir.path() + "/ca.pem", caPem);
  writeFile(dir.path() + "/leaf.pem", leafPem);
  auto r = run(
      {"/usr/bin/openssl", "verify", "-CAfile", dir.path() + "/ca.pem", dir.path() + "/leaf.pem"},
      seconds(30));
  *output = r.output;
  return r.exitCode == 0;
}

std::string serialOf(const std::string& pem) {
  auto c = pki::Certificate::fromPem(pem);
  EXPECT_TRUE(c);
  return c ? c->serialHex() : "";
}

// Every Event on `kind/name` in `ns` ("reason: message" lines) once one of them contains
// `expected`, or what there is after 30 s: the issuer records its Event after the status write
// that a test waits for, so a single list right after that write may come too early.
std::string eventsOf(const std::string& ns, const std::string& kind, const std::string& name,
                     const std::string& expected) {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, std::string> lines;  // uid → "reason: message"
  auto text = [&] {
    std::string out;
    for (const auto& [uid, line] : lines) out += line + "\n";
    return out;
  };
  kube::ReflectorOptions options;
  options.fieldSelector = "involvedObject.kind=" + kind + ",involvedObject.name=" + name;
  kube::Informer informer(admin(), res::kEvent, ns, options);
  auto seen = [&](const kube::ObjectPtr& e) {
    std::lock_guard lock(mu);
    lines[(*e)["metadata"].value("uid", "")] =
        e->value("reason", "") + ": " + e->value("message", "");
    cv.notify_all();
  };
  informer.addHandlers(
      {seen, [&](const kube::ObjectPtr&, const kube::ObjectPtr& e) { seen(e); }, nullptr});
  informer.start();
  std::unique_lock lock(mu);
  cv.wait_for(lock, seconds(30), [&] { return text().find(expected) != std::string::npos; });
  return text();
}

class IssuerHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }
};

// ---------------------------------------------------------------------------------------------
// Defect 3: the CA Secret is read again.

TEST_F(IssuerHardeningTest, AnIssuerCreatedBeforeItsSecretBecomesReadyWhenTheSecretAppears) {
  const std::string ns = SharedPlane::get().freshNamespace("late-secret");
  createCaIssuer(ns, "late", "late-ca");
  ASSERT_TRUE(waitFor(ns, "chaosissuer/late", readyReasonIs("SecretNotFound")));
  const auto before = getObject(api::kChaosIssuer, ns, "late");
  const CaPems ca = makeCa("late CA");
  ASSERT_TRUE(admin()->create(res::kSecret, tlsSecret(ns, "late-ca", ca)));
  ASSERT_TRUE(waitFor(ns, "chaosissuer/late", "condition=Ready"));
  const auto after = getObject(api::kChaosIssuer, ns, "late");
  // No spec change did it: the generation is the one the issuer was created with.
  EXPECT_EQ(after["metadata"]["generation"], before["metadata"]["generation"]);
  EXPECT_EQ(after["status"].value("caSecret", ""), ns + "/late-ca");
  std::string out;
  EXPECT_TRUE(verifies(issueCertificate(ns, "c", "late"), ca.crt, &out)) << out;
}

TEST_F(IssuerHardeningTest, AGarbageCaSecretFixedMakesTheIssuerReady) {
  const std::string ns = SharedPlane::get().freshNamespace("fixed-secret");
  ASSERT_TRUE(admin()->create(res::kSecret, tlsSecret(ns, "ca", {"garbage", "more garbage"})));
  createCaIssuer(ns, "fixed", "ca");
  ASSERT_TRUE(waitFor(ns, "chaosissuer/fixed", readyReasonIs("InvalidCA")));
  const CaPems ca = makeCa("fixed CA");
  ASSERT_TRUE(admin()->update(res::kSecret, tlsSecret(ns, "ca", ca)));
  ASSERT_TRUE(waitFor(ns, "chaosissuer/fixed", "condition=Ready"));
  std::string out;
  EXPECT_TRUE(verifies(issueCertificate(ns, "c", "fixed"), ca.crt, &out)) << out;
}

TEST_F(IssuerHardeningTest, AfterACaRotationTheNextCertificateChainsToTheNewCa) {
  const std::string ns = SharedPlane::get().freshNamespace("rotated");
  const CaPems first = makeCa("first CA");
  ASSERT_TRUE(admin()->create(res::kSecret, tlsSecret(ns, "ca", first)));
  createCaIssuer(ns, "rotated", "ca");
  ASSERT_TRUE(waitFor(ns, "chaosissuer/rotated", "condition=Ready"));
  std::string out;
  EXPECT_TRUE(verifies(issueCertificate(ns, "before", "rotated"), first.crt, &out)) << out;

  const CaPems second = makeCa("second CA");
  ASSERT_TRUE(admin()->update(res::kSecret, tlsSecret(ns, "ca", second)));
  // The very next certificate, with no wait for the issuer to notice.
  const std::string leaf = issueCertificate(ns, "after", "rotated");
  EXPECT_TRUE(verifies(leaf, second.crt, &out)) << out;
  EXPECT_FALSE(verifies(leaf, first.crt, &out)) << "still signed by the old CA";
  // And the issuer says so: its status names the new CA, with an Event.
  EXPECT_TRUE(waitFor(ns, "chaosissuer/rotated",
                      "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}=Signing with "
                      "CA 'second CA' (serial " +
                          serialOf(second.crt) + ", Secret " + ns + "/ca); chaos: healthy",
                      30));
  const std::string events = eventsOf(ns, "ChaosIssuer", "rotated", "CAChanged");
  EXPECT_NE(events.find("CAChanged"), std::string::npos) << events;
}

// ---------------------------------------------------------------------------------------------
// Defect 4: least privilege, and a status that does not publish another Secret's keys.

// `kubectl auth can-i VERB RESOURCE` as the issuer's ServiceAccount: "yes" or "no".
std::string canI(const std::string& verb, const std::string& resource, const std::string& ns) {
  auto r = kubectl(stateDir(), {"auth", "can-i", verb, resource, "--as=" + std::string(kIssuerUser),
                                ns.empty() ? "--all-namespaces" : "--namespace=" + ns});
  std::string answer = r.output.substr(0, r.output.find_last_not_of('\n') + 1);
  return answer.substr(answer.rfind('\n') == std::string::npos ? 0 : answer.rfind('\n') + 1);
}

// A server-side dry run of creating `secret` as the issuer's ServiceAccount: admission (RBAC and
// the ValidatingAdmissionPolicy) decides as for a real create, and nothing is stored.
localcluster::CommandOutput createAsIssuer(const json& secret) {
  return kubectl(stateDir(),
                 {"create", "--dry-run=server", "--as=" + std::string(kIssuerUser), "-f", "-"},
                 json(secret).dump());
}

json secretObject(const std::string& ns, const std::string& name, const std::string& type,
                  bool labelled) {
  json s = {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"type", type},
            {"data", {{"tls.crt", kube::base64Encode("x")}, {"tls.key", kube::base64Encode("y")}}}};
  if (type == "kubernetes.io/service-account-token") {
    s["data"] = json::object();
    s["metadata"]["annotations"] = {{"kubernetes.io/service-account.name", "certchaos-issuer"}};
  }
  if (labelled) s["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "certchaos-issuer"}};
  return s;
}

TEST_F(IssuerHardeningTest, TheIssuerCreatesSecretsOnlyInItsNamespaceAndOnlyTlsOnes) {
  // RBAC: Secrets are read by name anywhere (a ChaosIssuer's CA is in its namespace), never
  // listed or watched, and created in certchaos-system only.
  EXPECT_EQ(canI("get", "secrets", "default"), "yes");
  EXPECT_EQ(canI("create", "secrets", kIssuerNamespace), "yes");
  EXPECT_EQ(canI("create", "secrets", "default"), "no");
  EXPECT_EQ(canI("create", "secrets", "kube-system"), "no");
  EXPECT_EQ(canI("list", "secrets", ""), "no");
  EXPECT_EQ(canI("watch", "secrets", ""), "no");
  EXPECT_EQ(canI("list", "secrets", kIssuerNamespace), "no");
  EXPECT_EQ(canI("update", "secrets", kIssuerNamespace), "no");
  EXPECT_EQ(canI("delete", "secrets", kIssuerNamespace), "no");

  // Admission: in certchaos-system, only its own kubernetes.io/tls Secrets.
  struct Case {
    std::string name, ns, type;
    bool labelled;
    bool allowed;
    std::string expected;  // in the refusal
  };
  const std::vector<Case> cases = {
      {"own-ca", kIssuerNamespace, "kubernetes.io/tls", true, true, ""},
      {"sa-token", kIssuerNamespace, "kubernetes.io/service-account-token", true, false,
       "may create only kubernetes.io/tls Secrets"},
      {"kube-system-token", "kube-system", "kubernetes.io/service-account-token", true, false,
       "forbidden"},
      {"opaque", kIssuerNamespace, "Opaque", true, false, "not Opaque Secrets"},
      {"unlabelled", kIssuerNamespace, "kubernetes.io/tls", false, false,
       "labelled app.kubernetes.io/managed-by"},
      {"elsewhere", "default", "kubernetes.io/tls", true, false, "forbidden"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = createAsIssuer(secretObject(c.ns, "certchaos-probe-" + c.name, c.type, c.labelled));
    EXPECT_EQ(r.exitCode == 0, c.allowed) << r.output;
    if (!c.allowed) {
      EXPECT_NE(r.output.find(c.expected), std::string::npos) << r.output;
    }
    std::cout << "[privilege] " << c.name << ": " << r.output;
  }
}

TEST_F(IssuerHardeningTest, ASelfSignedChaosIssuerKeepsItsCaInTheIssuersNamespace) {
  const std::string ns = SharedPlane::get().freshNamespace("selfsigned");
  // A CA kept the old way, in the issuer's namespace, is moved (the same CA keeps signing).
  const CaPems legacy = makeCa("legacy CA");
  json old = tlsSecret(ns, "moved-ca", legacy);
  old["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "certchaos-issuer"}};
  ASSERT_TRUE(admin()->create(res::kSecret, old));
  for (const char* name : {"fresh", "moved"}) {
    auto created =
        admin()->create(api::kChaosIssuer, {{"metadata", {{"name", name}, {"namespace", ns}}},
                                            {"spec", {{"selfSigned", json::object()}}}});
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(waitFor(ns, std::string("chaosissuer/") + name, "condition=Ready"));
  }
  const auto fresh = issuer::selfSignedSecret(api::kIssuerKind, ns, "fresh", kIssuerNamespace);
  EXPECT_EQ(fresh.str(), std::string(kIssuerNamespace) + "/" + ns + ".fresh-ca");
  EXPECT_EQ(getObject(api::kChaosIssuer, ns, "fresh")["status"].value("caSecret", ""), fresh.str());
  const auto secret = getObject(res::kSecret, fresh.ns, fresh.name);
  EXPECT_EQ(secret.value("type", ""), "kubernetes.io/tls");
  EXPECT_EQ(secret["metadata"]["annotations"].value("certchaos.io/issuer", ""),
            "ChaosIssuer/" + ns + "/fresh");
  // Nothing was created in the issuer's own namespace.
  EXPECT_FALSE(admin()->get(res::kSecret, ns, "fresh-ca"));
  std::string out;
  EXPECT_TRUE(verifies(issueCertificate(ns, "c", "fresh"),
                       secretData(fresh.ns, fresh.name, "tls.crt"), &out))
      << out;

  const auto moved = issuer::selfSignedSecret(api::kIssuerKind, ns, "moved", kIssuerNamespace);
  EXPECT_EQ(serialOf(secretData(moved.ns, moved.name, "tls.crt")), serialOf(legacy.crt));
  EXPECT_TRUE(verifies(issueCertificate(ns, "m", "moved"), legacy.crt, &out)) << out;
}

TEST_F(IssuerHardeningTest, AWrongSecretIsReportedWithoutItsKeys) {
  const std::string ns = SharedPlane::get().freshNamespace("wrong-secret");
  ASSERT_TRUE(admin()->create(res::kSecret,
                              {{"metadata", {{"name", "db-credentials"}, {"namespace", ns}}},
                               {"stringData", {{"username", "admin"}, {"password", "hunter2"}}}}));
  createCaIssuer(ns, "wrong", "db-credentials");
  ASSERT_TRUE(waitFor(ns, "chaosissuer/wrong", readyReasonIs("InvalidCA")));
  const std::string message = readyField(getObject(api::kChaosIssuer, ns, "wrong"), "message");
  EXPECT_NE(message.find("tls.crt and tls.key are missing"), std::string::npos) << message;
  const std::string events = eventsOf(ns, "ChaosIssuer", "wrong", "InvalidCA");
  EXPECT_NE(events.find("InvalidCA"), std::string::npos) << events;
  for (const char* leaked : {"username", "password", "admin", "hunter2"}) {
    EXPECT_EQ(message.find(leaked), std::string::npos) << message;
    EXPECT_EQ(events.find(leaked), std::string::npos) << events;
  }
  std::cout << "[wrong secret] " << message << "\n";
}

// ---------------------------------------------------------------------------------------------
// Defect 5: a signed status that the API server cannot store fails the request.

TEST_F(IssuerHardeningTest, ARequestWhoseCertificateCannotBeStoredFailsWithTheReason) {
  const std::string ns = SharedPlane::get().freshNamespace("too-large");
  ASSERT_TRUE(admin()->create(res::kSecret, tlsSecret(ns, "ca", makeCa("large CA"))));
  createCaIssuer(ns, "ca", "ca");
  ASSERT_TRUE(waitFor(ns, "chaosissuer/ca", "condition=Ready"));
  // ~500 kB of DNS names: the CSR (base64 of PEM) is ~0.9 MB and fits in the object; the
  // certificate beside it in the status does not (etcd stores at most 1.5 MiB).
  pki::CsrTemplate t;
  for (int i = 0; i < 8000; ++i) {
    t.dnsNames.push_back("host-" + std::to_string(i) +
                         ".a-rather-long-subdomain-name-for-size.certchaos.test");
  }
  t.keyUsage = pki::kDigitalSignature | pki::kKeyEncipherment;
  auto key = pki::PrivateKey::generate(pki::KeyAlgorithm::kEcdsaP256);
  ASSERT_TRUE(key);
  auto pem = pki::buildCsrPem(t, *key);
  ASSERT_TRUE(pem) << pem.error().message;
  const std::string request = pki::encodeBase64(*pem);
  ASSERT_GT(request.size(), 800'000u);
  auto created = admin()->create(
      api::kCertificateRequest,
      {{"metadata", {{"name", "large"}, {"namespace", ns}}},
       {"spec",
        {{"request", request},
         {"issuerRef", {{"group", "certchaos.io"}, {"kind", "ChaosIssuer"}, {"name", "ca"}}},
         {"usages", {"digital signature", "key encipherment"}}}}});
  ASSERT_TRUE(created) << created.error().message.substr(0, 500);
  ASSERT_TRUE(waitFor(ns, "certificaterequest/large", readyReasonIs("Failed"), 120));
  const auto cr = getObject(api::kCertificateRequest, ns, "large");
  EXPECT_TRUE(cr["status"].contains("failureTime"));
  EXPECT_FALSE(cr["status"].contains("certificate"));
  const std::string message = readyField(cr, "message");
  EXPECT_NE(message.find("cannot be stored"), std::string::npos) << message;
  EXPECT_NE(message.find("too large"), std::string::npos) << message;
  const std::string expected = "Failed: the signed certificate cannot be stored";
  const std::string events = eventsOf(ns, "CertificateRequest", "large", expected);
  EXPECT_NE(events.find(expected), std::string::npos) << events;
  std::cout << "[too large] " << message << "\n";
}

// ---------------------------------------------------------------------------------------------
// Defect 6: a CA without a subject key identifier signs (as cert-manager's CA issuer); a CA
// without keyCertSign is refused for that reason.

TEST_F(IssuerHardeningTest, ACaWithoutSubjectKeyIdentifierSigns) {
  const std::string ns = SharedPlane::get().freshNamespace("no-ski");
  const CaPems ca = makeCa("CA without SKI", /*subjectKeyId=*/false);
  ASSERT_TRUE(admin()->create(res::kSecret, tlsSecret(ns, "ca", ca)));
  createCaIssuer(ns, "ca", "ca");
  ASSERT_TRUE(waitFor(ns, "chaosissuer/ca", "condition=Ready"));
  const std::string leaf = issueCertificate(ns, "c", "ca");
  std::string out;
  EXPECT_TRUE(verifies(leaf, ca.crt, &out)) << out;
  auto cert = pki::Certificate::fromPem(leaf);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_get_ext_by_NID(cert->get(), NID_authority_key_identifier, -1), -1);
}

TEST_F(IssuerHardeningTest, ACaWithoutKeyCertSignIsRefusedNamingIt) {
  const std::string ns = SharedPlane::get().freshNamespace("no-certsign");
  ASSERT_TRUE(admin()->create(res::kSecret,
                              tlsSecret(ns, "ca", makeCa("CA without keyCertSign", true, false))));
  createCaIssuer(ns, "ca", "ca");
  ASSERT_TRUE(waitFor(ns, "chaosissuer/ca", readyReasonIs("InvalidCA")));
  const std::string message = readyField(getObject(api::kChaosIssuer, ns, "ca"), "message");
  EXPECT_NE(message.find("keyUsage keyCertSign"), std::string::npos) << message;
  EXPECT_EQ(message.find("basicConstraints"), std::string::npos) << message;
  std::cout << "[no keyCertSign] " << message << "\n";
}

// ---------------------------------------------------------------------------------------------
// Issue 8, defect 11: a hold's start is kept to the nanosecond, so the hold lasts its full delay.

TEST_F(IssuerHardeningTest, AHoldLastsItsWholeDelayFromItsPreciseStart) {
  const std::string ns = SharedPlane::get().freshNamespace("hold-precision");
  auto labelled = admin()->patch(res::kNamespace, "", ns, kube::PatchType::kMerge,
                                 {{"metadata", {{"labels", {{"certchaos.io/chaos", "enabled"}}}}}});
  ASSERT_TRUE(labelled) << labelled.error().message;
  ASSERT_TRUE(admin()->create(res::kSecret, tlsSecret(ns, "ca", makeCa("hold CA"))));
  auto created =
      admin()->create(api::kChaosIssuer,
                      {{"metadata", {{"name", "sleepy"}, {"namespace", ns}}},
                       {"spec",
                        {{"ca", {{"secretName", "ca"}}},
                         {"faults", {{{"type", "sleep"}, {"parameters", {{"delay", "3s"}}}}}}}}});
  ASSERT_TRUE(created) << created.error().message;
  ASSERT_TRUE(waitFor(ns, "chaosissuer/sleepy", "condition=Ready"));

  // When this process sees the request held and issued (a watch: no polling delay).
  std::mutex mu;
  std::condition_variable cv;
  std::optional<SystemTime> seenHeld, seenIssued;
  std::string heldMessage;
  kube::Informer watch(admin(), api::kCertificateRequest, ns);
  auto note = [&](const kube::ObjectPtr& o) {
    const auto now = std::chrono::system_clock::now();
    std::lock_guard lock(mu);
    const std::string reason = readyField(*o, "reason");
    const std::string message = readyField(*o, "message");
    if (!seenHeld && reason == "Pending" && message.rfind(issuer::kHoldMarker, 0) == 0) {
      seenHeld = now;
      heldMessage = message;
    }
    if (!seenIssued && reason == "Issued") seenIssued = now;
    cv.notify_all();
  };
  watch.addHandlers(
      {note, [&](const kube::ObjectPtr&, const kube::ObjectPtr& o) { note(o); }, nullptr});
  watch.start();
  ASSERT_TRUE(watch.waitForSync(std::chrono::seconds(30)));
  ASSERT_TRUE(admin()->create(
      api::kCertificateRequest,
      {{"metadata", {{"name", "held"}, {"namespace", ns}}},
       {"spec",
        {{"request",
          [] {
            pki::CsrTemplate t;
            t.dnsNames = {"held.certchaos.test"};
            auto key = pki::PrivateKey::generate(pki::KeyAlgorithm::kEcdsaP256);
            auto pem = pki::buildCsrPem(t, *key);
            return pki::encodeBase64(pem ? *pem : "");
          }()},
         {"issuerRef",
          {{"group", "certchaos.io"}, {"kind", "ChaosIssuer"}, {"name", "sleepy"}}}}}}));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return seenIssued.has_value(); }))
        << "never issued; held: " << heldMessage;
  }
  watch.stop();
  ASSERT_TRUE(seenHeld) << "never seen held";
  const std::string marker = issuer::kHoldStartedAt;
  const auto at = heldMessage.rfind(marker);
  ASSERT_NE(at, std::string::npos) << "no precise start in: " << heldMessage;
  const std::string startText =
      heldMessage.substr(at + marker.size(), heldMessage.find(')', at) - at - marker.size());
  auto start = parseRfc3339(startText);
  ASSERT_TRUE(start) << startText;
  EXPECT_NE(startText.find('.'), std::string::npos) << "whole seconds only: " << startText;
  // The start is when the issuer first saw the request approved (its watch event), just before
  // it held it and this process saw the hold.
  EXPECT_LE(*start, *seenHeld);
  EXPECT_GT(*start, *seenHeld - std::chrono::seconds(2));
  // Signed no earlier than the full delay after that start (up to a second early before).
  EXPECT_GE(*seenIssued, *start + std::chrono::seconds(3))
      << "issued " << std::chrono::duration<double>(*seenIssued - *start).count()
      << " s after the hold started at " << startText;
  std::cout << "[hold] started " << startText << ", issued after "
            << std::chrono::duration<double>(*seenIssued - *start).count() << " s\n";
}

// ---------------------------------------------------------------------------------------------
// Defect 10: path-like secretNames are refused by the CRD; out-of-range values say so; control
// characters from a spec never reach the status or an Event.

TEST_F(IssuerHardeningTest, PathLikeSecretNamesAreRefusedByTheApiServer) {
  const std::string ns = SharedPlane::get().freshNamespace("path-names");
  for (const char* bad : {".", "..", "a/b", "../kube-system", "CA"}) {
    SCOPED_TRACE(bad);
    json object = {{"apiVersion", "certchaos.io/v1alpha1"},
                   {"kind", "ChaosIssuer"},
                   {"metadata", {{"name", "path"}, {"namespace", ns}}},
                   {"spec", {{"ca", {{"secretName", bad}}}}}};
    auto r = kubectl(stateDir(), {"create", "-f", "-"}, object.dump());
    EXPECT_NE(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find("spec.ca.secretName"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("should match"), std::string::npos) << r.output;
  }
  // The cluster kind too.
  json object = {{"apiVersion", "certchaos.io/v1alpha1"},
                 {"kind", "ChaosClusterIssuer"},
                 {"metadata", {{"name", "path-" + std::to_string(getpid())}}},
                 {"spec", {{"ca", {{"secretName", ".."}}}}}};
  auto r = kubectl(stateDir(), {"create", "-f", "-"}, object.dump());
  EXPECT_NE(r.exitCode, 0) << r.output;
}

TEST_F(IssuerHardeningTest, SpecValuesReachTheStatusPrintableAndOutOfRangeSaysSo) {
  const std::string ns = SharedPlane::get().freshNamespace("messages");
  struct Case {
    std::string name;
    json spec;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"out-of-range",
       {{"scenario", "sleep"}, {"parameters", {{"delay", "9999999999h"}}}},
       "spec.parameters.delay: duration \"9999999999h\" is out of range"},
      {"control-characters",
       {{"scenario", "sleep"}, {"parameters", {{"dealy\n\x1b[31mForged: line\x07", "1m"}}}},
       "dealy\\n\\x1b[31mForged: line\\x07"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json spec = c.spec;
    spec["selfSigned"] = json::object();
    auto created = admin()->create(
        api::kChaosIssuer, {{"metadata", {{"name", c.name}, {"namespace", ns}}}, {"spec", spec}});
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(waitFor(ns, "chaosissuer/" + c.name, readyReasonIs("InvalidSpec")));
    const std::string message = readyField(getObject(api::kChaosIssuer, ns, c.name), "message");
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
    if (c.name == "out-of-range") {
      EXPECT_EQ(message.find("such as"), std::string::npos) << message;
    }
    const std::string events = eventsOf(ns, "ChaosIssuer", c.name, "InvalidSpec");
    EXPECT_NE(events.find("InvalidSpec"), std::string::npos) << events;
    for (const std::string& text : {message, events}) {
      for (char ch : text) {
        const auto u = static_cast<unsigned char>(ch);
        EXPECT_FALSE((u < 0x20 && ch != '\n') || u == 0x7f)
            << "control character " << int(u) << " in: " << text;
      }
    }
    // eventsOf() joins Events with '\n': one Event has none inside.
    EXPECT_EQ(events.find("\nForged"), std::string::npos) << events;
    std::cout << "[message] " << c.name << ": " << message << "\n";
  }
}

}  // namespace
}  // namespace certchaos::testing
