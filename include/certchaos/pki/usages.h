// cert-manager's `usages` vocabulary ("digital signature", "server auth", ...) mapped to X.509
// keyUsage bits and extendedKeyUsage OIDs, as cert-manager's pkg/api/util/usages.go does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "certchaos/common/result.h"

namespace certchaos::pki {

// What cert-manager uses when a Certificate or CertificateRequest lists no usages.
const std::vector<std::string>& defaultUsageNames();  // "digital signature", "key encipherment"

struct Usages {
  unsigned keyUsage = 0;                     // bits of certchaos::pki::KeyUsage
  std::vector<std::string> extKeyUsageOids;  // dotted OIDs, in the order the names came
};

// cert-manager's KeyUsagesForCertificateOrCertificateRequest: the defaults when `names` is
// empty, "cert sign" added when isCA; an unknown name is an error listing the known ones.
Result<Usages> usagesFromNames(const std::vector<std::string>& names, bool isCA);

// Back to cert-manager names, for messages: keyUsage bits in bit order, then EKUs in order
// (an unknown OID is shown as the OID itself).
std::vector<std::string> keyUsageNames(unsigned keyUsage);
// OpenSSL's KU_* flags (X509_get_key_usage; UINT32_MAX, "no extension", gives 0) as bits of
// certchaos::pki::KeyUsage (RFC 5280 bit numbers).
unsigned keyUsageFromOpenssl(std::uint32_t flags);
std::vector<std::string> extKeyUsageNames(const std::vector<std::string>& oids);

}  // namespace certchaos::pki
