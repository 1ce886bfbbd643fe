// TlsProbe: one HTTPS handshake with the application, as a careful client does it: the chain
// must verify against the trusted CA, the name must match, the certificate must be valid now.
// The served certificate is reported even when verification fails.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/common/time.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/pki/crl.h"

namespace certchaos::scenario {

// The certificate of the presented chain on which verification failed: depth 0 is the leaf, 1
// the certificate that signed it, and so on. An expired intermediate is not the leaf's expiry.
struct RejectedCertificate {
  int depth = 0;
  std::string subject;  // "CN=certchaos expired intermediate"
  std::string serial;   // hex, as openssl prints it
  SystemTime notBefore{};
  SystemTime notAfter{};
  // "unsuitable certificate purpose": the extensions that make it unfit for a TLS server
  // ("X509v3 Extended Key Usage: Code Signing"); empty for other errors.
  std::string unfitExtensions{};
};

struct ProbeResult {
  bool ok = false;
  // "certificate has expired at depth 1 (CN=..., serial 1A2B, notAfter ...)", "connect: ..."
  std::string error{};
  std::optional<pki::Certificate> served{};       // the leaf the server presented
  std::optional<RejectedCertificate> rejected{};  // when the chain did not verify
  // checkRevocation: the CRL named by the leaf's distribution point lists it (error says when).
  bool revoked = false;
};

struct ProbeTarget {
  std::string host;  // 127.0.0.1
  int port = 0;
  std::string serverName;  // SNI and the name to verify
  std::string trustedCaPem;
  // Also check revocation as a client with CRL checking does: fetch the CRL the leaf's CRL
  // distribution point names (http only) and verify with X509_V_FLAG_CRL_CHECK. A leaf without a
  // distribution point is not checked.
  bool checkRevocation = false;
};

// Parses "https://host:port[/...]".
Result<ProbeTarget> parseProbeUrl(const std::string& url);

ProbeResult probeTls(const ProbeTarget& target, std::chrono::milliseconds timeout);

// The revocation check of a verified chain (`served` first, then the rest the server sent)
// against `crl`: "" when not revoked, else why ("certificate revoked at depth 0 (the leaf,
// serial ..., revoked at ...)", or what makes the CRL unusable). Pure: the unit tests and the
// probe share it.
std::string checkAgainstCrl(const pki::Certificate& served,
                            const std::vector<pki::Certificate>& intermediates,
                            const std::string& trustedCaPem, const pki::Crl& crl, SystemTime now,
                            bool* revoked);

}  // namespace certchaos::scenario
