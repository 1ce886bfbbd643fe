// Building PKCS#10 requests the way cert-manager does (SANs, keyUsage and extendedKeyUsage
// encoded in the request), for tests and for tools that create CertificateRequests directly.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/pki/key.h"

namespace certchaos::pki {

struct CsrTemplate {
  std::vector<std::pair<std::string, std::string>> subject;  // e.g. {{"O","Example"},{"CN","app"}}
  std::string subjectDer;  // a DER Name used as it is instead of `subject` (literalSubject-like)
  std::vector<std::string> dnsNames, ipAddresses, uris, emails;
  std::vector<std::string> otherSans;  // DER GeneralNames of the other kinds (otherName, ...)
  std::optional<unsigned> keyUsage;    // bits of KeyUsage; nullopt: no extension
  std::optional<std::vector<std::string>> extKeyUsageOids;  // nullopt: no extension
  std::optional<bool> isCA;       // nullopt: no basicConstraints extension
  std::string digest = "SHA256";  // ignored for Ed25519
  // More extensions as OpenSSL config (name, value), e.g. {"nameConstraints",
  // "critical,permitted;DNS:example.com"}.
  std::vector<std::pair<std::string, std::string>> extraExtensions;
};

// A PEM "CERTIFICATE REQUEST" signed by `key`; SANs in cert-manager's order (DNS, email, IP, URI,
// then the other kinds).
Result<std::string> buildCsrPem(const CsrTemplate& tmpl, const PrivateKey& key);

// base64 of `data` (standard alphabet, padded, no line breaks): spec.request / status fields.
std::string encodeBase64(std::string_view data);

}  // namespace certchaos::pki
