// The TLS probe names the certificate a verification error is about, at its real depth in the
// served chain with its own serial: an expired intermediate is not the leaf's expiry (issue 13,
// scenario 13). The demo app's HTTPS server on a kernel-chosen loopback port serves each chain.
#include "certchaos/scenario/tls_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "certchaos/demoapp/certificate_store.h"
#include "certchaos/demoapp/https_server.h"
#include "certchaos/pki/signer.h"
#include "certchaos/pki/signing_authority.h"

namespace certchaos::scenario {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kHost = "app.certchaos.test";

struct ServedChain {
  pki::SigningAuthority root;
  pki::SigningAuthority intermediate;
  pki::Certificate leaf;
  std::string chainPem;  // leaf, then the intermediate
  std::string keyPem;
};

// root -> intermediate valid over [intermediateFrom, intermediateTo] -> leaf valid over
// [leafFrom, leafTo].
// The leaf's usages: a TLS server's by default.
struct LeafProfile {
  unsigned keyUsage = pki::kDigitalSignature;
  std::vector<std::string> extKeyUsageOids = {pki::kServerAuthOid};
  std::string crlUrl{};  // the leaf's CRL distribution point, none when empty
};

ServedChain makeChain(SystemTime intermediateFrom, SystemTime intermediateTo, SystemTime leafFrom,
                      SystemTime leafTo, const LeafProfile& profile = {}) {
  const auto now = std::chrono::system_clock::now();
  auto root = pki::SigningAuthority::generateRoot("probe test root", pki::KeyAlgorithm::kEcdsaP256,
                                                  now - 48h, now + 48h);
  EXPECT_TRUE(root);
  auto intermediate = root->issueIntermediate(
      "probe test intermediate", pki::KeyAlgorithm::kEcdsaP256, intermediateFrom, intermediateTo);
  EXPECT_TRUE(intermediate);
  auto key = pki::PrivateKey::generate(pki::KeyAlgorithm::kEcdsaP256);
  EXPECT_TRUE(key);
  pki::CertificateTemplate tmpl;
  tmpl.commonName = kHost;
  tmpl.dnsNames = {kHost};
  tmpl.notBefore = leafFrom;
  tmpl.notAfter = leafTo;
  tmpl.keyUsage = profile.keyUsage;
  tmpl.extKeyUsageOids = profile.extKeyUsageOids;
  if (!profile.crlUrl.empty()) tmpl.crlDistributionPoints = {profile.crlUrl};
  auto issued = pki::issueCertificate(tmpl, key->get(), *intermediate);
  EXPECT_TRUE(issued);
  return {std::move(*root), std::move(*intermediate), issued->leaf, issued->bundle.chainPem,
          key->toPem()};
}

ProbeResult probe(const ServedChain& chain, bool checkRevocation = false) {
  demoapp::CertificateStore store(true);
  auto loaded = store.load(chain.chainPem, chain.keyPem);
  EXPECT_TRUE(loaded) << loaded.error().message;
  demoapp::HttpsServer server(store);
  auto port = server.start("127.0.0.1", 0);
  EXPECT_TRUE(port) << port.error().message;
  auto result =
      probeTls({"127.0.0.1", *port, kHost, chain.root.certificatePem(), checkRevocation}, 5000ms);
  server.stop();
  return result;
}

TEST(TlsProbeTest, AValidChainPasses) {
  const auto now = std::chrono::system_clock::now();
  auto chain = makeChain(now - 1h, now + 24h, now - 1min, now + 1h);
  auto r = probe(chain);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.rejected);
  ASSERT_TRUE(r.served);
  EXPECT_EQ(r.served->serialHex(), chain.leaf.serialHex());
}

// Scenario 13: the leaf is valid, its intermediate expired an hour ago. The probe must blame the
// intermediate (depth 1, its serial), not the leaf (depth 0, the leaf's serial).
TEST(TlsProbeTest, AnExpiredIntermediateIsNamedAtDepthOneWithItsOwnSerial) {
  const auto now = std::chrono::system_clock::now();
  auto chain = makeChain(now - 24h, now - 1h, now - 1min, now + 1h);
  auto r = probe(chain);
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.served);
  EXPECT_EQ(r.served->serialHex(), chain.leaf.serialHex());
  ASSERT_TRUE(r.rejected) << r.error;
  EXPECT_EQ(r.rejected->depth, 1);
  const std::string intermediateSerial = chain.intermediate.certificate().serialHex();
  EXPECT_EQ(r.rejected->serial, intermediateSerial);
  EXPECT_EQ(r.rejected->subject, "CN=probe test intermediate");
  EXPECT_EQ(r.rejected->notAfter, chain.intermediate.certificate().notAfter());
  EXPECT_THAT(r.error, AllOf(HasSubstr("certificate has expired at depth 1"),
                             HasSubstr("CN=probe test intermediate"),
                             HasSubstr("serial " + intermediateSerial),
                             Not(HasSubstr(chain.leaf.serialHex()))));
}

TEST(TlsProbeTest, AnExpiredLeafIsNamedAtDepthZero) {
  const auto now = std::chrono::system_clock::now();
  auto chain = makeChain(now - 24h, now + 24h, now - 2h, now - 1h);
  auto r = probe(chain);
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.rejected) << r.error;
  EXPECT_EQ(r.rejected->depth, 0);
  EXPECT_EQ(r.rejected->serial, chain.leaf.serialHex());
  EXPECT_THAT(r.error, AllOf(HasSubstr("certificate has expired at depth 0 (the leaf"),
                             HasSubstr("serial " + chain.leaf.serialHex())));
}

TEST(TlsProbeTest, AHostnameMismatchStillSaysSo) {
  const auto now = std::chrono::system_clock::now();
  auto chain = makeChain(now - 24h, now + 24h, now - 1min, now + 1h);
  demoapp::CertificateStore store(true);
  ASSERT_TRUE(store.load(chain.chainPem, chain.keyPem));
  demoapp::HttpsServer server(store);
  auto port = server.start("127.0.0.1", 0);
  ASSERT_TRUE(port);
  auto r =
      probeTls({"127.0.0.1", *port, "other.certchaos.test", chain.root.certificatePem()}, 5000ms);
  server.stop();
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, AllOf(HasSubstr("hostname mismatch"), HasSubstr("depth 0")));
  // Scenario 19: the report names the name the client asked for and the names it found.
  EXPECT_THAT(r.error, HasSubstr("the client asked for other.certchaos.test; the certificate names "
                                 "DNS:app.certchaos.test"));
}

// Scenario 21: "unsuitable certificate purpose" alone does not say what is wrong; the probe
// names the extension that makes the leaf unfit for a TLS server.
TEST(TlsProbeTest, AnUnfitLeafNamesTheExtension) {
  const auto now = std::chrono::system_clock::now();
  auto codeSigning = probe(makeChain(now - 24h, now + 24h, now - 1min, now + 1h,
                                     {pki::kDigitalSignature, {"1.3.6.1.5.5.7.3.3"}}));
  EXPECT_FALSE(codeSigning.ok);
  EXPECT_THAT(codeSigning.error,
              AllOf(HasSubstr("unsuitable certificate purpose at depth 0 (the leaf"),
                    HasSubstr("X509v3 Extended Key Usage: Code Signing (a TLS server needs TLS "
                              "Web Server Authentication)"),
                    Not(HasSubstr("X509v3 Key Usage"))));
  ASSERT_TRUE(codeSigning.rejected);
  EXPECT_THAT(codeSigning.rejected->unfitExtensions, HasSubstr("Code Signing"));

  auto crlSign = probe(makeChain(now - 24h, now + 24h, now - 1min, now + 1h, {pki::kCrlSign, {}}));
  EXPECT_FALSE(crlSign.ok);
  EXPECT_THAT(crlSign.error, AllOf(HasSubstr("unsuitable certificate purpose at depth 0"),
                                   HasSubstr("X509v3 Key Usage: CRL Sign (a TLS server needs"),
                                   Not(HasSubstr("Extended Key Usage"))));

  // Other errors carry no extension.
  auto expired = probe(makeChain(now - 24h, now + 24h, now - 2h, now - 1h));
  ASSERT_TRUE(expired.rejected);
  EXPECT_EQ(expired.rejected->unfitExtensions, "");
}

// Scenario 25: a distribution point on loopback (kernel-chosen port) serving what a test sets;
// the probe fetches the CRL the leaf names and verifies with X509_V_FLAG_CRL_CHECK.
class CrlServer {
 public:
  CrlServer() {
    server_.Get("/crl/test.crl", [this](const httplib::Request&, httplib::Response& res) {
      res.status = status_;
      res.set_content(body_, "application/pkix-crl");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::jthread([this] { server_.listen_after_bind(); });
  }
  ~CrlServer() { server_.stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/crl/test.crl"; }
  void serve(std::string body, int status = 200) {
    body_ = std::move(body);
    status_ = status;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::string body_;
  int status_ = 200;
  std::jthread thread_;
};

TEST(TlsProbeRevocationTest, ARevokedLeafFailsNamingSerialAndTime) {
  const auto now = std::chrono::system_clock::now();
  CrlServer crl;
  auto chain = makeChain(now - 1h, now + 24h, now - 1min, now + 1h, {.crlUrl = crl.url()});
  const auto revokedAt = std::chrono::floor<std::chrono::seconds>(now - 10s);
  auto list = pki::Crl::build(chain.intermediate, {{chain.leaf.serialHex(), revokedAt}}, now - 1min,
                              now + 5min);
  ASSERT_TRUE(list) << list.error().message;
  crl.serve(list->toDer());
  auto r = probe(chain, true);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.revoked);
  EXPECT_THAT(r.error, AllOf(HasSubstr("certificate revoked at depth 0"),
                             HasSubstr("serial " + chain.leaf.serialHex()),
                             HasSubstr("revoked at " + formatRfc3339(revokedAt)),
                             HasSubstr("CN=probe test intermediate")));
  // The same chain without the revocation check (every other scenario's probe) passes.
  EXPECT_TRUE(probe(chain, false).ok);
}

TEST(TlsProbeRevocationTest, ALeafTheCrlDoesNotListPasses) {
  const auto now = std::chrono::system_clock::now();
  CrlServer crl;
  auto chain = makeChain(now - 1h, now + 24h, now - 1min, now + 1h, {.crlUrl = crl.url()});
  auto list = pki::Crl::build(chain.intermediate, {{"01AB", now - 1min}}, now - 1min, now + 5min);
  ASSERT_TRUE(list);
  crl.serve(list->toDer());
  auto r = probe(chain, true);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.revoked);
}

// A client that checks revocation fails closed when the CRL cannot be had or used: the probe says
// why, and does not call the certificate revoked.
TEST(TlsProbeRevocationTest, AnUnusableCrlFailsClosedSayingWhy) {
  const auto now = std::chrono::system_clock::now();
  CrlServer crl;
  auto chain = makeChain(now - 1h, now + 24h, now - 1min, now + 1h, {.crlUrl = crl.url()});
  crl.serve("not found", 404);
  auto missing = probe(chain, true);
  EXPECT_FALSE(missing.ok);
  EXPECT_FALSE(missing.revoked);
  EXPECT_THAT(missing.error, AllOf(HasSubstr("revocation check failed"), HasSubstr("HTTP 404"),
                                   HasSubstr(crl.url())));
  crl.serve("garbage, not DER");
  auto garbage = probe(chain, true);
  EXPECT_FALSE(garbage.ok);
  EXPECT_THAT(garbage.error,
              AllOf(HasSubstr("revocation check failed"), HasSubstr("do not parse as one")));
  // Signed by a CA that is not the leaf's issuer: OpenSSL finds no CRL for it.
  auto stranger = pki::SigningAuthority::generateRoot("stranger", pki::KeyAlgorithm::kEcdsaP256,
                                                      now - 1h, now + 1h);
  ASSERT_TRUE(stranger);
  auto foreign =
      pki::Crl::build(*stranger, {{chain.leaf.serialHex(), now - 1min}}, now - 1min, now + 5min);
  ASSERT_TRUE(foreign);
  crl.serve(foreign->toDer());
  auto wrongIssuer = probe(chain, true);
  EXPECT_FALSE(wrongIssuer.ok);
  EXPECT_FALSE(wrongIssuer.revoked);
  EXPECT_THAT(wrongIssuer.error,
              HasSubstr("revocation check failed: unable to get certificate CRL"));
}

}  // namespace
}  // namespace certchaos::scenario
