// TlsProbe: one HTTPS handshake with the application, as a careful client does it: the chain
// must verify against the trusted CA, the name must match, the certificate must be valid now.
// The served certificate is reported even when verification fails.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "certchaos/common/result.h"
#include "certchaos/pki/certificate.h"

namespace certchaos::scenario {

struct ProbeResult {
  bool ok = false;
  std::string error;                       // "certificate has expired", "connection refused", ...
  std::optional<pki::Certificate> served;  // the leaf the server presented
};

struct ProbeTarget {
  std::string host;  // 127.0.0.1
  int port = 0;
  std::string serverName;  // SNI and the name to verify
  std::string trustedCaPem;
};

// Parses "https://host:port[/...]".
Result<ProbeTarget> parseProbeUrl(const std::string& url);

ProbeResult probeTls(const ProbeTarget& target, std::chrono::milliseconds timeout);

}  // namespace certchaos::scenario
