// Small OpenSSL helpers shared by the pki sources (private to src/pki).
#pragma once

#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/common/time.h"

namespace certchaos::pki::detail {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter>;

std::string bioToString(BIO* bio);

// An ASN.1 time as a SystemTime, saturated to the years SystemTime holds (X.509 times run to
// 9999: RFC 5280's "no well-defined expiration" is 99991231235959Z; fromUnixSecondsSaturated). An
// absent or unreadable time is the epoch.
SystemTime asn1ToTimePoint(const ASN1_TIME* t);

// An ASN.1 string as UTF-8 ("" when it cannot be converted).
std::string asn1ToUtf8(const ASN1_STRING* s);

// The entries of a name in order, as (short name or dotted OID, UTF-8 value).
std::vector<std::pair<std::string, std::string>> nameEntries(const X509_NAME* name);

// The SANs of a GENERAL_NAMES list, split by kind; IPs printed as by inet_ntop; `others` holds
// the DER of each entry of another kind (otherName, x400Address, directoryName, ediPartyName,
// registeredID), in order.
struct SubjectAltNames {
  std::vector<std::string> dns, ips, uris, emails, others;
  bool operator==(const SubjectAltNames&) const = default;
};
// Refuses what cert-manager's parser refuses (an IP of neither 4 nor 16 bytes, a DNS name,
// email or URI that is not IA5), naming the entry; `where` starts the message.
Result<SubjectAltNames> splitGeneralNames(const GENERAL_NAMES* names, const std::string& where);

// A GENERAL_NAMES list in the order cert-manager's MarshalSANs writes (DNS, email, IP, URI, then
// the other kinds as given). An IP must be IPv4 or IPv6 text; an IA5 value must be ASCII.
Result<GeneralNamesPtr> buildGeneralNames(const SubjectAltNames& sans);

// The DER of a GENERAL_NAME / X509_NAME ("" if it cannot be encoded).
std::string generalNameDer(const GENERAL_NAME* name);
std::string nameDer(const X509_NAME* name);

// An OpenSSL config value for a critical keyUsage extension ("critical,digitalSignature,...")
// from bits of certchaos::pki::KeyUsage.
std::string keyUsageConf(unsigned usage);

// The dotted text of an OID, e.g. "1.3.6.1.5.5.7.3.1".
std::string oidText(const ASN1_OBJECT* obj);

}  // namespace certchaos::pki::detail
