// TestPki: a throwaway CA with a server and a client certificate, made in memory with OpenSSL,
// for TLS tests against FakeApiServer. Never use outside tests.
#pragma once

#include <string>

namespace certchaos::testing {

struct TestPki {
  std::string caPem;
  std::string serverCertPem;  // SANs: IP 127.0.0.1, DNS localhost, DNS kubernetes.test
  std::string serverKeyPem;
  std::string clientCertPem;  // CN "test-user", O "system:masters"
  std::string clientKeyPem;
};

TestPki makeTestPki();

// Writes text to dir/name and returns the path.
std::string writeFile(const std::string& dir, const std::string& name, const std::string& text);

}  // namespace certchaos::testing
