// Helpers to point a Client at a FakeApiServer.
#pragma once

#include <memory>

#include "certchaos/kube/client.h"
#include "fake_api_server.h"
#include "fake_clock.h"

namespace certchaos::testing {

inline kube::ClientConfig fakeConfig(const FakeApiServer& server,
                                     std::shared_ptr<kube::CredentialProvider> credentials = {}) {
  kube::ClientConfig config;
  config.server = server.url();
  config.credentials = std::move(credentials);
  config.options.qps = 0;  // no client-side limit unless a test sets one
  config.options.requestTimeout = std::chrono::seconds(5);
  config.options.initialBackoff = std::chrono::milliseconds(1);
  config.options.maxBackoff = std::chrono::milliseconds(20);
  return config;
}

}  // namespace certchaos::testing
