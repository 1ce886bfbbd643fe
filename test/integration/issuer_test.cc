// certchaos-issuer against the real local plane (etcd, kube-apiserver, cert-manager v1.21
// controllers, certchaos-issuer under its own ServiceAccount token): what issue 4 must show.
// Healthy issuance for every key type through both issuer kinds; every required fault as
// cert-manager and a TLS client see it; holds that block nothing; a SIGKILL in the middle of a
// hold; least privilege and server-side dry-runs of deploy/ (the Helm chart: chart_test.cc);
// bad specs and a garbage CSR.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/chaos/fault.h"
#include "certchaos/common/time.h"
#include "certchaos/demoapp/certificate_store.h"
#include "certchaos/demoapp/https_server.h"
#include "certchaos/issuer/issuer_reconciler.h"
#include "certchaos/issuer/request_reconciler.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/informer.h"
#include "certchaos/localcluster/local_cluster.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/pki/csr_builder.h"
#include "certchaos/pki/key.h"
#include "certchaos/pki/signing_authority.h"
#include "certchaos/scenario/renew.h"
#include "certchaos/scenario/tls_probe.h"
#include "plane.h"
#include "promtool.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;
namespace res = kube::resources;

constexpr const char* kHost = "app.certchaos.test";
constexpr const char* kIssuerUser = "system:serviceaccount:certchaos-system:certchaos-issuer";

std::shared_ptr<kube::Client> admin() { return SharedPlane::get().admin(); }
const std::string& stateDir() { return SharedPlane::get().stateDir(); }

const json* condition(const json& o, const std::string& type) {
  return api::findCondition(o, type);
}
std::string conditionField(const json& o, const std::string& type, const std::string& field) {
  const auto* c = condition(o, type);
  return c == nullptr ? "" : c->value(field, "");
}
std::string readyReason(const json& o) { return conditionField(o, "Ready", "reason"); }
bool hasCondition(const json& o, const std::string& type, const std::string& status) {
  return api::conditionIs(o, type, status);
}
SystemTime timeOf(const std::string& rfc3339) {
  auto t = parseRfc3339(rfc3339);
  EXPECT_TRUE(t) << "not an RFC 3339 time: '" << rfc3339 << "'";
  return t ? *t : SystemTime{};
}
double secondsBetween(SystemTime a, SystemTime b) {
  return std::chrono::duration<double>(b - a).count();
}
std::string decode(const std::string& b64) {
  auto d = kube::base64Decode(b64);
  EXPECT_TRUE(d) << "not base64";
  return d ? *d : "";
}

// Every version of one resource kind the plane shows (all namespaces), kept for the tests'
// questions: "wait until this holds", "which certificates did this request ever carry".
class Watcher {
 public:
  explicit Watcher(const kube::ResourceRef& resource) : informer_(admin(), resource) {
    auto note = [this](const kube::ObjectPtr& o) {
      std::lock_guard lock(mu_);
      history_[kube::objectKey(*o)].push_back(o);
      cv_.notify_all();
    };
    informer_.addHandlers({note,
                           [note](const kube::ObjectPtr&, const kube::ObjectPtr& o) { note(o); },
                           [this](const kube::ObjectPtr&) {
                             std::lock_guard lock(mu_);
                             cv_.notify_all();
                           }});
    informer_.start();
    EXPECT_TRUE(informer_.waitForSync(seconds(30)));
  }
  // The informer's thread calls the handlers above: stopped before the history they write dies
  // (members die after the destructor's body, in reverse order: history_ before informer_).
  ~Watcher() { informer_.stop(); }
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // The object `ns/name` once `pred` holds for it, or nullptr after `timeout`.
  kube::ObjectPtr waitFor(const std::string& ns, const std::string& name,
                          const std::function<bool(const json&)>& pred, seconds timeout) {
    const std::string key = ns.empty() ? name : ns + "/" + name;
    const auto deadline = SteadyClock::now() + timeout;
    std::unique_lock lock(mu_);
    while (true) {
      auto o = informer_.cache().get(key);
      if (o && pred(*o)) return o;
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
        o = informer_.cache().get(key);
        return o && pred(*o) ? o : nullptr;
      }
    }
  }
  kube::ObjectPtr get(const std::string& ns, const std::string& name) const {
    return informer_.cache().get(ns + "/" + name);
  }
  std::vector<kube::ObjectPtr> history(const std::string& ns, const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = history_.find(ns + "/" + name);
    return it == history_.end() ? std::vector<kube::ObjectPtr>{} : it->second;
  }

 private:
  kube::Informer informer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<kube::ObjectPtr>> history_;
};

// The suite's watchers: made by SetUpTestSuite, ended by TearDownTestSuite (the plane goes down
// after it).
std::unique_ptr<Watcher>& requestWatcher() {
  static std::unique_ptr<Watcher> w;
  return w;
}
std::unique_ptr<Watcher>& certificateWatcher() {
  static std::unique_ptr<Watcher> w;
  return w;
}
Watcher& requests() { return *requestWatcher(); }
Watcher& certificates() { return *certificateWatcher(); }

bool crIssued(const json& cr) { return readyReason(cr) == "Issued"; }
bool crFinal(const json& cr) {
  auto r = readyReason(cr);
  return r == "Issued" || r == "Failed" || r == "Denied";
}
bool crHeld(const json& cr) {
  return readyReason(cr) == "Pending" &&
         conditionField(cr, "Ready", "message").rfind(issuer::kHoldMarker, 0) == 0;
}
bool certReady(const json& c) { return hasCondition(c, "Ready", "True"); }
bool certIssuingFailed(const json& c) {
  return hasCondition(c, "Issuing", "False") && c["status"].contains("lastFailureTime");
}

void label(const std::string& ns) {
  auto patched = admin()->patch(res::kNamespace, "", ns, kube::PatchType::kMerge,
                                {{"metadata", {{"labels", {{"certchaos.io/chaos", "enabled"}}}}}});
  ASSERT_TRUE(patched) << patched.error().message;
}

std::string newNamespace(const std::string& prefix, bool optedIn) {
  std::string ns = SharedPlane::get().freshNamespace(prefix);
  if (optedIn) label(ns);
  return ns;
}

// A selfSigned ChaosIssuer `name` in `ns` with `spec` merged in; waits for Ready=True.
void createIssuer(const std::string& ns, const std::string& name, json spec = json::object()) {
  spec["selfSigned"] = json::object();
  auto created = admin()->create(
      api::kChaosIssuer, {{"metadata", {{"name", name}, {"namespace", ns}}}, {"spec", spec}});
  ASSERT_TRUE(created) << created.error().message;
  auto wait = kubectl(stateDir(), {"-n", ns, "wait", "--for=condition=Ready", "--timeout=60s",
                                   "chaosissuer/" + name});
  ASSERT_EQ(wait.exitCode, 0) << wait.output;
}

json issuerRef(const std::string& name, const std::string& kind = "ChaosIssuer") {
  return {{"group", "certchaos.io"}, {"kind", kind}, {"name", name}};
}

// A Certificate `name` for kHost and 127.0.0.1 (ECDSA P-256), `overrides` merged into its spec.
void createCertificate(const std::string& ns, const std::string& name, const json& ref,
                       const json& overrides = json::object()) {
  json spec = {{"secretName", name + "-tls"},
               {"dnsNames", {kHost}},
               {"ipAddresses", {"127.0.0.1"}},
               {"privateKey", {{"algorithm", "ECDSA"}, {"size", 256}}},
               {"issuerRef", ref}};
  spec.merge_patch(overrides);
  auto created = admin()->create(
      api::kCertificate, {{"metadata", {{"name", name}, {"namespace", ns}}}, {"spec", spec}});
  ASSERT_TRUE(created) << created.error().message;
}

std::string secretData(const std::string& ns, const std::string& name, const std::string& key) {
  auto s = admin()->get(res::kSecret, ns, name);
  if (!s) return "";
  auto data = (*s).value("data", json::object());
  return data.contains(key) ? decode(data[key].get<std::string>()) : "";
}

// The issuer's own CA (its selfSigned Secret, in the issuer's namespace certchaos-system, as its
// status.caSecret says): what the clients of these tests trust.
std::string issuerCa(const std::string& ns, const std::string& issuerName) {
  const auto where = issuer::selfSignedSecret(api::kIssuerKind, ns, issuerName, "certchaos-system");
  auto object = admin()->get(api::kChaosIssuer, ns, issuerName);
  EXPECT_TRUE(object && (*object)["status"].value("caSecret", "") == where.str())
      << "status.caSecret of " << ns << "/" << issuerName << " is not " << where.str();
  return secretData(where.ns, where.name, "tls.crt");
}

// Every Event on `kind/name` in `ns`: "reason: message" lines, and the count per reason.
std::map<std::string, int> eventCounts(const std::string& ns, const std::string& kind,
                                       const std::string& name, std::string* all = nullptr) {
  std::map<std::string, int> out;
  auto events = admin()->list(res::kEvent, ns);
  if (!events) return out;
  for (const auto& e : events->items) {
    const auto& io = e["involvedObject"];
    if (io.value("kind", "") != kind || io.value("name", "") != name) continue;
    out[e.value("reason", "")] += e.value("count", 1);
    if (all != nullptr) *all += e.value("reason", "") + ": " + e.value("message", "") + "\n";
  }
  return out;
}

std::string dump(const kube::ObjectPtr& o) { return o ? o->dump(2) : "(none)"; }

// An HTTPS server presenting the Secret's tls.crt/tls.key, probed once by a careful TLS client
// that trusts `trustedCaPem` and checks `serverName`.
scenario::ProbeResult probeSecret(const std::string& ns, const std::string& secretName,
                                  const std::string& trustedCaPem,
                                  const std::string& serverName = kHost) {
  demoapp::CertificateStore store(true);
  auto loaded =
      store.load(secretData(ns, secretName, "tls.crt"), secretData(ns, secretName, "tls.key"));
  if (!loaded) return {false, "cannot serve the Secret: " + loaded.error().message, std::nullopt};
  demoapp::HttpsServer server(store);
  auto port = server.start("127.0.0.1", 0);
  if (!port) return {false, "cannot listen: " + port.error().message, std::nullopt};
  auto r = scenario::probeTls({"127.0.0.1", *port, serverName, trustedCaPem},
                              std::chrono::milliseconds(5000));
  server.stop();
  return r;
}

localcluster::CommandOutput openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {localcluster::programOnPath("openssl")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, seconds(30));
}

// `openssl verify` of the leaf of `chainPem` against `caPem`, the rest of the chain untrusted.
localcluster::CommandOutput opensslVerify(const std::string& chainPem, const std::string& caPem,
                                          const std::vector<std::string>& extra = {}) {
  TempDir dir;
  auto chain = pki::Certificate::chainFromPem(chainPem);
  if (!chain || chain->empty()) return {-1, "no certificate in the chain"};
  writeFile(dir.path() + "/leaf.pem", chain->front().toPem());
  std::string rest;
  for (std::size_t i = 1; i < chain->size(); ++i) rest += (*chain)[i].toPem();
  writeFile(dir.path() + "/ca.pem", caPem);
  std::vector<std::string> args = {"verify", "-CAfile", dir.path() + "/ca.pem"};
  if (!rest.empty()) {
    writeFile(dir.path() + "/untrusted.pem", rest);
    args.insert(args.end(), {"-untrusted", dir.path() + "/untrusted.pem"});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(dir.path() + "/leaf.pem");
  return openssl(args);
}

std::vector<std::string> uriSans(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_URI) continue;
    const auto* s = n->d.uniformResourceIdentifier;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     ASN1_STRING_length(s));
  }
  GENERAL_NAMES_free(names);
  return out;
}

// The value of an unlabelled sample in Prometheus text, or -1.
double metricValue(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

// The issuer's address (for /healthz), from the plane's state.
std::string issuerUrl() {
  localcluster::LocalCluster cluster(stateDir());
  auto status = cluster.status();
  if (!status) return "";
  for (const auto& c : *status) {
    if (c.name == "certchaos-issuer") return c.url;
  }
  return "";
}
pid_t issuerPid() {
  localcluster::LocalCluster cluster(stateDir());
  auto status = cluster.status();
  if (!status) return 0;
  for (const auto& c : *status) {
    if (c.name == "certchaos-issuer") return c.running ? c.pid : 0;
  }
  return 0;
}

// A PEM CSR for a fresh key, as cert-manager makes them (SANs and usages encoded).
std::string csrBase64(const std::string& dns) {
  auto key = pki::PrivateKey::generate(pki::KeyAlgorithm::kEcdsaP256);
  EXPECT_TRUE(key);
  pki::CsrTemplate t;
  t.dnsNames = {dns};
  t.keyUsage = pki::kDigitalSignature | pki::kKeyEncipherment;
  auto pem = pki::buildCsrPem(t, *key);
  EXPECT_TRUE(pem) << (pem ? "" : pem.error().message);
  return pki::encodeBase64(pem ? *pem : "");
}

// A CertificateRequest made directly (no Certificate), for `ref`.
void createRequest(const std::string& ns, const std::string& name, const json& ref,
                   const std::string& requestB64) {
  auto created = admin()->create(api::kCertificateRequest,
                                 {{"metadata", {{"name", name}, {"namespace", ns}}},
                                  {"spec",
                                   {{"request", requestB64},
                                    {"issuerRef", ref},
                                    {"usages", {"digital signature", "key encipherment"}}}}});
  ASSERT_TRUE(created) << created.error().message;
}

// Denied=True on a request, written as an approval controller would (server-side apply on
// /status, its own field manager, so the issuer's Ready condition is left alone).
void deny(const std::string& ns, const std::string& name) {
  json patch = {{"apiVersion", "cert-manager.io/v1"},
                {"kind", "CertificateRequest"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"status",
                 {{"conditions",
                   {{{"type", "Denied"},
                     {"status", "True"},
                     {"reason", "certchaos-test"},
                     {"message", "denied by the test's approval policy"},
                     {"lastTransitionTime", formatRfc3339(std::chrono::system_clock::now())}}}}}}};
  auto applied = admin()->apply(
      api::kCertificateRequest, patch,
      {.fieldManager = "certchaos-test-approver", .force = true, .subresource = "status"});
  ASSERT_TRUE(applied) << applied.error().message;
}

class IssuerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(SharedPlane::get().ok());
    requestWatcher() = std::make_unique<Watcher>(api::kCertificateRequest);
    certificateWatcher() = std::make_unique<Watcher>(api::kCertificate);
  }
  static void TearDownTestSuite() {
    requestWatcher().reset();
    certificateWatcher().reset();
  }
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }
};

// ---------------------------------------------------------------------------------------------
// 1. Faults off: every key type through a ChaosIssuer and a ChaosClusterIssuer.

struct KeyCase {
  std::string name;
  json privateKey;
  int expectedType;  // EVP_PKEY_RSA, EVP_PKEY_EC, EVP_PKEY_ED25519
  int expectedBits;
};

const std::vector<KeyCase>& keyCases() {
  static const std::vector<KeyCase> k = {
      {"rsa2048", {{"algorithm", "RSA"}, {"size", 2048}}, EVP_PKEY_RSA, 2048},
      {"p256", {{"algorithm", "ECDSA"}, {"size", 256}}, EVP_PKEY_EC, 256},
      {"p384", {{"algorithm", "ECDSA"}, {"size", 384}}, EVP_PKEY_EC, 384},
      {"ed25519", {{"algorithm", "Ed25519"}}, EVP_PKEY_ED25519, 256},
  };
  return k;
}

// Certificates for every key type (server + client auth, DNS/IP/URI SANs) and one CA, through
// `ref`; each is Ready, verifies against `caPem` with openssl, and carries what was asked.
void expectHealthyIssuance(const std::string& ns, const json& ref, const std::string& caPem) {
  for (const auto& k : keyCases()) {
    createCertificate(
        ns, k.name, ref,
        {{"privateKey", k.privateKey},
         {"dnsNames", {kHost, k.name + ".certchaos.test"}},
         {"ipAddresses", {"127.0.0.1", "::1"}},
         {"uris", {"spiffe://certchaos.test/ns/" + ns + "/" + k.name}},
         {"usages", {"digital signature", "key encipherment", "server auth", "client auth"}},
         {"duration", "24h"}});
  }
  createCertificate(ns, "subca", ref,
                    {{"isCA", true},
                     {"commonName", "certchaos test sub-CA"},
                     {"dnsNames", json()},
                     {"ipAddresses", json()},
                     {"usages", {"cert sign", "crl sign", "digital signature"}}});
  auto wait = kubectl(stateDir(), {"-n", ns, "wait", "--for=condition=Ready", "--timeout=90s",
                                   "certificate", "--all"});
  ASSERT_EQ(wait.exitCode, 0) << wait.output;

  for (const auto& k : keyCases()) {
    SCOPED_TRACE(k.name);
    const std::string chainPem = secretData(ns, k.name + "-tls", "tls.crt");
    const std::string caCrt = secretData(ns, k.name + "-tls", "ca.crt");
    EXPECT_FALSE(caCrt.empty()) << "the Secret has no ca.crt";
    auto v = opensslVerify(chainPem, caPem);
    EXPECT_EQ(v.exitCode, 0) << v.output;
    auto v2 = opensslVerify(chainPem, caCrt, {"-purpose", "sslserver"});
    EXPECT_EQ(v2.exitCode, 0) << "against the Secret's ca.crt: " << v2.output;
    auto v3 = opensslVerify(chainPem, caPem, {"-purpose", "sslclient"});
    EXPECT_EQ(v3.exitCode, 0) << "as a client certificate: " << v3.output;

    auto leaf = pki::Certificate::fromPem(chainPem);
    ASSERT_TRUE(leaf);
    EXPECT_EQ(leaf->dnsNames(), (std::vector<std::string>{kHost, k.name + ".certchaos.test"}));
    EXPECT_EQ(leaf->ipAddresses(), (std::vector<std::string>{"127.0.0.1", "::1"}));
    EXPECT_EQ(uriSans(leaf->get()),
              (std::vector<std::string>{"spiffe://certchaos.test/ns/" + ns + "/" + k.name}));
    EXPECT_FALSE(leaf->isCA());
    const uint32_t xku = X509_get_extended_key_usage(leaf->get());
    EXPECT_TRUE(xku & XKU_SSL_SERVER) << "no serverAuth";
    EXPECT_TRUE(xku & XKU_SSL_CLIENT) << "no clientAuth";
    const uint32_t ku = X509_get_key_usage(leaf->get());
    EXPECT_TRUE(ku & KU_DIGITAL_SIGNATURE);
    EXPECT_TRUE(ku & KU_KEY_ENCIPHERMENT);
    EXPECT_FALSE(ku & KU_KEY_CERT_SIGN);
    EVP_PKEY* pub = X509_get0_pubkey(leaf->get());
    EXPECT_EQ(EVP_PKEY_get_base_id(pub), k.expectedType);
    EXPECT_EQ(EVP_PKEY_get_bits(pub), k.expectedBits);
    EXPECT_NEAR(secondsBetween(leaf->notBefore(), leaf->notAfter()), 24 * 3600, 1);
    // The served chain works for a strict TLS client too.
    auto probe = probeSecret(ns, k.name + "-tls", caPem);
    EXPECT_TRUE(probe.ok) << probe.error;
  }
  const std::string subca = secretData(ns, "subca-tls", "tls.crt");
  auto v = opensslVerify(subca, caPem);
  EXPECT_EQ(v.exitCode, 0) << v.output;
  auto leaf = pki::Certificate::fromPem(subca);
  ASSERT_TRUE(leaf);
  EXPECT_TRUE(leaf->isCA());
  EXPECT_TRUE(X509_get_key_usage(leaf->get()) & KU_KEY_CERT_SIGN);
  EXPECT_EQ(leaf->subjectCommonName(), "certchaos test sub-CA");
  // Default duration: cert-manager asks for 90 days when the Certificate names none.
  EXPECT_NEAR(secondsBetween(leaf->notBefore(), leaf->notAfter()), 90 * 24 * 3600, 1);
}

TEST_F(IssuerTest, FaultsOffEveryKeyTypeThroughAChaosIssuer) {
  const std::string ns = newNamespace("healthy", /*optedIn=*/false);
  createIssuer(ns, "ca");
  const std::string caPem = issuerCa(ns, "ca");
  ASSERT_FALSE(caPem.empty());
  expectHealthyIssuance(ns, issuerRef("ca"), caPem);
}

TEST_F(IssuerTest, FaultsOffEveryKeyTypeThroughAChaosClusterIssuer) {
  // The ClusterIssuer's CA lives in the cluster resource namespace, made by the test: a root and
  // an intermediate, so the chain has two certificates to verify.
  auto now = std::chrono::system_clock::now();
  auto root = pki::SigningAuthority::generateRoot(
      "certchaos test root", pki::KeyAlgorithm::kEcdsaP384, now - std::chrono::hours(1),
      now + std::chrono::hours(24 * 365));
  ASSERT_TRUE(root);
  auto intermediate =
      root->issueIntermediate("certchaos test intermediate", pki::KeyAlgorithm::kEcdsaP256,
                              now - std::chrono::hours(1), now + std::chrono::hours(24 * 300));
  ASSERT_TRUE(intermediate);
  const std::string secretName = "cluster-ca-" + std::to_string(getpid());
  auto secret = admin()->create(
      res::kSecret, {{"metadata", {{"name", secretName}, {"namespace", "certchaos-system"}}},
                     {"type", "kubernetes.io/tls"},
                     {"data",
                      // certificatePem(): the intermediate and its issuers, the root.
                      {{"tls.crt", kube::base64Encode(intermediate->certificatePem())},
                       {"tls.key", kube::base64Encode(intermediate->keyPem())}}}});
  ASSERT_TRUE(secret) << secret.error().message;
  const std::string name = "cluster-" + std::to_string(getpid());
  auto created = admin()->create(
      api::kChaosClusterIssuer,
      {{"metadata", {{"name", name}}}, {"spec", {{"ca", {{"secretName", secretName}}}}}});
  ASSERT_TRUE(created) << created.error().message;
  auto wait = kubectl(
      stateDir(), {"wait", "--for=condition=Ready", "--timeout=60s", "chaosclusterissuer/" + name});
  ASSERT_EQ(wait.exitCode, 0) << wait.output;

  const std::string ns = newNamespace("cluster", /*optedIn=*/false);
  expectHealthyIssuance(ns, issuerRef(name, "ChaosClusterIssuer"), root->certificatePem());
  // The chain in tls.crt is leaf then intermediate; ca.crt is the root.
  auto chain = pki::Certificate::chainFromPem(secretData(ns, "p256-tls", "tls.crt"));
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[1].subjectCommonName(), "certchaos test intermediate");
  auto ca = pki::Certificate::fromPem(secretData(ns, "p256-tls", "ca.crt"));
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->subjectCommonName(), "certchaos test root");
  (void)admin()->remove(api::kChaosClusterIssuer, "", name);
}

// ---------------------------------------------------------------------------------------------
// 2. Every required fault, each in its own opted-in namespace, all at once.

struct FaultContext {
  std::string ns;
  std::string caPem;  // what clients trust: the issuer's own CA
  std::string notes;  // what was observed, printed at the end
};

struct FaultCase {
  std::string name;
  json issuerSpec;                    // beside selfSigned
  json certificate = json::object();  // overrides of the Certificate "c"
  json ref = issuerRef("chaos");
  std::function<void(FaultContext&)> check;
};

// Waits for Certificate c's first request c-1 to be final and returns it.
kube::ObjectPtr finalRequest(const FaultContext& f, const std::string& name = "c-1",
                             seconds timeout = seconds(60)) {
  auto cr = requests().waitFor(f.ns, name, crFinal, timeout);
  EXPECT_TRUE(cr) << f.ns << "/" << name << " never final: " << dump(requests().get(f.ns, name));
  return cr;
}

void expectEvent(const FaultContext& f, const std::string& kind, const std::string& name,
                 const std::string& reason) {
  std::string all;
  auto counts = eventCounts(f.ns, kind, name, &all);
  EXPECT_EQ(counts[reason], 1) << "expected exactly one " << reason << " Event on " << kind << " "
                               << f.ns << "/" << name << "; events:\n"
                               << all;
}

// cert-manager refused what the issuer wrote: the request is Issued, the Certificate failed
// issuing (reason InvalidCertificate in v1.21), and the Secret holds no certificate.
void expectCertManagerRefuses(FaultContext& f, const std::string& fault) {
  auto cr = finalRequest(f);
  ASSERT_TRUE(cr);
  EXPECT_TRUE(crIssued(*cr)) << dump(cr);
  auto c = certificates().waitFor(f.ns, "c", certIssuingFailed, seconds(30));
  ASSERT_TRUE(c) << dump(certificates().get(f.ns, "c"));
  EXPECT_EQ(conditionField(*c, "Issuing", "reason"), "InvalidCertificate") << dump(c);
  EXPECT_EQ((*c)["status"].value("failedIssuanceAttempts", 0), 1);
  EXPECT_FALSE(certReady(*c));
  EXPECT_TRUE(secretData(f.ns, "c-tls", "tls.crt").empty());
  expectEvent(f, "CertificateRequest", "c-1", chaos::eventReasonFor(fault));
  f.notes = "Certificate Issuing=False " + conditionField(*c, "Issuing", "reason") + ": " +
            conditionField(*c, "Issuing", "message");
}

// cert-manager stored it; a strict TLS client refuses it with `expectedError`.
void expectClientRefuses(FaultContext& f, const std::string& fault,
                         const std::string& expectedError, const std::string& serverName = kHost) {
  auto c = certificates().waitFor(
      f.ns, "c",
      [](const json& o) { return o.value("status", json::object()).contains("revision"); },
      seconds(60));
  ASSERT_TRUE(c) << dump(certificates().get(f.ns, "c")) << dump(requests().get(f.ns, "c-1"));
  auto probe = probeSecret(f.ns, "c-tls", f.caPem, serverName);
  EXPECT_FALSE(probe.ok);
  // `expectedError`: alternatives separated by '|'.
  bool matched = false;
  std::stringstream alternatives(expectedError);
  for (std::string alt; std::getline(alternatives, alt, '|');) {
    matched = matched || probe.error.find(alt) != std::string::npos;
  }
  EXPECT_TRUE(matched) << "expected " << expectedError << ", found: " << probe.error;
  expectEvent(f, "CertificateRequest", "c-1", chaos::eventReasonFor(fault));
  // What cert-manager made of it, for the record (once its readiness controller looked).
  auto now = certificates().waitFor(
      f.ns, "c", [](const json& o) { return readyReason(o) != "DoesNotExist"; }, seconds(10));
  if (!now) now = certificates().get(f.ns, "c");
  ASSERT_TRUE(now);
  f.notes = "TLS client: " + probe.error + " | cert-manager stored it: Certificate Ready=" +
            conditionField(*now, "Ready", "status") + " (" +
            conditionField(*now, "Ready", "reason") + "), revision " +
            std::to_string((*now)["status"].value("revision", 0));
}

// The Certificate failed issuing with the request's failure (reason `reason`).
void expectIssuanceFailed(FaultContext& f, const kube::ObjectPtr& cr, const std::string& reason,
                          std::string certificateReason = "") {
  if (certificateReason.empty()) certificateReason = reason;
  ASSERT_TRUE(cr);
  EXPECT_EQ(readyReason(*cr), reason) << dump(cr);
  EXPECT_TRUE((*cr)["status"].contains("failureTime")) << dump(cr);
  EXPECT_FALSE((*cr)["status"].contains("certificate"));
  auto c = certificates().waitFor(f.ns, "c", certIssuingFailed, seconds(30));
  ASSERT_TRUE(c) << dump(certificates().get(f.ns, "c"));
  EXPECT_EQ(conditionField(*c, "Issuing", "reason"), certificateReason) << dump(c);
  EXPECT_NE(conditionField(*c, "Issuing", "message").find("will be retried"), std::string::npos);
  f.notes = "CR Ready=False " + reason + ": " + conditionField(*cr, "Ready", "message") +
            " | Certificate Issuing=False, failedIssuanceAttempts=" +
            std::to_string((*c)["status"].value("failedIssuanceAttempts", 0));
}

std::vector<FaultCase> faultCases() {
  std::vector<FaultCase> cases;
  cases.push_back(
      {"rogue-issuer",
       {{"scenario", "rogue-issuer"}},
       json::object(),
       // Addressed to an issuer nobody runs: only a rogue issuer answers.
       {{"group", "issuers.example.com"}, {"kind", "OtherIssuer"}, {"name", "other"}},
       [](FaultContext& f) {
         auto cr = finalRequest(f);
         ASSERT_TRUE(cr);
         EXPECT_TRUE(crIssued(*cr)) << dump(cr);
         EXPECT_NE(conditionField(*cr, "Ready", "message").find("rogue-issuer"), std::string::npos);
         auto c = certificates().waitFor(f.ns, "c", certReady, seconds(30));
         ASSERT_TRUE(c);
         auto v = opensslVerify(secretData(f.ns, "c-tls", "tls.crt"), f.caPem);
         EXPECT_EQ(v.exitCode, 0) << "not signed by the rogue issuer's CA: " << v.output;
         expectEvent(f, "CertificateRequest", "c-1", "ChaosRogueIssuer");
         f.notes =
             "a request for issuers.example.com/OtherIssuer was signed by "
             "ChaosIssuer chaos: " +
             conditionField(*cr, "Ready", "message");
       }});
  cases.push_back({"sleep",
                   {{"scenario", "sleep"},
                    {"parameters", {{"delay", "1h"}}},
                    {"timeScale", 360}},  // 1 h nominal = 10 s
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) {
                     auto held = requests().waitFor(f.ns, "c-1", crHeld, seconds(30));
                     ASSERT_TRUE(held) << dump(requests().get(f.ns, "c-1"));
                     const auto start =
                         timeOf(conditionField(*held, "Ready", "lastTransitionTime"));
                     auto c = certificates().get(f.ns, "c");
                     ASSERT_TRUE(c);
                     EXPECT_FALSE(certReady(*c));
                     auto cr = finalRequest(f, "c-1", seconds(40));
                     ASSERT_TRUE(cr);
                     ASSERT_TRUE(crIssued(*cr)) << dump(cr);
                     const auto issued = timeOf(conditionField(*cr, "Ready", "lastTransitionTime"));
                     const double held_s = secondsBetween(start, issued);
                     EXPECT_GE(held_s, 10) << "signed before the delay";
                     EXPECT_LE(held_s, 12) << "signed long after the delay";
                     EXPECT_TRUE(certificates().waitFor(f.ns, "c", certReady, seconds(30)));
                     expectEvent(f, "CertificateRequest", "c-1", "ChaosSleep");
                     f.notes = "Pending (" + conditionField(*held, "Ready", "message") + ") for " +
                               std::to_string(held_s) + " s, then Issued";
                   }});
  cases.push_back(
      {"hang",
       {{"faults", {{{"type", "hang"}}}}},
       json::object(),
       issuerRef("chaos"),
       [](FaultContext& f) {
         auto held = requests().waitFor(f.ns, "c-1", crHeld, seconds(30));
         ASSERT_TRUE(held) << dump(requests().get(f.ns, "c-1"));
         // Nothing to wait on for "never": look again after 15 s.
         std::this_thread::sleep_for(seconds(15));
         auto cr = requests().get(f.ns, "c-1");
         ASSERT_TRUE(cr);
         EXPECT_TRUE(crHeld(*cr)) << dump(cr);
         EXPECT_FALSE((*cr)["status"].contains("certificate"));
         auto c = certificates().get(f.ns, "c");
         ASSERT_TRUE(c);
         EXPECT_TRUE(hasCondition(*c, "Issuing", "True")) << dump(c);
         EXPECT_FALSE(certReady(*c));
         expectEvent(f, "CertificateRequest", "c-1", "ChaosHang");
         // ... and the issuer's metrics show it.
         auto metrics = run({localcluster::programOnPath("curl"), "-sS", "--max-time", "5",
                             issuerUrl() + "/metrics"});
         EXPECT_NE(metrics.output.find("certchaos_issuer_faults_injected_total{fault=\"hang\"}"),
                   std::string::npos);
         EXPECT_GE(metricValue(metrics.output, "certchaos_issuer_held_requests"), 1)
             << metrics.output;
         f.notes = "still Pending after 15 s: " + conditionField(*cr, "Ready", "message") +
                   "; Certificate Issuing=True, Ready=" + conditionField(*c, "Ready", "status");
       }});
  cases.push_back(
      {"fail-transient-pending",
       {{"faults",
         {{{"type", "fail-transient"},
           {"parameters", {{"attempts", "2"}, {"mode", "pending"}, {"retryAfter", "2s"}}}}}}},
       json::object(),
       issuerRef("chaos"),
       [](FaultContext& f) {
         auto cr = finalRequest(f, "c-1", seconds(40));
         ASSERT_TRUE(cr);
         EXPECT_TRUE(crIssued(*cr)) << dump(cr);
         std::set<std::string> messages;
         for (const auto& v : requests().history(f.ns, "c-1")) {
           if (readyReason(*v) == "Pending") {
             messages.insert(conditionField(*v, "Ready", "message"));
           }
         }
         std::string all;
         for (const auto& m : messages) all += m + "\n";
         EXPECT_EQ(messages.size(), 2u) << all;
         bool first = false, second = false;
         for (const auto& m : messages) {
           first = first || m.find("(attempt 1)") != std::string::npos;
           second = second || m.find("(attempt 2)") != std::string::npos;
         }
         EXPECT_TRUE(first && second) << all;
         EXPECT_TRUE(certificates().waitFor(f.ns, "c", certReady, seconds(30)));
         expectEvent(f, "CertificateRequest", "c-1", "ChaosFailTransient");
         f.notes = "Pending twice on the same request (" + std::to_string(messages.size()) +
                   " messages), then Issued";
       }});
  cases.push_back(
      {"fail-transient-failed",
       {{"faults", {{{"type", "fail-transient"}, {"parameters", {{"attempts", "1"}}}}}}},
       json::object(),
       issuerRef("chaos"),
       [](FaultContext& f) {
         auto cr = finalRequest(f);
         expectIssuanceFailed(f, cr, "Failed");
         ASSERT_TRUE(cr);
         const std::string firstUid = (*cr)["metadata"].value("uid", "");
         // cert-manager backs off 1 h; a manual renewal (as cmctl renew) skips it.
         // The failed request is replaced only if it failed before the renewal.
         std::this_thread::sleep_for(std::chrono::milliseconds(1100));
         auto renewed = scenario::forceRenewal(*admin(), f.ns, "c", realClock());
         ASSERT_TRUE(renewed) << renewed.error().message;
         auto second = requests().waitFor(
             f.ns, "c-1",
             [&](const json& o) {
               return o["metadata"].value("uid", "") != firstUid && crFinal(o);
             },
             seconds(60));
         ASSERT_TRUE(second) << dump(requests().get(f.ns, "c-1"));
         EXPECT_TRUE(crIssued(*second)) << dump(second);
         EXPECT_TRUE(certificates().waitFor(f.ns, "c", certReady, seconds(30)));
         f.notes += " | after a renewal: attempt 2 Issued";
       }});
  cases.push_back({"fail-permanent",
                   {{"scenario", "fail-permanent"}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) {
                     expectIssuanceFailed(f, finalRequest(f), "Failed");
                     expectEvent(f, "CertificateRequest", "c-1", "ChaosFailPermanent");
                   }});
  cases.push_back(
      {"deny", {{"scenario", "deny"}}, json::object(), issuerRef("chaos"), [](FaultContext& f) {
         auto cr = finalRequest(f);
         ASSERT_TRUE(cr);
         // cert-manager's approver is fast: if it approved first, Denied cannot be
         // added (Approved/Denied are exclusive), so the issuer fails it instead.
         if (hasCondition(*cr, "Denied", "True")) {
           EXPECT_FALSE(hasCondition(*cr, "Approved", "True"));
           // cert-manager names the Denied condition's reason (the approver's).
           expectIssuanceFailed(f, cr, "Denied", "certchaos.io");
         } else {
           EXPECT_TRUE(hasCondition(*cr, "Approved", "True"));
           expectIssuanceFailed(f, cr, "Failed");
           EXPECT_NE(conditionField(*cr, "Ready", "message").find("already Approved"),
                     std::string::npos);
         }
         expectEvent(f, "CertificateRequest", "c-1", "ChaosDeny");
       }});
  cases.push_back({"rate-limit",
                   {{"scenario", "rate-limit"}, {"parameters", {{"limit", "1"}}}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) {
                     // Two Certificates; the second one asks after the first was issued.
                     auto first = finalRequest(f);
                     ASSERT_TRUE(first);
                     EXPECT_TRUE(crIssued(*first)) << dump(first);
                     createCertificate(f.ns, "d", issuerRef("chaos"));
                     auto second = finalRequest(f, "d-1");
                     ASSERT_TRUE(second);
                     EXPECT_EQ(readyReason(*second), "Failed") << dump(second);
                     const auto message = conditionField(*second, "Ready", "message");
                     EXPECT_NE(message.find("too many certificates"), std::string::npos);
                     EXPECT_NE(message.find("retry after"), std::string::npos);
                     EXPECT_TRUE((*second)["status"].contains("failureTime"));
                     auto d = certificates().waitFor(f.ns, "d", certIssuingFailed, seconds(30));
                     EXPECT_TRUE(d) << dump(certificates().get(f.ns, "d"));
                     expectEvent(f, "CertificateRequest", "d-1", "ChaosRateLimit");
                     f.notes = "first Issued; second: " + message;
                   }});
  cases.push_back({"short-lived",
                   {{"scenario", "short-lived"}, {"parameters", {{"validity", "1h"}}}},
                   {{"duration", "2160h"}},
                   issuerRef("chaos"),
                   [](FaultContext& f) {
                     auto c = certificates().waitFor(f.ns, "c", certReady, seconds(60));
                     ASSERT_TRUE(c) << dump(certificates().get(f.ns, "c"));
                     auto leaf = pki::Certificate::fromPem(secretData(f.ns, "c-tls", "tls.crt"));
                     ASSERT_TRUE(leaf);
                     EXPECT_NEAR(secondsBetween(leaf->notBefore(), leaf->notAfter()), 3600, 1);
                     // cert-manager renews at 2/3 of the real lifetime, not of the 90 days asked.
                     const auto renewal = timeOf((*c)["status"].value("renewalTime", ""));
                     EXPECT_NEAR(secondsBetween(leaf->notBefore(), renewal), 2400, 2);
                     expectEvent(f, "CertificateRequest", "c-1", "ChaosShortLived");
                     f.notes = "asked 2160h, got 1h; renewalTime " +
                               (*c)["status"].value("renewalTime", "");
                   }});
  cases.push_back({"expired",
                   {{"scenario", "expired"}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) { expectCertManagerRefuses(f, "expired"); }});
  cases.push_back({"not-yet-valid",
                   {{"scenario", "not-yet-valid"}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) {
                     expectClientRefuses(f, "not-yet-valid", "certificate is not yet valid");
                   }});
  cases.push_back({"wrong-san",
                   {{"scenario", "wrong-san"}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) {
                     expectClientRefuses(f, "wrong-san", "hostname mismatch");
                     auto leaf = pki::Certificate::fromPem(secretData(f.ns, "c-tls", "tls.crt"));
                     ASSERT_TRUE(leaf);
                     EXPECT_EQ(leaf->dnsNames(),
                               std::vector<std::string>{"wrong.certchaos.invalid"});
                     // cert-manager may re-issue it (the names differ from the spec): stop that.
                     (void)admin()->remove(api::kCertificate, f.ns, "c");
                   }});
  cases.push_back({"key-mismatch",
                   {{"scenario", "key-mismatch"}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) { expectCertManagerRefuses(f, "key-mismatch"); }});
  cases.push_back({"incomplete-chain",
                   {{"scenario", "incomplete-chain"}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) {
                     expectClientRefuses(f, "incomplete-chain", "unable to get local issuer");
                     const auto chainPem = secretData(f.ns, "c-tls", "tls.crt");
                     auto chain = pki::Certificate::chainFromPem(chainPem);
                     ASSERT_TRUE(chain);
                     EXPECT_EQ(chain->size(), 1u);
                     auto v = opensslVerify(chainPem, f.caPem);
                     EXPECT_NE(v.exitCode, 0) << v.output;
                     std::string said = v.output;
                     std::replace(said.begin(), said.end(), '\n', ' ');
                     f.notes += " | openssl verify: " + said;
                   }});
  cases.push_back({"untrusted-root",
                   {{"scenario", "untrusted-root"}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) {
                     expectClientRefuses(
                         f, "untrusted-root",
                         "unable to get local issuer|self-signed certificate in certificate chain");
                     // ca.crt still names the usual CA: verification against it fails too.
                     auto v = opensslVerify(secretData(f.ns, "c-tls", "tls.crt"),
                                            secretData(f.ns, "c-tls", "ca.crt"));
                     EXPECT_NE(v.exitCode, 0) << v.output;
                   }});
  cases.push_back({"expired-intermediate",
                   {{"scenario", "expired-intermediate"}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) {
                     expectClientRefuses(f, "expired-intermediate", "certificate has expired");
                     auto chain =
                         pki::Certificate::chainFromPem(secretData(f.ns, "c-tls", "tls.crt"));
                     ASSERT_TRUE(chain);
                     ASSERT_GE(chain->size(), 2u);
                     EXPECT_LT((*chain)[1].notAfter(), std::chrono::system_clock::now());
                     EXPECT_GT((*chain)[0].notAfter(), std::chrono::system_clock::now());
                   }});
  cases.push_back({"corrupt",
                   {{"scenario", "corrupt"}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) { expectCertManagerRefuses(f, "corrupt"); }});
  cases.push_back({"bad-profile",
                   {{"scenario", "bad-profile"}},
                   json::object(),
                   issuerRef("chaos"),
                   [](FaultContext& f) {
                     expectClientRefuses(f, "bad-profile", "unsuitable certificate purpose");
                   }});
  cases.push_back(
      {"backdated",
       {{"scenario", "backdated"}},
       {{"duration", "1h"}},
       issuerRef("chaos"),
       [](FaultContext& f) {
         auto first = finalRequest(f);
         ASSERT_TRUE(first);
         EXPECT_TRUE(crIssued(*first)) << dump(first);
         auto leaf = pki::Certificate::fromPem(decode((*first)["status"].value("certificate", "")));
         ASSERT_TRUE(leaf);
         EXPECT_LT(leaf->notBefore(), std::chrono::system_clock::now() - std::chrono::minutes(50));
         // Its renewal time is already past: cert-manager renews at once, and again.
         auto c = certificates().waitFor(
             f.ns, "c",
             [](const json& o) {
               return o.value("status", json::object()).value("revision", 0) >= 3;
             },
             seconds(60));
         ASSERT_TRUE(c) << dump(certificates().get(f.ns, "c"));
         const auto renewal = timeOf((*c)["status"].value("renewalTime", ""));
         EXPECT_LT(renewal, std::chrono::system_clock::now());
         // Stop the loop (the runner's circuit breaker does this in a real run).
         (void)admin()->remove(api::kCertificate, f.ns, "c");
         f.notes = "re-issued in a loop: revision " +
                   std::to_string((*c)["status"].value("revision", 0)) +
                   " within seconds; renewalTime " + (*c)["status"].value("renewalTime", "");
       }});
  return cases;
}

TEST_F(IssuerTest, EveryFaultShowsItsEffectOnCertManagerAndTlsClients) {
  auto cases = faultCases();
  std::vector<FaultContext> contexts(cases.size());
  // Namespaces and issuers first (sequential: each waits for its issuer's Ready), then every
  // Certificate at once, then the checks in parallel.
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    contexts[i].ns = newNamespace(cases[i].name, /*optedIn=*/true);
    createIssuer(contexts[i].ns, "chaos", cases[i].issuerSpec);
    contexts[i].caPem = issuerCa(contexts[i].ns, "chaos");
  }
  const auto started = SteadyClock::now();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    createCertificate(contexts[i].ns, "c", cases[i].ref, cases[i].certificate);
  }
  std::vector<std::jthread> threads;
  std::vector<double> took(cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    threads.emplace_back([&, i] {
      SCOPED_TRACE(cases[i].name + " in " + contexts[i].ns);
      cases[i].check(contexts[i]);
      took[i] = std::chrono::duration<double>(SteadyClock::now() - started).count();
    });
  }
  threads.clear();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::cout << "[fault] " << cases[i].name << " (" << took[i] << " s): " << contexts[i].notes
              << "\n";
  }
}

TEST_F(IssuerTest, RogueIssuerSignsOnlyInOptedInNamespaces) {
  // The same rogue issuer in a namespace without the opt-in label acts as a healthy one: it
  // leaves another issuer's request alone.
  const std::string optedIn = newNamespace("rogue-on", true);
  const std::string optedOut = newNamespace("rogue-off", false);
  const json other = {{"group", "issuers.example.com"}, {"kind", "OtherIssuer"}, {"name", "other"}};
  for (const auto& ns : {optedIn, optedOut}) {
    createIssuer(ns, "chaos", {{"scenario", "rogue-issuer"}});
    createCertificate(ns, "c", other);
  }
  ASSERT_TRUE(requests().waitFor(optedIn, "c-1", crIssued, seconds(60)));
  // The opted-out request was created at the same moment; give the issuer a moment more.
  std::this_thread::sleep_for(seconds(3));
  auto cr = requests().get(optedOut, "c-1");
  ASSERT_TRUE(cr);
  EXPECT_TRUE(hasCondition(*cr, "Approved", "True")) << dump(cr);
  EXPECT_EQ(condition(*cr, "Ready"), nullptr) << dump(cr);
  EXPECT_FALSE((*cr)["status"].contains("certificate"));
  for (const auto& [reason, count] : eventCounts(optedOut, "CertificateRequest", "c-1")) {
    EXPECT_NE(reason.rfind("Chaos", 0), 0u) << reason << " x" << count;
  }
}

// skip-approval needs requests that are not Approved: cert-manager's approver approves every
// request on a plane without the webhook within milliseconds, so cert-manager is stopped while
// the requests are made (and started again after).
TEST_F(IssuerTest, SkipApprovalSignsUnapprovedAndDeniedRequests) {
  const std::string unapproved = newNamespace("skip-unapproved", true);
  const std::string denied = newNamespace("skip-denied", true);
  const std::string healthy = newNamespace("skip-healthy", true);
  createIssuer(unapproved, "chaos",
               {{"scenario", "skip-approval"}, {"parameters", {{"mode", "unapproved"}}}});
  createIssuer(denied, "chaos",
               {{"scenario", "skip-approval"}, {"parameters", {{"mode", "denied"}}}});
  createIssuer(healthy, "chaos");

  localcluster::LocalCluster cluster(stateDir());
  std::ostringstream out;
  ASSERT_TRUE(cluster.stopComponent("cm-controller", false, out)) << out.str();
  // Started again whatever happens below.
  struct Restart {
    localcluster::LocalCluster& c;
    bool done = false;
    void operator()() {
      std::ostringstream o;
      auto r = c.restartComponent("cm-controller", o);
      done = true;
      ASSERT_TRUE(r) << r.error().message << o.str();
    }
    ~Restart() {
      if (!done) (*this)();
    }
  } restart{cluster};

  createRequest(unapproved, "plain", issuerRef("chaos"), csrBase64(kHost));
  for (const auto& ns : {denied, healthy}) {
    createRequest(ns, "plain", issuerRef("chaos"), csrBase64(kHost));
    createRequest(ns, "denied", issuerRef("chaos"), csrBase64(kHost));
    deny(ns, "denied");
  }
  // mode unapproved: the request nobody approved is signed.
  auto signedPlain = requests().waitFor(unapproved, "plain", crIssued, seconds(30));
  ASSERT_TRUE(signedPlain) << dump(requests().get(unapproved, "plain"));
  EXPECT_EQ(condition(*signedPlain, "Approved"), nullptr) << dump(signedPlain);
  EXPECT_EQ(condition(*signedPlain, "Denied"), nullptr) << dump(signedPlain);
  EXPECT_EQ(eventCounts(unapproved, "CertificateRequest", "plain")["ChaosSkipApproval"], 1);
  // mode denied: the denied request is signed.
  auto signedDenied = requests().waitFor(denied, "denied", crIssued, seconds(30));
  ASSERT_TRUE(signedDenied) << dump(requests().get(denied, "denied"));
  EXPECT_TRUE(hasCondition(*signedDenied, "Denied", "True"));
  EXPECT_EQ(eventCounts(denied, "CertificateRequest", "denied")["ChaosSkipApproval"], 1);
  // A healthy issuer: Denied → Ready=False/Denied with failureTime; unapproved → untouched.
  auto d = requests().waitFor(healthy, "denied", crFinal, seconds(30));
  ASSERT_TRUE(d);
  EXPECT_EQ(readyReason(*d), "Denied");
  EXPECT_TRUE((*d)["status"].contains("failureTime"));
  EXPECT_FALSE((*d)["status"].contains("certificate"));
  for (const auto& ns : {denied, healthy}) {
    auto plain = requests().get(ns, "plain");
    ASSERT_TRUE(plain);
    EXPECT_EQ(condition(*plain, "Ready"), nullptr) << ns << ": " << dump(plain);
    EXPECT_EQ(condition(*plain, "Approved"), nullptr) << "cert-manager was not stopped";
  }
  // cert-manager back: it approves the healthy issuer's waiting request, which is then signed.
  restart();
  auto approved = requests().waitFor(healthy, "plain", crIssued, seconds(30));
  ASSERT_TRUE(approved) << dump(requests().get(healthy, "plain"));
  EXPECT_TRUE(hasCondition(*approved, "Approved", "True"));
}

// ---------------------------------------------------------------------------------------------
// 3. Held requests block nothing.

// Creates `n` Certificates in `ns` for `ref` and returns the seconds until all are Ready.
double issueBatch(const std::string& ns, const json& ref, int n) {
  const auto start = SteadyClock::now();
  for (int i = 0; i < n; ++i) createCertificate(ns, "b" + std::to_string(i), ref);
  auto wait = kubectl(stateDir(), {"-n", ns, "wait", "--for=condition=Ready", "--timeout=120s",
                                   "certificate", "--all"});
  EXPECT_EQ(wait.exitCode, 0) << wait.output;
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

TEST_F(IssuerTest, RequestsHeldForTenMinutesDoNotDelayOthers) {
  // Baseline: 20 Certificates on a healthy issuer, nothing held.
  const std::string base = newNamespace("batch-base", false);
  createIssuer(base, "healthy");
  const double baseline = issueBatch(base, issuerRef("healthy"), 20);

  // Hold more requests (5) than the issuer has workers (4): a sleeping reconcile would stall all.
  const std::string hold = newNamespace("hold", true);
  createIssuer(hold, "chaos", {{"scenario", "sleep"}, {"parameters", {{"delay", "10m"}}}});
  for (int i = 0; i < 5; ++i) createCertificate(hold, "h" + std::to_string(i), issuerRef("chaos"));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(requests().waitFor(hold, "h" + std::to_string(i) + "-1", crHeld, seconds(30)));
  }

  const std::string busy = newNamespace("batch-held", false);
  createIssuer(busy, "healthy");
  const double during = issueBatch(busy, issuerRef("healthy"), 20);
  std::cout << "[hold] 20 Certificates: " << baseline << " s alone, " << during
            << " s while 5 requests are held for 10 min\n";
  EXPECT_LE(during, 3 * baseline + 5) << "baseline " << baseline << " s";
  for (int i = 0; i < 5; ++i) {
    auto cr = requests().get(hold, "h" + std::to_string(i) + "-1");
    ASSERT_TRUE(cr);
    EXPECT_TRUE(crHeld(*cr)) << dump(cr);
  }
  // Deleted held requests stop counting as held (Certificates first, or cert-manager makes the
  // requests again). The gauge has no watch: look a few times.
  auto held = [] {
    return metricValue(run({localcluster::programOnPath("curl"), "-sS", "--max-time", "5",
                            issuerUrl() + "/metrics"})
                           .output,
                       "certchaos_issuer_held_requests");
  };
  const double before = held();
  EXPECT_GE(before, 5);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(admin()->remove(api::kCertificate, hold, "h" + std::to_string(i)));
    ASSERT_TRUE(admin()->remove(api::kCertificateRequest, hold, "h" + std::to_string(i) + "-1"));
  }
  double after = held();
  for (int i = 0; i < 50 && after != before - 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = held();
  }
  EXPECT_EQ(after, before - 5) << "held requests: " << before << " before deleting 5, " << after
                               << " after";
}

// ---------------------------------------------------------------------------------------------
// 4. SIGKILL in the middle of a hold.

int countLines(const std::string& path, const std::vector<std::string>& needles) {
  std::istringstream in(readFile(path));
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    bool all = true;
    for (const auto& needle : needles) all = all && line.find(needle) != std::string::npos;
    n += all ? 1 : 0;
  }
  return n;
}

TEST_F(IssuerTest, KilledDuringAHoldTheIssuerSignsAtTheOriginalDeadlineOnce) {
  const std::string ns = newNamespace("restart", true);
  createIssuer(ns, "chaos", {{"scenario", "sleep"}, {"parameters", {{"delay", "60s"}}}});
  createCertificate(ns, "c", issuerRef("chaos"));
  auto held = requests().waitFor(ns, "c-1", crHeld, seconds(30));
  ASSERT_TRUE(held) << dump(requests().get(ns, "c-1"));
  const std::string uid = (*held)["metadata"].value("uid", "");
  const auto start = timeOf(conditionField(*held, "Ready", "lastTransitionTime"));
  const auto deadline = start + seconds(60);

  // Kill it 20 s into the hold; it stays down 5 s.
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(start + seconds(20)));
  localcluster::LocalCluster cluster(stateDir());
  std::ostringstream out;
  const pid_t before = issuerPid();
  ASSERT_TRUE(cluster.stopComponent("certchaos-issuer", /*kill=*/true, out)) << out.str();
  std::this_thread::sleep_for(seconds(5));
  auto restarted = cluster.restartComponent("certchaos-issuer", out);
  ASSERT_TRUE(restarted) << restarted.error().message << out.str();
  EXPECT_NE(issuerPid(), before);

  auto cr = requests().waitFor(ns, "c-1", crFinal, seconds(60));
  ASSERT_TRUE(cr) << dump(requests().get(ns, "c-1"));
  ASSERT_TRUE(crIssued(*cr)) << dump(cr);
  const auto issuedAt = timeOf(conditionField(*cr, "Ready", "lastTransitionTime"));
  auto leaf = pki::Certificate::fromPem(decode((*cr)["status"].value("certificate", "")));
  ASSERT_TRUE(leaf);
  std::cout << "[restart] hold started " << formatRfc3339(start) << ", deadline "
            << formatRfc3339(deadline) << ", Issued at " << formatRfc3339(issuedAt)
            << ", notBefore " << formatRfc3339(leaf->notBefore()) << "\n";
  EXPECT_LE(std::abs(secondsBetween(deadline, issuedAt)), 1.0);
  EXPECT_LE(std::abs(secondsBetween(deadline, leaf->notBefore())), 1.0);

  // Once: a few seconds later, the request carried one certificate ever, written once, and the
  // issuer's log shows one signature for this UID (across both processes).
  ASSERT_TRUE(certificates().waitFor(ns, "c", certReady, seconds(30)));
  std::this_thread::sleep_for(seconds(3));
  std::set<std::string> certs, issuedTimes;
  for (const auto& v : requests().history(ns, "c-1")) {
    if ((*v)["metadata"].value("uid", "") != uid) continue;
    if (v->contains("status") && (*v)["status"].contains("certificate")) {
      certs.insert((*v)["status"]["certificate"].get<std::string>());
    }
    if (crIssued(*v)) issuedTimes.insert(conditionField(*v, "Ready", "lastTransitionTime"));
  }
  EXPECT_EQ(certs.size(), 1u) << "the request's certificate changed";
  EXPECT_EQ(issuedTimes.size(), 1u) << "Issued was written more than once";
  const std::string log = stateDir() + "/logs/certchaos-issuer.log";
  EXPECT_EQ(countLines(log, {"request signed", uid}), 1) << log;
  auto now = requests().get(ns, "c-1");
  ASSERT_TRUE(now);
  EXPECT_EQ((*now)["status"].value("certificate", ""), (*cr)["status"].value("certificate", ""));
  std::string all;
  auto counts = eventCounts(ns, "CertificateRequest", "c-1", &all);
  std::cout << "[restart] events on c-1:\n" << all;
  // The fault's Event once, though two processes handled the hold.
  EXPECT_EQ(counts["ChaosSleep"], 1) << all;
}

// ---------------------------------------------------------------------------------------------
// 5. Least privilege, and deploy/ applies.

TEST_F(IssuerTest, TheIssuerRunsUnderItsServiceAccountWithLeastPrivilege) {
  struct Can {
    std::string verb, resource, subresource, ns;
    bool expected;
  };
  const std::vector<Can> checks = {
      {"patch", "certificaterequests.cert-manager.io", "status", "default", true},
      {"watch", "certificaterequests.cert-manager.io", "", "default", true},
      {"get", "secrets", "", "default", true},
      {"create", "secrets", "", "certchaos-system", true},
      {"create", "secrets", "", "default", false},
      {"create", "secrets", "", "kube-system", false},
      {"list", "secrets", "", "", false},
      {"watch", "secrets", "", "", false},
      {"patch", "chaosissuers.certchaos.io", "status", "default", true},
      {"patch", "chaosclusterissuers.certchaos.io", "status", "", true},
      {"create", "events", "", "default", true},
      {"delete", "secrets", "", "default", false},
      {"update", "secrets", "", "default", false},
      {"list", "secrets", "", "default", false},
      {"create", "certificates.cert-manager.io", "", "default", false},
      {"update", "certificates.cert-manager.io", "status", "default", false},
      {"update", "certificaterequests.cert-manager.io", "", "default", false},
      {"delete", "certificaterequests.cert-manager.io", "", "default", false},
      {"update", "certificaterequests.cert-manager.io", "status", "default", false},
      {"create", "chaosissuers.certchaos.io", "", "default", false},
      {"update", "chaosissuers.certchaos.io", "", "default", false},
      {"approve", "signers.cert-manager.io", "", "", false},
      {"create", "pods", "", "default", false},
      {"update", "namespaces", "", "", false},
      {"create", "leases.coordination.k8s.io", "", "kube-system", false},
      {"update", "leases.coordination.k8s.io", "", "certchaos-system", true},
      {"*", "*", "", "", false},
  };
  for (const auto& c : checks) {
    std::vector<std::string> args = {"auth", "can-i", c.verb, c.resource,
                                     "--as=" + std::string(kIssuerUser)};
    if (!c.subresource.empty()) args.push_back("--subresource=" + c.subresource);
    args.push_back(c.ns.empty() ? "--all-namespaces" : "--namespace=" + c.ns);
    auto r = kubectl(stateDir(), args);
    // The answer is the last line (warnings may come first).
    std::string answer = r.output.substr(0, r.output.find_last_not_of('\n') + 1);
    answer = answer.substr(answer.rfind('\n') == std::string::npos ? 0 : answer.rfind('\n') + 1);
    EXPECT_EQ(answer, c.expected ? "yes" : "no")
        << c.verb << " " << c.resource << "/" << c.subresource << " in '" << c.ns
        << "': " << r.output;
  }
  // The process authenticates with the ServiceAccount's token, not the admin certificate.
  const auto kubeconfig = readFile(stateDir() + "/issuer.kubeconfig");
  EXPECT_NE(kubeconfig.find("token:"), std::string::npos);
  EXPECT_EQ(kubeconfig.find("client-key"), std::string::npos);
  localcluster::LocalCluster cluster(stateDir());
  auto state = cluster.loadState();
  ASSERT_TRUE(state);
  bool found = false;
  for (const auto& c : state->components) {
    if (c.name != "certchaos-issuer") continue;
    found = true;
    bool tokenConfig = false;
    for (const auto& a : c.args)
      tokenConfig = tokenConfig || a == "--kubeconfig=" + stateDir() + "/issuer.kubeconfig";
    EXPECT_TRUE(tokenConfig);
  }
  EXPECT_TRUE(found);

  // What the apiserver recorded: the status of a signed request is owned by the field manager
  // certchaos-issuer, which the apiserver authenticated as the ServiceAccount (its Events, made
  // with the same credentials, show it too: the token is the only one the process has).
  const std::string ns = newNamespace("privilege", false);
  createIssuer(ns, "ca");
  createCertificate(ns, "c", issuerRef("ca"));
  auto cr = requests().waitFor(ns, "c-1", crIssued, seconds(60));
  ASSERT_TRUE(cr);
  bool managed = false;
  for (const auto& m : (*cr)["metadata"].value("managedFields", json::array())) {
    if (m.value("manager", "") == "certchaos-issuer" && m.value("subresource", "") == "status" &&
        m.value("operation", "") == "Apply") {
      managed = true;
      const auto fields = m["fieldsV1"].dump();
      EXPECT_NE(fields.find("f:certificate"), std::string::npos) << fields;
    }
  }
  EXPECT_TRUE(managed) << (*cr)["metadata"]["managedFields"].dump(2);
  // The issuer's identity as the apiserver sees it: a SelfSubjectReview with its own token.
  auto whoami =
      run({controlplaneDir() + "/bin/kubectl", "--kubeconfig=" + stateDir() + "/issuer.kubeconfig",
           "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"});
  EXPECT_EQ(whoami.output, kIssuerUser) << whoami.output;
}

TEST_F(IssuerTest, EveryManifestUnderDeployPassesAServerSideDryRun) {
  const std::string deploy = sourceDir() + "/deploy";
  TempDir filled;
  const std::string appNamespace = newNamespace("dry-run", false);
  for (const char* dir : {"crds", "rbac", "manifests"}) {
    for (const auto& e : fs::directory_iterator(deploy + "/" + dir)) {
      SCOPED_TRACE(e.path().string());
      // A template with ${...} placeholders (the demo app's, filled by `certchaos deploy app`)
      // is applied filled in, as that command does.
      std::string text = readFile(e.path());
      std::string path = e.path();
      if (text.find("${") != std::string::npos) {
        for (const auto& [k, v] : std::map<std::string, std::string>{
                 {"${NAME}", "demo-app"},
                 {"${NAMESPACE}", appNamespace},
                 {"${SECRET}", "demo-app-tls"},
                 {"${IMAGE}", "ghcr.io/certchaos/certchaos-demo-app:0.1.0"}}) {
          for (auto at = text.find(k); at != std::string::npos; at = text.find(k)) {
            text.replace(at, k.size(), v);
          }
        }
        // Comments may name the placeholders; documents may not.
        std::string body;
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
          if (line.rfind('#', 0) != 0) body += line + "\n";
        }
        EXPECT_EQ(body.find("${"), std::string::npos) << "a placeholder is left in " << path;
        path = filled.path() + "/" + e.path().filename().string();
        writeFile(path, text);
      }
      auto r =
          kubectl(stateDir(), {"apply", "--server-side", "--dry-run=server", "--force-conflicts",
                               "--field-manager=certchaos-dry-run", "-f", path});
      EXPECT_EQ(r.exitCode, 0) << r.output;
      EXPECT_EQ(r.output.find("Warning"), std::string::npos) << r.output;
      std::cout << "[dry-run] " << e.path().filename().string() << ": " << r.output;
    }
  }
  // Client-side apply too (the command in the README and the Deployment's comment).
  auto r =
      kubectl(stateDir(), {"apply", "--dry-run=server", "-f", deploy + "/manifests/issuer.yaml"});
  EXPECT_EQ(r.exitCode, 0) << r.output;
  // The Helm chart is rendered, dry-run and installed by the real helm in chart_test.cc.
}

// ---------------------------------------------------------------------------------------------
// 6. Bad specs and a garbage CSR.

TEST_F(IssuerTest, BadSpecsAreRefusedWithAClearMessage) {
  const std::string ns = newNamespace("badspec", true);
  struct Bad {
    std::string name;
    json spec;
    std::string expected;  // in kubectl's error
  };
  const std::vector<Bad> refusedByTheApiServer = {
      {"negative-delay",
       {{"scenario", "sleep"}, {"parameters", {{"delay", "-5m"}}}},
       "delay: expected a non-negative Go duration"},
      {"negative-fault-delay",
       {{"faults", {{{"type", "sleep"}, {"parameters", {{"delay", "-1s"}}}}}}},
       "delay: expected a non-negative Go duration"},
      {"unknown-fault", {{"faults", {{{"type", "explode"}}}}}, "Unsupported value: \"explode\""},
      {"probability-above-1",
       {{"faults", {{{"type", "hang"}, {"probability", 1.5}}}}},
       "should be less than or equal to 1"},
      {"scenario-probability",
       {{"scenario", "hang"}, {"parameters", {{"probability", "2"}}}},
       "expected probability to be a number from 0 to 1"},
      {"unparsable-delay",
       {{"scenario", "sleep"}, {"parameters", {{"delay", "soon"}}}},
       "delay: expected a non-negative Go duration"},
      {"two-cas", {{"ca", {{"secretName", "x"}}}}, "set exactly one of spec.selfSigned"},
  };
  for (const auto& b : refusedByTheApiServer) {
    SCOPED_TRACE(b.name);
    json spec = b.spec;
    spec["selfSigned"] = json::object();
    json object = {{"apiVersion", "certchaos.io/v1alpha1"},
                   {"kind", "ChaosIssuer"},
                   {"metadata", {{"name", b.name}, {"namespace", ns}}},
                   {"spec", spec}};
    auto r = kubectl(stateDir(), {"create", "-f", "-"}, object.dump());
    EXPECT_NE(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find(b.expected), std::string::npos) << r.output;
    std::cout << "[bad spec] " << b.name << ": " << r.output;
  }
  // What the schema cannot know: the issuer says Ready=False, naming the field.
  const std::vector<Bad> reportedByTheIssuer = {
      {"unknown-scenario",
       {{"scenario", "99"}},
       "spec.scenario: expected a scenario number or name"},
      {"bad-ttl", {{"scenario", "hang"}, {"ttl", "soon"}}, "spec.ttl"},
      {"unknown-parameter", {{"scenario", "sleep"}, {"parameters", {{"dealy", "1m"}}}}, "dealy"},
      {"bad-jitter",
       {{"faults", {{{"type", "sleep"}, {"parameters", {{"jitter", "lots"}}}}}}},
       "jitter"},
  };
  for (const auto& b : reportedByTheIssuer) {
    json spec = b.spec;
    spec["selfSigned"] = json::object();
    auto created = admin()->create(
        api::kChaosIssuer, {{"metadata", {{"name", b.name}, {"namespace", ns}}}, {"spec", spec}});
    if (!created) {
      // The schema caught it first: that is a clear refusal too.
      EXPECT_NE(created.error().message.find(b.expected), std::string::npos)
          << b.name << ": " << created.error().message;
      std::cout << "[bad spec] " << b.name
                << " (refused by the API server): " << created.error().message << "\n";
    }
  }
  for (const auto& b : reportedByTheIssuer) {
    SCOPED_TRACE(b.name);
    if (!admin()->get(api::kChaosIssuer, ns, b.name)) continue;
    auto wait = kubectl(stateDir(), {"-n", ns, "wait", "--for=condition=Ready=False",
                                     "--timeout=30s", "chaosissuer/" + b.name});
    ASSERT_EQ(wait.exitCode, 0) << wait.output;
    auto issuer = admin()->get(api::kChaosIssuer, ns, b.name);
    ASSERT_TRUE(issuer);
    EXPECT_EQ(conditionField(*issuer, "Ready", "reason"), "InvalidSpec");
    const auto message = conditionField(*issuer, "Ready", "message");
    EXPECT_NE(message.find(b.expected), std::string::npos) << message;
    std::cout << "[bad spec] " << b.name << " (issuer): " << message << "\n";
  }
}

TEST_F(IssuerTest, AGarbageCsrFailsTheRequestAndTheIssuerLivesOn) {
  const std::string ns = newNamespace("garbage", false);
  createIssuer(ns, "ca");
  const pid_t pid = issuerPid();
  ASSERT_NE(pid, 0);
  createRequest(ns, "garbage", issuerRef("ca"), pki::encodeBase64("this is not a CSR \x01\x02"));
  // A PEM block whose body is not a CSR, and a CSR whose signature does not verify.
  createRequest(ns, "not-a-csr", issuerRef("ca"),
                pki::encodeBase64("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                                  "-----END CERTIFICATE REQUEST-----\n"));
  {
    std::string pem = decode(csrBase64("tampered.certchaos.test"));
    // Flip a base64 character near the end of the body: inside the signature.
    auto body = pem.find("-----END") - 12;
    pem[body] = pem[body] == 'A' ? 'B' : 'A';
    createRequest(ns, "tampered", issuerRef("ca"), pki::encodeBase64(pem));
  }
  for (const char* name : {"garbage", "not-a-csr", "tampered"}) {
    auto cr = requests().waitFor(ns, name, crFinal, seconds(30));
    ASSERT_TRUE(cr) << dump(requests().get(ns, name));
    EXPECT_EQ(readyReason(*cr), "Failed") << dump(cr);
    EXPECT_TRUE((*cr)["status"].contains("failureTime"));
    const auto message = conditionField(*cr, "Ready", "message");
    EXPECT_NE(message.find("spec.request"), std::string::npos) << message;
    std::cout << "[garbage] " << name << ": " << message << "\n";
  }
  // Alive, same process, and still signing.
  auto health = run(
      {localcluster::programOnPath("curl"), "-sS", "--max-time", "5", issuerUrl() + "/healthz"});
  EXPECT_EQ(health.output, "ok");
  EXPECT_EQ(issuerPid(), pid);
  createCertificate(ns, "after", issuerRef("ca"));
  EXPECT_TRUE(requests().waitFor(ns, "after-1", crIssued, seconds(30)));
  auto metrics = run(
      {localcluster::programOnPath("curl"), "-sS", "--max-time", "5", issuerUrl() + "/metrics"});
  EXPECT_NE(metrics.output.find("certchaos_issuer_requests_total{outcome=\"failed\"}"),
            std::string::npos)
      << metrics.output.substr(0, 2000);
  // The real scrape through Prometheus' own checker (format and lint).
  auto checked = promtoolCheckMetrics(metrics.output);
  EXPECT_EQ(checked.exitCode, 0) << checked.output << "\n" << metrics.output.substr(0, 2000);
  EXPECT_EQ(checked.output, "");
}

// A line-by-line log sink that calls `onLine` with each line the logger writes.
class LineHook : public std::streambuf {
 public:
  std::function<void(const std::string&)> onLine;

 protected:
  int overflow(int c) override {
    if (c == '\n') {
      if (onLine) onLine(line_);
      line_.clear();
    } else if (c != EOF) {
      line_ += static_cast<char>(c);
    }
    return c;
  }

 private:
  std::string line_;
};

// cert-manager deletes a request whose CSR no longer matches the next private key and creates
// another under the same name (seen in scenario 23's re-issue loop). When that happens while the
// issuer signs, the certificate for the old CSR must not land on the new request (cert-manager
// fails it: "public key that does not match the CSR", an hour of back-off). The replacement is
// made at the one point between reading the CSR and writing the certificate where the
// reconciler calls out: the log line of the fault it applies. The plane's issuer is paused
// meanwhile, so that only the reconciler under test writes.
TEST_F(IssuerTest, TheCertificateForAReplacedRequestNeverLandsOnItsSuccessor) {
  const std::string ns = newNamespace("replaced", /*optedIn=*/true);
  createIssuer(ns, "chaos", {{"scenario", "backdated"}});
  auto issuerObject = admin()->get(api::kChaosIssuer, ns, "chaos");
  ASSERT_TRUE(issuerObject);

  LineHook hook;
  std::ostream logOut(&hook);
  obs::Logger log("replaced-request-test", &logOut);
  obs::Registry metricsRegistry;
  issuer::IssuerMetrics metrics(metricsRegistry);
  kube::EventRecorder events(admin(), {"certchaos-issuer", ""});
  issuer::Runtime rt{admin(), events, realClock(), metrics, log};
  issuer::IssuerRegistry issuers;
  issuer::IssuerReconciler issuerReconciler(rt, issuers, "certchaos-system");
  ASSERT_TRUE(issuerReconciler.reconcile(*issuerObject));
  issuer::RequestReconciler reconciler(rt, issuers, [](const std::string&) { return true; });

  const pid_t pid = issuerPid();
  ASSERT_NE(pid, 0);
  ASSERT_EQ(kill(pid, SIGSTOP), 0);
  struct Resume {
    pid_t pid;
    ~Resume() { kill(pid, SIGCONT); }
  } resume{pid};

  auto csrFor = [](const pki::PrivateKey& key) {
    pki::CsrTemplate t;
    t.dnsNames = {kHost};
    t.keyUsage = pki::kDigitalSignature | pki::kKeyEncipherment;
    auto pem = pki::buildCsrPem(t, key);
    EXPECT_TRUE(pem);
    return pki::encodeBase64(pem ? *pem : "");
  };
  auto keyA = pki::PrivateKey::generate(pki::KeyAlgorithm::kEcdsaP256);
  auto keyB = pki::PrivateKey::generate(pki::KeyAlgorithm::kEcdsaP256);
  ASSERT_TRUE(keyA && keyB);
  createRequest(ns, "r", issuerRef("chaos"), csrFor(*keyA));
  auto approved = [](const json& cr) { return hasCondition(cr, "Approved", "True"); };
  auto a = requests().waitFor(ns, "r", approved, seconds(30));
  ASSERT_TRUE(a) << dump(requests().get(ns, "r"));

  bool replaced = false;
  hook.onLine = [&](const std::string& line) {
    if (replaced || line.find("fault injected") == std::string::npos) return;
    replaced = true;
    ASSERT_TRUE(admin()->remove(api::kCertificateRequest, ns, "r"));
    createRequest(ns, "r", issuerRef("chaos"), csrFor(*keyB));
  };
  (void)reconciler.reconcile(*a);  // its outcome is what the API server holds now
  ASSERT_TRUE(replaced) << "the reconciler applied no fault";
  auto b = admin()->get(api::kCertificateRequest, ns, "r");
  ASSERT_TRUE(b);
  ASSERT_NE((*b)["metadata"]["uid"], (*a)["metadata"]["uid"]);
  EXPECT_FALSE((*b).value("status", json::object()).contains("certificate"))
      << "the certificate signed for the replaced request landed on its successor";

  // The successor, looked at on its own, gets a certificate for its own key.
  const json uidB = (*b)["metadata"]["uid"];
  auto successor = requests().waitFor(
      ns, "r", [&](const json& cr) { return cr["metadata"]["uid"] == uidB && approved(cr); },
      seconds(30));
  ASSERT_TRUE(successor) << dump(requests().get(ns, "r"));
  ASSERT_TRUE(reconciler.reconcile(*successor));
  auto signedB = admin()->get(api::kCertificateRequest, ns, "r");
  ASSERT_TRUE(signedB);
  ASSERT_TRUE(crIssued(*signedB)) << signedB->dump(2);
  auto leaf = pki::Certificate::fromPem(decode((*signedB)["status"].value("certificate", "")));
  ASSERT_TRUE(leaf);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(leaf->get()), keyB->get()), 1);
}

// Workers sign in parallel: a request decided while another is being signed counts that one
// against the rate limit. (Counted only once stored, three in flight under a limit of three let
// five of six through in the renewal storm.) The second request is decided inside the first's
// signing, between its decision and its status write: the backdated fault's log line.
TEST_F(IssuerTest, ARateLimitCountsTheRequestsBeingSigned) {
  const std::string ns = newNamespace("rate-race", /*optedIn=*/true);
  createIssuer(ns, "chaos",
               {{"faults",
                 {{{"type", "rate-limit"}, {"parameters", {{"limit", "1"}, {"window", "1h"}}}},
                  {{"type", "backdated"}}}}});
  auto issuerObject = admin()->get(api::kChaosIssuer, ns, "chaos");
  ASSERT_TRUE(issuerObject);

  LineHook hook;
  std::ostream logOut(&hook);
  obs::Logger log("rate-race-test", &logOut);
  obs::Registry metricsRegistry;
  issuer::IssuerMetrics metrics(metricsRegistry);
  kube::EventRecorder events(admin(), {"certchaos-issuer", ""});
  issuer::Runtime rt{admin(), events, realClock(), metrics, log};
  issuer::IssuerRegistry issuers;
  issuer::IssuerReconciler issuerReconciler(rt, issuers, "certchaos-system");
  ASSERT_TRUE(issuerReconciler.reconcile(*issuerObject));
  issuer::RequestReconciler reconciler(rt, issuers, [](const std::string&) { return true; });

  const pid_t pid = issuerPid();
  ASSERT_NE(pid, 0);
  ASSERT_EQ(kill(pid, SIGSTOP), 0);
  struct Resume {
    pid_t pid;
    ~Resume() { kill(pid, SIGCONT); }
  } resume{pid};

  createRequest(ns, "first", issuerRef("chaos"), csrBase64(kHost));
  createRequest(ns, "second", issuerRef("chaos"), csrBase64(kHost));
  auto approved = [](const json& cr) { return hasCondition(cr, "Approved", "True"); };
  auto first = requests().waitFor(ns, "first", approved, seconds(30));
  auto second = requests().waitFor(ns, "second", approved, seconds(30));
  ASSERT_TRUE(first && second);

  // The second is reconciled on a thread of its own (the logger is busy with the first's line
  // while the hook runs); the hook returns once it has decided: its fault counted, rate-limit if
  // refused, backdated a second time if signed.
  bool decidedInside = false;
  std::thread secondWorker;
  hook.onLine = [&](const std::string& line) {
    if (decidedInside || line.find("fault injected") == std::string::npos ||
        line.find("backdated") == std::string::npos) {
      return;
    }
    decidedInside = true;
    secondWorker = std::thread([&] { EXPECT_TRUE(reconciler.reconcile(*second)); });
    const auto deadline = SteadyClock::now() + seconds(30);
    while (metrics.faults.value({{"fault", "rate-limit"}}) < 1 &&
           metrics.faults.value({{"fault", "backdated"}}) < 2 && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  EXPECT_TRUE(reconciler.reconcile(*first));
  if (secondWorker.joinable()) secondWorker.join();
  ASSERT_TRUE(decidedInside) << "the first request was signed without its backdated fault";

  auto storedFirst = admin()->get(api::kCertificateRequest, ns, "first");
  auto storedSecond = admin()->get(api::kCertificateRequest, ns, "second");
  ASSERT_TRUE(storedFirst && storedSecond);
  EXPECT_TRUE(crIssued(*storedFirst)) << storedFirst->dump(2);
  EXPECT_EQ(readyReason(*storedSecond), "Failed") << storedSecond->dump(2);
  EXPECT_NE(conditionField(*storedSecond, "Ready", "message").find("too many certificates (1)"),
            std::string::npos)
      << storedSecond->dump(2);
  EXPECT_FALSE((*storedSecond).value("status", json::object()).contains("certificate"));
}

}  // namespace
}  // namespace certchaos::testing
