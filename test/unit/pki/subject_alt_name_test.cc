// What a CSR asks for reaches the certificate, as cert-manager's CA issuer copies it: every
// subjectAltName kind (otherName such as a UPN, directoryName, registeredID, x400Address,
// ediPartyName besides DNS/IP/URI/email) and the subject byte for byte, nameConstraints with
// their criticality; and what cannot be honoured is refused with a reason instead of dropped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "certchaos/pki/signer.h"
#include "pki_test_util.h"

namespace certchaos::pki {
namespace {

using testing::defaultCsrTemplate;
using ::testing::HasSubstr;
using testing::makeCsr;
using testing::makeKey;
using testing::makeRoot;
using testing::testNow;

constexpr const char* kUpnOid = "1.3.6.1.4.1.311.20.2.3";

std::string hexBytes(std::initializer_list<unsigned> bytes) {
  std::string out;
  for (unsigned b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string der(GENERAL_NAME* name) {
  unsigned char* out = nullptr;
  const int len = i2d_GENERAL_NAME(name, &out);
  EXPECT_GT(len, 0);
  std::string s(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  GENERAL_NAME_free(name);
  return s;
}

// otherName type-id with an explicit value of any ASN.1 type (given as its DER).
std::string otherName(const char* oid, const std::string& valueDer) {
  const auto* p = reinterpret_cast<const unsigned char*>(valueDer.data());
  ASN1_TYPE* value = d2i_ASN1_TYPE(nullptr, &p, static_cast<long>(valueDer.size()));
  EXPECT_NE(value, nullptr);
  GENERAL_NAME* name = GENERAL_NAME_new();
  EXPECT_EQ(GENERAL_NAME_set0_othername(name, OBJ_txt2obj(oid, 1), value), 1);
  return der(name);
}

std::string utf8Der(const std::string& s) {
  return hexBytes({0x0c, static_cast<unsigned>(s.size())}) + s;
}

std::string directoryName(const char* cn) {
  X509_NAME* dn = X509_NAME_new();
  X509_NAME_add_entry_by_txt(dn, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  GENERAL_NAME* name = GENERAL_NAME_new();
  GENERAL_NAME_set0_value(name, GEN_DIRNAME, dn);
  return der(name);
}

std::string registeredId(const char* oid) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  GENERAL_NAME_set0_value(name, GEN_RID, OBJ_txt2obj(oid, 1));
  return der(name);
}

// The SAN extension's value (DER) and criticality of a certificate or request extension list.
const X509_EXTENSION* sanOf(const Certificate& cert) {
  const int idx = X509_get_ext_by_NID(cert.get(), NID_subject_alt_name, -1);
  return idx < 0 ? nullptr : X509_get_ext(cert.get(), idx);
}
std::string valueOf(const X509_EXTENSION* ext) {
  if (ext == nullptr) return "(absent)";
  const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(const_cast<X509_EXTENSION*>(ext));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)),
                     static_cast<size_t>(ASN1_STRING_length(v)));
}

// The DER of each GeneralName in the certificate's SAN, in order.
std::vector<std::string> sanEntries(const Certificate& cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    out.push_back(der(GENERAL_NAME_dup(sk_GENERAL_NAME_value(names, i))));
  }
  GENERAL_NAMES_free(names);
  return out;
}

Result<IssuedCertificate> sign(const CsrTemplate& t, const RequestSpec& spec = {}) {
  static const SigningAuthority root = makeRoot();
  auto pem = buildCsrPem(t, makeKey(KeyAlgorithm::kEcdsaP256));
  if (!pem) return pem.error();
  auto csr = CertificateSigningRequest::fromPem(*pem);
  if (!csr) return csr.error();
  return signRequest(*csr, spec, root, testNow());
}

struct SanKindCase {
  std::string name;
  std::string generalNameDer;  // the entry asked for, as a GeneralName
};

void PrintTo(const SanKindCase& c, std::ostream* os) { *os << c.name; }

class SanKindTest : public ::testing::TestWithParam<SanKindCase> {};

// Each kind alone beside one DNS name: the request is issued and the certificate names it,
// in the same place and with the same bytes as the CSR.
TEST_P(SanKindTest, EveryKindReachesTheCertificate) {
  CsrTemplate t = defaultCsrTemplate();
  t.otherSans = {GetParam().generalNameDer};
  auto csr = makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256));
  EXPECT_THAT(csr.otherSans(), ::testing::ElementsAre(GetParam().generalNameDer));
  auto issued = signRequest(csr, {}, makeRoot(), testNow());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_THAT(sanEntries(issued->leaf), ::testing::Contains(GetParam().generalNameDer));
  EXPECT_EQ(valueOf(sanOf(issued->leaf)), csr.subjectAltNameDer());
  EXPECT_EQ(issued->leaf.dnsNames(), t.dnsNames);
}

INSTANTIATE_TEST_SUITE_P(
    OtherKinds, SanKindTest,
    ::testing::Values(
        SanKindCase{"upn", otherName(kUpnOid, utf8Der("user@example.com"))},
        // A private type-id whose value is a SEQUENCE { INTEGER 5 } rather than a string.
        SanKindCase{"privateOtherName",
                    otherName("1.3.6.1.4.1.99999.1", hexBytes({0x30, 0x03, 0x02, 0x01, 0x05}))},
        SanKindCase{"directoryName", directoryName("directory entry")},
        SanKindCase{"registeredId", registeredId("1.3.6.1.4.1.99999.2")},
        // x400Address [3] with an empty built-in-standard-attributes SEQUENCE.
        SanKindCase{"x400Address", hexBytes({0xa3, 0x02, 0x30, 0x00})},
        // ediPartyName [5] { partyName [1] UTF8String "party" }.
        SanKindCase{"ediPartyName",
                    hexBytes({0xa5, 0x09, 0xa1, 0x07, 0x0c, 0x05, 'p', 'a', 'r', 't', 'y'})}),
    [](const auto& info) { return info.param.name; });

// Issue 8's report: a Certificate with an email address and a UPN otherName got a certificate
// with the email only.
TEST(SubjectAltNameTest, UpnBesideAnEmailIsNotDropped) {
  CsrTemplate t;
  t.emails = {"user@example.com"};
  t.otherSans = {otherName(kUpnOid, utf8Der("user@EXAMPLE.COM"))};
  t.keyUsage = kDigitalSignature | kKeyEncipherment;
  auto issued = sign(t);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  auto entries = sanEntries(issued->leaf);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1], t.otherSans[0]);
  // No subject: the SAN carries the identity and must be critical (RFC 5280 4.2.1.6).
  EXPECT_EQ(X509_EXTENSION_get_critical(sanOf(issued->leaf)), 1);
}

TEST(SubjectAltNameTest, DnsIpv4Ipv6UriAndEmailAreCopied) {
  CsrTemplate t = defaultCsrTemplate();
  t.ipAddresses = {"192.0.2.7", "2001:db8::1", "::ffff:198.51.100.1"};
  t.uris = {"spiffe://cluster.local/ns/a/sa/b", "urn:example:a,b"};  // a comma is data
  t.emails = {"ops@example.com"};
  auto issued = sign(t);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->leaf.dnsNames(), t.dnsNames);
  EXPECT_EQ(issued->leaf.ipAddresses(), t.ipAddresses);
  EXPECT_EQ(X509_check_email(issued->leaf.get(), "ops@example.com", 0, 0), 1);
  EXPECT_EQ(X509_check_ip_asc(issued->leaf.get(), "2001:db8::1", 0), 1);
  std::vector<std::string> uris;
  for (const auto& e : sanEntries(issued->leaf)) {
    if (static_cast<unsigned char>(e[0]) == 0x86) uris.push_back(e.substr(2));
  }
  EXPECT_EQ(uris, t.uris);
}

// A CSR from another tool may list its names in any order: the certificate keeps that order
// (cert-manager copies the extension as it is).
TEST(SubjectAltNameTest, TheCsrsOrderIsKept) {
  CsrTemplate t;
  t.subject = {{"CN", "x"}};
  t.extraExtensions = {{"subjectAltName", "email:a@example.com,IP:192.0.2.1,DNS:b.example.com"}};
  auto csr = makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256));
  auto issued = signRequest(csr, {}, makeRoot(), testNow());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(valueOf(sanOf(issued->leaf)), csr.subjectAltNameDer());
  EXPECT_EQ(X509_EXTENSION_get_critical(sanOf(issued->leaf)), 0);
}

// A fault that edits the names gets its edit, and the kinds it did not touch stay.
TEST(SubjectAltNameTest, EditedNamesAreEncodedAndOtherKindsKept) {
  CsrTemplate t = defaultCsrTemplate();
  t.emails = {"a@example.com"};
  t.otherSans = {otherName(kUpnOid, utf8Der("a@example.com"))};
  auto csr = makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256));
  auto tmpl = templateForRequest(csr, {}, testNow());
  ASSERT_TRUE(tmpl.ok()) << tmpl.error().message;
  tmpl->dnsNames = {"wrong.example.com"};
  auto issued = issueCertificate(*tmpl, csr.publicKey(), makeRoot());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->leaf.dnsNames(), std::vector<std::string>{"wrong.example.com"});
  auto entries = sanEntries(issued->leaf);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[2], t.otherSans[0]);  // cert-manager's order: DNS, email, IP, URI, others
}

TEST(SubjectAltNameTest, RefusesAnIpOfAnotherLength) {
  CsrTemplate t = defaultCsrTemplate();
  t.otherSans = {hexBytes({0x87, 0x08, 10, 0, 0, 0, 255, 0, 0, 0})};  // an address and a mask
  auto issued = sign(t);
  ASSERT_FALSE(issued.ok());
  EXPECT_THAT(issued.error().message, HasSubstr("4 (IPv4) or 16 (IPv6) bytes, found 8"));
}

TEST(SubjectAltNameTest, RefusesANonAsciiDnsName) {
  CsrTemplate t = defaultCsrTemplate();
  t.otherSans = {hexBytes({0x82, 0x03, 'a', 0xc3, 0xa9})};
  auto issued = sign(t);
  ASSERT_FALSE(issued.ok());
  EXPECT_THAT(issued.error().message, HasSubstr("DNS subjectAltName #3 to be ASCII"));
}

// A certificate read from outside with an IP SAN of 8 bytes is shown as such, not read past.
TEST(SubjectAltNameTest, CertificateIpOfAnotherLengthIsShownAsInvalid) {
  CertificateTemplate t;
  t.commonName = "x";
  t.otherSans = {hexBytes({0x87, 0x08, 10, 0, 0, 0, 255, 0, 0, 0})};
  t.notBefore = testNow();
  t.notAfter = testNow() + std::chrono::hours(1);
  auto root = makeRoot();
  auto key = makeKey(KeyAlgorithm::kEcdsaP256);
  auto cert = signCertificate(t, key.get(), root.key(), &root.certificate());
  ASSERT_TRUE(cert.ok()) << cert.error().message;
  EXPECT_EQ(cert->ipAddresses(), std::vector<std::string>{"(invalid IP SAN of 8 bytes)"});
}

// The subject keeps its string types and multi-valued RDNs (a literalSubject's), byte for byte.
TEST(SubjectTest, IsCopiedByteForByte) {
  X509_NAME* name = X509_NAME_new();
  auto add = [&](const char* type, int asn1Type, const char* value, int set) {
    X509_NAME_add_entry_by_txt(name, type, asn1Type, reinterpret_cast<const unsigned char*>(value),
                               -1, -1, set);
  };
  add("C", V_ASN1_PRINTABLESTRING, "DE", 0);
  add("O", V_ASN1_PRINTABLESTRING, "Example", 0);
  add("OU", V_ASN1_T61STRING, "Unit", -1);  // same RDN as O
  add("1.3.6.1.4.1.99999.3", V_ASN1_UTF8STRING, "private attribute", 0);
  add("CN", V_ASN1_UTF8STRING, "app", 0);
  unsigned char* out = nullptr;
  const int len = i2d_X509_NAME(name, &out);
  CsrTemplate t = defaultCsrTemplate();
  t.subjectDer.assign(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  X509_NAME_free(name);

  auto issued = sign(t);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  const unsigned char* got = nullptr;
  size_t gotLen = 0;
  ASSERT_EQ(X509_NAME_get0_der(X509_get_subject_name(issued->leaf.get()), &got, &gotLen), 1);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(got), gotLen), t.subjectDer);
}

TEST(SubjectTest, AnEditedSubjectIsEncodedFromItsParts) {
  auto csr = makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256));
  auto tmpl = templateForRequest(csr, {}, testNow());
  ASSERT_TRUE(tmpl.ok());
  tmpl->subject.back().second = "edited.example.com";
  auto issued = issueCertificate(*tmpl, csr.publicKey(), makeRoot());
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->leaf.subjectCommonName(), "edited.example.com");
}

TEST(ExtensionsTest, NameConstraintsAreCopiedWithTheirCriticality) {
  for (const bool critical : {true, false}) {
    CsrTemplate t = defaultCsrTemplate();
    t.keyUsage = kDigitalSignature | kKeyEncipherment | kCertSign;
    t.extraExtensions = {
        {"nameConstraints", std::string(critical ? "critical," : "") +
                                "permitted;DNS:example.com,excluded;IP:10.0.0.0/255.0.0.0"}};
    RequestSpec spec;
    spec.isCA = true;
    auto issued = sign(t, spec);
    ASSERT_TRUE(issued.ok()) << issued.error().message;
    const int idx = X509_get_ext_by_NID(issued->leaf.get(), NID_name_constraints, -1);
    ASSERT_GE(idx, 0) << "the nameConstraints were dropped";
    const X509_EXTENSION* ext = X509_get_ext(issued->leaf.get(), idx);
    EXPECT_EQ(X509_EXTENSION_get_critical(ext), critical ? 1 : 0);
    auto* nc = static_cast<NAME_CONSTRAINTS*>(X509V3_EXT_d2i(const_cast<X509_EXTENSION*>(ext)));
    ASSERT_NE(nc, nullptr);
    EXPECT_EQ(sk_GENERAL_SUBTREE_num(nc->permittedSubtrees), 1);
    EXPECT_EQ(sk_GENERAL_SUBTREE_num(nc->excludedSubtrees), 1);
    NAME_CONSTRAINTS_free(nc);
  }
}

TEST(ExtensionsTest, AnExtensionThatCannotBeHonouredIsRefusedByName) {
  CsrTemplate t = defaultCsrTemplate();
  t.extraExtensions = {{"1.3.6.1.4.1.99999.4", "DER:05:00"}};
  auto issued = sign(t);
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.error().code, "UnsupportedExtension");
  EXPECT_THAT(issued.error().message, HasSubstr("extension 1.3.6.1.4.1.99999.4"));
  t.extraExtensions = {{"issuerAltName", "DNS:ca.example.com"}};
  issued = sign(t);
  ASSERT_FALSE(issued.ok());
  EXPECT_THAT(issued.error().message,
              HasSubstr("X509v3 Issuer Alternative Name (2.5.29.18), which this issuer cannot"));
}

TEST(ExtensionsTest, AnExtensionTwiceIsRefused) {
  CsrTemplate t = defaultCsrTemplate();
  t.extraExtensions = {{"subjectAltName", "DNS:second.example.com"}};
  auto issued = sign(t);
  ASSERT_FALSE(issued.ok());
  EXPECT_THAT(issued.error().message, HasSubstr("X509v3 Subject Alternative Name twice"));
}

// As Go's x509 (cert-manager): a leaf has no subjectKeyIdentifier, its authorityKeyIdentifier
// is the CA's; a CA certificate has its own.
TEST(ExtensionsTest, KeyIdentifiersAsCertManagerWritesThem) {
  auto root = makeRoot();
  auto leaf = signRequest(makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256)), {},
                          root, testNow());
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(X509_get0_subject_key_id(leaf->leaf.get()), nullptr);
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(leaf->leaf.get());
  ASSERT_NE(aki, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(aki, X509_get0_subject_key_id(root.certificate().get())), 0);

  CsrTemplate t = defaultCsrTemplate();
  t.keyUsage = kDigitalSignature | kKeyEncipherment | kCertSign;
  RequestSpec spec;
  spec.isCA = true;
  auto ca = signRequest(makeCsr(t, makeKey(KeyAlgorithm::kEcdsaP256)), spec, root, testNow());
  ASSERT_TRUE(ca.ok());
  EXPECT_NE(X509_get0_subject_key_id(ca->leaf.get()), nullptr);
}

// A CA certificate without a subjectKeyIdentifier still signs (Go's x509 then writes no
// authorityKeyIdentifier); OpenSSL's "keyid" would refuse with "unable to get issuer keyid".
TEST(ExtensionsTest, ACaWithoutSubjectKeyIdentifierSigns) {
  auto root = makeRoot();
  X509* bare = X509_dup(root.certificate().get());
  X509_EXTENSION* ski =
      X509_delete_ext(bare, X509_get_ext_by_NID(bare, NID_subject_key_identifier, -1));
  X509_EXTENSION_free(ski);
  ASSERT_GT(X509_sign(bare, root.key().get(), EVP_sha256()), 0);
  std::vector<Certificate> chain;
  chain.emplace_back(X509Ptr(bare));
  auto key = PrivateKey::fromPem(root.keyPem());
  ASSERT_TRUE(key.ok());
  SigningAuthority noSki(std::move(*key), std::move(chain));
  auto issued = signRequest(makeCsr(defaultCsrTemplate(), makeKey(KeyAlgorithm::kEcdsaP256)), {},
                            noSki, testNow());
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(X509_get0_authority_key_id(issued->leaf.get()), nullptr);
  EXPECT_EQ(testing::verifyChain(issued->bundle.chainPem, issued->bundle.caPem, testNow()), "ok");
}

}  // namespace
}  // namespace certchaos::pki
