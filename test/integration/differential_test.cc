// The differential test of issue 8: the same Certificate specs issued on the real plane by
// cert-manager's own CA issuer (kind Issuer, spec.ca) and by a ChaosIssuer (spec.ca) backed by
// the same CA Secret. Every field a Certificate can set is exercised (SAN kinds, commonName,
// subject, literalSubject, usages, isCA with nameConstraints, duration, key algorithms and
// sizes, encodings, signatureAlgorithm, encodeUsagesInRequest); what the two certificates hold
// must agree field by field except what must differ (serial, key, absolute validity times,
// signature bytes). A mismatch prints a diff naming the field and both values.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/issuer/issuer_reconciler.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/informer.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/pki/signing_authority.h"
#include "plane.h"
#include "shared_plane.h"

namespace certchaos::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;
namespace res = kube::resources;

std::shared_ptr<kube::Client> admin() { return SharedPlane::get().admin(); }

// ---------------------------------------------------------------------------------------------
// Reading what a certificate holds.

std::string bioText(const std::function<void(BIO*)>& write) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

template <typename T, typename I2d>
std::string derOf(const T* value, I2d i2d) {
  unsigned char* out = nullptr;
  const int len = i2d(value, &out);
  if (len <= 0) return "";
  std::string s(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return s;
}

std::string nameDer(const X509_NAME* name) {
  const unsigned char* der = nullptr;
  size_t len = 0;
  if (X509_NAME_get0_der(name, &der, &len) != 1) return "";
  return std::string(reinterpret_cast<const char*>(der), len);
}

std::string nameText(const X509_NAME* name) {
  return bioText(
      [&](BIO* b) { X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB); });
}

struct Extension {
  bool critical = false;
  std::string der;   // the value inside extnValue
  std::string text;  // as openssl x509 -text shows it
};

// "name (oid)" -> extension, for every extension of the certificate.
std::map<std::string, Extension> extensionsOf(X509* cert) {
  std::map<std::string, Extension> out;
  for (int i = 0; i < X509_get_ext_count(cert); ++i) {
    X509_EXTENSION* ext = X509_get_ext(cert, i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    char oid[80];
    OBJ_obj2txt(oid, sizeof oid, obj, 1);
    const int nid = OBJ_obj2nid(obj);
    const std::string key =
        (nid != NID_undef ? std::string(OBJ_nid2sn(nid)) + " " : "") + "(" + oid + ")";
    const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(ext);
    Extension e;
    e.critical = X509_EXTENSION_get_critical(ext) == 1;
    e.der.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)),
                 static_cast<size_t>(ASN1_STRING_length(v)));
    e.text = bioText([&](BIO* b) {
      if (X509V3_EXT_print(b, ext, 0, 0) != 1) ASN1_STRING_print(b, v);
    });
    std::replace(e.text.begin(), e.text.end(), '\n', ' ');
    out[key] = e;
  }
  return out;
}

std::string keyDescription(EVP_PKEY* key) {
  std::string out = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
  out += " " + std::to_string(EVP_PKEY_get_bits(key));
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len) == 1) {
    out += " " + std::string(group, len);
  }
  return out;
}

std::string pemTypes(const std::string& pem) {
  std::string out;
  std::istringstream lines(pem);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("-----BEGIN ", 0) == 0) out += (out.empty() ? "" : ", ") + line.substr(11);
  }
  return out;
}

// What a Secret written by cert-manager holds.
struct Issued {
  std::string tlsCrt, caCrt, tlsKey;
};

// Field-by-field differences between two issued Secrets; empty when they agree.
class Diff {
 public:
  void field(const std::string& name, const std::string& cm, const std::string& chaos,
             const std::string& cmShown = "", const std::string& chaosShown = "") {
    if (cm == chaos) return;
    lines_.push_back(name + ":\n    cert-manager: " + (cmShown.empty() ? cm : cmShown) +
                     "\n    ChaosIssuer:  " + (chaosShown.empty() ? chaos : chaosShown));
  }
  bool empty() const { return lines_.empty(); }
  std::string text() const {
    std::string out;
    for (const auto& l : lines_) out += "  " + l + "\n";
    return out;
  }

 private:
  std::vector<std::string> lines_;
};

std::vector<std::string> chainDer(const std::string& pem) {
  std::vector<std::string> out;
  auto chain = pki::Certificate::chainFromPem(pem);
  if (!chain) return out;
  for (const auto& c : *chain) out.push_back(derOf(c.get(), i2d_X509));
  return out;
}

std::string describeChain(const std::string& pem) {
  auto chain = pki::Certificate::chainFromPem(pem);
  if (!chain) return "(no certificate)";
  std::string out;
  for (const auto& c : *chain) {
    out += (out.empty() ? "" : " | ") + nameText(X509_get_subject_name(c.get())) + " #" +
           c.serialHex().substr(0, 8);
  }
  return out;
}

Diff compare(const Issued& cm, const Issued& chaos) {
  Diff d;
  auto cmChain = pki::Certificate::chainFromPem(cm.tlsCrt);
  auto chaosChain = pki::Certificate::chainFromPem(chaos.tlsCrt);
  if (!cmChain || !chaosChain) {
    d.field("tls.crt parses", cmChain ? "yes" : "no", chaosChain ? "yes" : "no");
    return d;
  }
  X509* a = cmChain->front().get();
  X509* b = chaosChain->front().get();
  d.field("version", std::to_string(X509_get_version(a)), std::to_string(X509_get_version(b)));
  d.field("subject (DER)", nameDer(X509_get_subject_name(a)), nameDer(X509_get_subject_name(b)),
          nameText(X509_get_subject_name(a)) + "  " + hex(nameDer(X509_get_subject_name(a))),
          nameText(X509_get_subject_name(b)) + "  " + hex(nameDer(X509_get_subject_name(b))));
  d.field("issuer (DER)", nameDer(X509_get_issuer_name(a)), nameDer(X509_get_issuer_name(b)),
          nameText(X509_get_issuer_name(a)), nameText(X509_get_issuer_name(b)));
  const X509_ALGOR* algA = nullptr;
  const X509_ALGOR* algB = nullptr;
  X509_get0_signature(nullptr, &algA, a);
  X509_get0_signature(nullptr, &algB, b);
  d.field("signature algorithm", derOf(algA, i2d_X509_ALGOR), derOf(algB, i2d_X509_ALGOR),
          OBJ_nid2ln(X509_get_signature_nid(a)), OBJ_nid2ln(X509_get_signature_nid(b)));
  auto length = [](const pki::Certificate& c) {
    return std::to_string(
               std::chrono::duration_cast<seconds>(c.notAfter() - c.notBefore()).count()) +
           "s";
  };
  d.field("validity length", length(cmChain->front()), length(chaosChain->front()));
  d.field("public key", keyDescription(X509_get0_pubkey(a)), keyDescription(X509_get0_pubkey(b)));

  auto extA = extensionsOf(a);
  auto extB = extensionsOf(b);
  std::set<std::string> names;
  for (const auto& [k, v] : extA) names.insert(k);
  for (const auto& [k, v] : extB) names.insert(k);
  for (const auto& name : names) {
    const bool inA = extA.count(name) != 0;
    const bool inB = extB.count(name) != 0;
    if (!inA || !inB) {
      d.field(name, inA ? "present" : "absent", inB ? "present" : "absent",
              inA ? "present: " + extA[name].text : "absent",
              inB ? "present: " + extB[name].text : "absent");
      continue;
    }
    d.field(name + " critical", extA[name].critical ? "yes" : "no",
            extB[name].critical ? "yes" : "no");
    // A subjectKeyIdentifier names the certificate's own key, which differs by design.
    if (name.find("(2.5.29.14)") != std::string::npos) continue;
    d.field(name + " (DER)", extA[name].der, extB[name].der,
            extA[name].text + "  [" + hex(extA[name].der) + "]",
            extB[name].text + "  [" + hex(extB[name].der) + "]");
  }

  // The chain after the leaf, ca.crt, and the key's encoding.
  auto restA = chainDer(cm.tlsCrt);
  auto restB = chainDer(chaos.tlsCrt);
  restA.erase(restA.begin());
  restB.erase(restB.begin());
  std::string joinedA, joinedB;
  for (const auto& c : restA) joinedA += c;
  for (const auto& c : restB) joinedB += c;
  d.field("tls.crt after the leaf", joinedA, joinedB,
          std::to_string(restA.size()) + " certificate(s): " + describeChain(cm.tlsCrt),
          std::to_string(restB.size()) + " certificate(s): " + describeChain(chaos.tlsCrt));
  std::string caA, caB;
  for (const auto& c : chainDer(cm.caCrt)) caA += c;
  for (const auto& c : chainDer(chaos.caCrt)) caB += c;
  d.field("ca.crt", caA, caB, describeChain(cm.caCrt), describeChain(chaos.caCrt));
  d.field("tls.key PEM type", pemTypes(cm.tlsKey), pemTypes(chaos.tlsKey));
  return d;
}

// ---------------------------------------------------------------------------------------------
// The plane side.

// Every Certificate of one namespace as the plane shows it, with a wait until a predicate
// holds for all of a set of names (a watch, no polling).
class CertificateWatch {
 public:
  explicit CertificateWatch(const std::string& ns) : informer_(admin(), api::kCertificate, ns) {
    auto wake = [this](const kube::ObjectPtr&) {
      std::lock_guard lock(mu_);
      cv_.notify_all();
    };
    informer_.addHandlers(
        {wake, [wake](const kube::ObjectPtr&, const kube::ObjectPtr& o) { wake(o); }, wake});
    informer_.start();
    EXPECT_TRUE(informer_.waitForSync(seconds(30)));
  }

  // Waits until every one of `names` is done (Ready, or its issuance failed); returns the
  // names that are not, after `timeout`.
  std::vector<std::string> waitAllDone(const std::string& ns, const std::vector<std::string>& names,
                                       seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mu_);
    while (true) {
      std::vector<std::string> pending;
      for (const auto& n : names) {
        auto o = informer_.cache().get(ns + "/" + n);
        if (!o || !(ready(*o) || failed(*o))) pending.push_back(n);
      }
      if (pending.empty()) return pending;
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) return pending;
    }
  }
  kube::ObjectPtr get(const std::string& ns, const std::string& name) const {
    return informer_.cache().get(ns + "/" + name);
  }

  static bool ready(const json& c) { return api::conditionIs(c, "Ready", "True"); }
  static bool failed(const json& c) {
    return api::conditionIs(c, "Issuing", "False") &&
           c.value("status", json::object()).contains("lastFailureTime");
  }

 private:
  kube::Informer informer_;
  std::mutex mu_;
  std::condition_variable cv_;
};

std::string conditionsText(const kube::ObjectPtr& o) {
  if (!o) return "(not found)";
  std::string out;
  for (const auto& c : o->value("status", json::object()).value("conditions", json::array())) {
    out += c.value("type", "") + "=" + c.value("status", "") + " " + c.value("reason", "") + ": " +
           c.value("message", "") + "; ";
  }
  return out.empty() ? "(no conditions)" : out;
}

std::string secretValue(const json& secret, const std::string& key) {
  const auto data = secret.value("data", json::object());
  if (!data.contains(key)) return "";
  auto decoded = kube::base64Decode(data[key].get<std::string>());
  return decoded ? *decoded : "";
}

Issued readIssued(const std::string& ns, const std::string& secretName) {
  auto s = admin()->get(res::kSecret, ns, secretName);
  if (!s) return {};
  return {secretValue(*s, "tls.crt"), secretValue(*s, "ca.crt"), secretValue(*s, "tls.key")};
}

// A CA Secret (kubernetes.io/tls): tls.crt, tls.key and, if given, ca.crt.
void createCaSecret(const std::string& ns, const std::string& name, const std::string& tlsCrt,
                    const std::string& tlsKey, const std::string& caCrt = "") {
  json data = {{"tls.crt", kube::base64Encode(tlsCrt)}, {"tls.key", kube::base64Encode(tlsKey)}};
  if (!caCrt.empty()) data["ca.crt"] = kube::base64Encode(caCrt);
  auto created = admin()->create(res::kSecret, {{"metadata", {{"name", name}, {"namespace", ns}}},
                                                {"type", "kubernetes.io/tls"},
                                                {"data", data}});
  ASSERT_TRUE(created) << created.error().message;
}

// cert-manager's CA Issuer and a ChaosIssuer, both on `secretName`, both Ready.
void createIssuerPair(const std::string& ns, const std::string& name,
                      const std::string& secretName) {
  const json spec = {{"ca", {{"secretName", secretName}}}};
  auto cm = admin()->create(api::kIssuer,
                            {{"metadata", {{"name", name}, {"namespace", ns}}}, {"spec", spec}});
  ASSERT_TRUE(cm) << cm.error().message;
  auto chaos = admin()->create(api::kChaosIssuer,
                               {{"metadata", {{"name", name}, {"namespace", ns}}}, {"spec", spec}});
  ASSERT_TRUE(chaos) << chaos.error().message;
  for (const char* kind : {"issuer.cert-manager.io/", "chaosissuer.certchaos.io/"}) {
    auto wait = kubectl(SharedPlane::get().stateDir(),
                        {"-n", ns, "wait", "--for=condition=Ready", "--timeout=60s", kind + name});
    ASSERT_EQ(wait.exitCode, 0) << wait.output;
  }
}

struct Case {
  std::string name;
  json spec;  // merged over a minimal spec (secretName, issuerRef)
};

// Every field a Certificate can set that reaches the certificate.
std::vector<Case> cases() {
  const json upn = {{"oid", "1.3.6.1.4.1.311.20.2.3"}, {"utf8Value", "user@EXAMPLE.COM"}};
  return {
      {"every-san-kind",
       {{"commonName", "app.example.com"},
        {"dnsNames", {"app.example.com", "*.apps.example.com"}},
        {"ipAddresses", {"192.0.2.10", "2001:db8::10", "::1"}},
        {"uris", {"spiffe://cluster.local/ns/default/sa/app", "urn:example:a,b"}},
        {"emailAddresses", {"ops@example.com", "sec@example.com"}},
        {"otherNames", {upn, {{"oid", "1.3.6.1.4.1.99999.1"}, {"utf8Value", "private value"}}}}}},
      // Issue 8's report: only an email and a UPN, no subject (the SAN becomes critical).
      {"email-and-upn", {{"emailAddresses", {"user@example.com"}}, {"otherNames", {upn}}}},
      {"subject",
       {{"commonName", "subject.example.com"},
        {"dnsNames", {"subject.example.com"}},
        {"subject",
         {{"organizations", {"Example Org", "Second Org"}},
          {"countries", {"DE", "FR"}},
          {"organizationalUnits", {"Unit A", "Unit B"}},
          {"localities", {"Berlin"}},
          {"provinces", {"Berlin State"}},
          {"streetAddresses", {"Example Street 1"}},
          {"postalCodes", {"10115"}},
          {"serialNumber", "SN-1234"}}}}},
      // LiteralCertificateSubject is a Beta gate, on by default in v1.21 (cm-controller keeps
      // the defaults): the subject is used as written, multi-valued RDN and private OID included.
      {"literal-subject",
       {{"literalSubject",
         "CN=literal.example.com,OU=Unit A+OU=Unit B,O=Example\\, Inc.,L=Berlin,C=DE,"
         "1.3.6.1.4.1.99999.7=private attribute"},
        {"dnsNames", {"literal.example.com"}}}},
      {"default-usages", {{"dnsNames", {"default.example.com"}}}},
      {"every-key-usage",
       {{"dnsNames", {"ku.example.com"}},
        {"usages",
         {"signing", "digital signature", "content commitment", "key encipherment", "key agreement",
          "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only"}}}},
      {"every-extended-key-usage",
       {{"dnsNames", {"eku.example.com"}},
        {"usages",
         {"digital signature", "any", "server auth", "client auth", "code signing",
          "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user",
          "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc"}}}},
      {"usages-not-in-request",
       {{"dnsNames", {"noenc.example.com"}},
        {"encodeUsagesInRequest", false},
        {"usages", {"digital signature", "server auth", "client auth"}}}},
      {"ca-with-name-constraints",
       {{"isCA", true},
        {"commonName", "constrained sub-CA"},
        {"usages", {"cert sign", "crl sign", "digital signature"}},
        {"nameConstraints",
         {{"critical", true},
          {"permitted",
           {{"dnsDomains", {"example.com", ".example.org"}},
            {"ipRanges", {"10.0.0.0/8", "2001:db8::/32"}},
            {"emailAddresses", {"example.com"}},
            {"uriDomains", {".example.com"}}}},
          {"excluded", {{"dnsDomains", {"bad.example.com"}}, {"ipRanges", {"10.99.0.0/16"}}}}}}}},
      {"ca-default-usages", {{"isCA", true}, {"commonName", "plain sub-CA"}}},
      {"not-ca-explicit", {{"isCA", false}, {"dnsNames", {"leaf.example.com"}}}},
      {"duration-90m", {{"dnsNames", {"short.example.com"}}, {"duration", "1h30m"}}},
      {"duration-1y", {{"dnsNames", {"long.example.com"}}, {"duration", "8760h"}}},
      {"rsa2048-pkcs1",
       {{"dnsNames", {"rsa2048.example.com"}},
        {"privateKey", {{"algorithm", "RSA"}, {"size", 2048}, {"encoding", "PKCS1"}}}}},
      {"rsa3072-pkcs8",
       {{"dnsNames", {"rsa3072.example.com"}},
        {"privateKey", {{"algorithm", "RSA"}, {"size", 3072}, {"encoding", "PKCS8"}}},
        {"signatureAlgorithm", "SHA512WithRSA"}}},
      {"rsa4096",
       {{"dnsNames", {"rsa4096.example.com"}},
        {"privateKey", {{"algorithm", "RSA"}, {"size", 4096}}}}},
      {"ecdsa256-pkcs1",
       {{"dnsNames", {"p256.example.com"}},
        {"privateKey", {{"algorithm", "ECDSA"}, {"size", 256}, {"encoding", "PKCS1"}}}}},
      {"ecdsa384-pkcs8",
       {{"dnsNames", {"p384.example.com"}},
        {"privateKey", {{"algorithm", "ECDSA"}, {"size", 384}, {"encoding", "PKCS8"}}}}},
      {"ecdsa521",
       {{"dnsNames", {"p521.example.com"}},
        {"privateKey", {{"algorithm", "ECDSA"}, {"size", 521}}},
        {"signatureAlgorithm", "ECDSAWithSHA512"}}},
      {"ed25519-pkcs8",
       {{"dnsNames", {"ed25519.example.com"}},
        {"privateKey", {{"algorithm", "Ed25519"}, {"encoding", "PKCS8"}}}}},
  };
}

// The cases also run through the intermediate CA, in both Secret layouts (chain bundling, ca.crt,
// an RSA signer).
const std::set<std::string>& intermediateCases() {
  static const std::set<std::string> k = {"every-san-kind", "ca-with-name-constraints",
                                          "ed25519-pkcs8", "default-usages"};
  return k;
}

class DifferentialTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SharedPlane::get().ok()); }
};

TEST_F(DifferentialTest, ChaosIssuerIssuesWhatCertManagersCaIssuerIssues) {
  const std::string ns = SharedPlane::get().freshNamespace("differential");
  const auto now = std::chrono::system_clock::now();
  // A root CA, and an RSA intermediate below an Ed25519 root.
  auto root = pki::SigningAuthority::generateRoot(
      "differential root", pki::KeyAlgorithm::kEcdsaP256, now - std::chrono::hours(1),
      now + std::chrono::hours(24 * 3650));
  ASSERT_TRUE(root) << root.error().message;
  auto top = pki::SigningAuthority::generateRoot("differential top", pki::KeyAlgorithm::kEd25519,
                                                 now - std::chrono::hours(1),
                                                 now + std::chrono::hours(24 * 3650));
  ASSERT_TRUE(top) << top.error().message;
  auto intermediate =
      top->issueIntermediate("differential intermediate", pki::KeyAlgorithm::kRsa3072,
                             now - std::chrono::hours(1), now + std::chrono::hours(24 * 3000));
  ASSERT_TRUE(intermediate) << intermediate.error().message;
  const std::string topPem = top->certificate().toPem();
  ASSERT_NO_FATAL_FAILURE(createCaSecret(ns, "root-ca", root->certificatePem(), root->keyPem()));
  // The chain in tls.crt, its root again in ca.crt (cert-manager drops the duplicate).
  ASSERT_NO_FATAL_FAILURE(createCaSecret(ns, "intermediate-ca", intermediate->certificatePem(),
                                         intermediate->keyPem(), topPem));
  // As cert-manager writes a CA Certificate's Secret: the CA alone in tls.crt, its root in ca.crt.
  ASSERT_NO_FATAL_FAILURE(createCaSecret(ns, "issued-ca", intermediate->certificate().toPem(),
                                         intermediate->keyPem(), topPem));
  ASSERT_NO_FATAL_FAILURE(createIssuerPair(ns, "root", "root-ca"));
  ASSERT_NO_FATAL_FAILURE(createIssuerPair(ns, "intermediate", "intermediate-ca"));
  ASSERT_NO_FATAL_FAILURE(createIssuerPair(ns, "issued", "issued-ca"));

  CertificateWatch watch(ns);
  struct Pair {
    std::string caseName, cm, chaos;
  };
  std::vector<Pair> pairs;
  std::vector<std::string> all;
  for (const auto& c : cases()) {
    for (const std::string issuerName : {"root", "intermediate", "issued"}) {
      if (issuerName != "root" && intermediateCases().count(c.name) == 0) continue;
      Pair p{c.name + " via " + issuerName, c.name + "-" + issuerName + "-cm",
             c.name + "-" + issuerName + "-chaos"};
      for (const auto& [certName, ref] :
           {std::pair{p.cm, json{{"group", "cert-manager.io"}, {"kind", "Issuer"}}},
            std::pair{p.chaos, json{{"group", "certchaos.io"}, {"kind", "ChaosIssuer"}}}}) {
        json spec = {{"secretName", certName}, {"issuerRef", ref}};
        spec["issuerRef"]["name"] = issuerName;
        spec.merge_patch(c.spec);
        auto created = admin()->create(
            api::kCertificate,
            {{"metadata", {{"name", certName}, {"namespace", ns}}}, {"spec", spec}});
        ASSERT_TRUE(created) << certName << ": " << created.error().message;
        all.push_back(certName);
      }
      pairs.push_back(p);
    }
  }

  auto pending = watch.waitAllDone(ns, all, seconds(240));
  for (const auto& n : pending) {
    ADD_FAILURE() << "Certificate " << n
                  << " neither Ready nor failed after 240s: " << conditionsText(watch.get(ns, n));
  }

  int compared = 0;
  for (const auto& p : pairs) {
    SCOPED_TRACE(p.caseName);
    auto cm = watch.get(ns, p.cm);
    auto chaos = watch.get(ns, p.chaos);
    if (!cm || !chaos) continue;  // reported above
    const bool cmReady = CertificateWatch::ready(*cm);
    const bool chaosReady = CertificateWatch::ready(*chaos);
    if (!cmReady || !chaosReady) {
      // Both refusing is agreement too; one issuing what the other refuses is not.
      EXPECT_EQ(cmReady, chaosReady)
          << "cert-manager: " << conditionsText(cm) << "\nChaosIssuer: " << conditionsText(chaos);
      EXPECT_TRUE(cmReady) << "cert-manager's CA issuer refused the case; the spec is wrong: "
                           << conditionsText(cm);
      continue;
    }
    Diff diff = compare(readIssued(ns, p.cm), readIssued(ns, p.chaos));
    EXPECT_TRUE(diff.empty()) << "the certificates of '" << p.caseName << "' differ:\n"
                              << diff.text();
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(pairs.size()));

  // The fields behind feature gates took effect (LiteralCertificateSubject, OtherNames and
  // NameConstraints are on by default in v1.21): agreement on a field both ignored proves nothing.
  auto leafText = [&](const std::string& certName) {
    auto leaf = pki::Certificate::fromPem(readIssued(ns, certName).tlsCrt);
    if (!leaf) return std::string("(no certificate)");
    std::string text = nameText(X509_get_subject_name(leaf->get()));
    for (const auto& [name, e] : extensionsOf(leaf->get())) text += " | " + name + ": " + e.text;
    return text;
  };
  const std::string literal = leafText("literal-subject-root-cm");
  EXPECT_NE(literal.find("OU=Unit B+OU=Unit A"), std::string::npos) << literal;
  EXPECT_NE(literal.find("1.3.6.1.4.1.99999.7="), std::string::npos) << literal;
  const std::string upn = leafText("email-and-upn-root-cm");
  EXPECT_NE(upn.find("othername: UPN::user@EXAMPLE.COM"), std::string::npos) << upn;
  const std::string constrained = leafText("ca-with-name-constraints-root-cm");
  EXPECT_NE(constrained.find("nameConstraints"), std::string::npos) << constrained;

  // The comparison sees a difference where there is one: two different cases of cert-manager's
  // own issuer must not compare equal, in the fields that tell them apart.
  Diff control =
      compare(readIssued(ns, "every-san-kind-root-cm"), readIssued(ns, "every-key-usage-root-cm"));
  const std::string controlText = control.text();
  EXPECT_NE(controlText.find("subject (DER)"), std::string::npos) << controlText;
  EXPECT_NE(controlText.find("subjectAltName (2.5.29.17) (DER)"), std::string::npos) << controlText;
  EXPECT_NE(controlText.find("keyUsage (2.5.29.15) (DER)"), std::string::npos) << controlText;
  Diff chainControl = compare(readIssued(ns, "default-usages-root-cm"),
                              readIssued(ns, "default-usages-intermediate-cm"));
  EXPECT_NE(chainControl.text().find("ca.crt"), std::string::npos) << chainControl.text();
  EXPECT_NE(chainControl.text().find("tls.crt after the leaf"), std::string::npos)
      << chainControl.text();
}

}  // namespace
}  // namespace certchaos::testing
