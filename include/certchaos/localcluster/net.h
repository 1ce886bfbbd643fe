// Loopback ports and HTTP health probes for the local control plane.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "certchaos/common/result.h"

namespace certchaos::localcluster {

// A free TCP port on 127.0.0.1, chosen by the kernel (bind to port 0, read it, close).
Result<int> pickFreeLoopbackPort();

// True if something accepts TCP connections on 127.0.0.1:port.
bool isListening(int port);

struct TlsClientFiles {
  std::string caFile;    // verify the server against this CA (empty: plain HTTP)
  std::string certFile;  // client certificate (optional)
  std::string keyFile;
};

// GET url once; returns the HTTP status code (or an error for connection failures).
Result<long> httpGetStatus(const std::string& url, const TlsClientFiles& tls,
                           std::chrono::milliseconds timeout);

// Polls url until it answers 200, `alive` returns false, or the deadline passes.
Result<void> waitForHealthy(const std::string& what, const std::string& url,
                            const TlsClientFiles& tls, std::chrono::milliseconds deadline,
                            const std::function<bool()>& alive);

}  // namespace certchaos::localcluster
