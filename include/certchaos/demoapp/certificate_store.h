// The certificate the demo application serves: replaced atomically when the Secret changes (or,
// in --no-reload mode, kept for ever after the first one, like an application that never reloads).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "certchaos/common/result.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/pki/key.h"

namespace certchaos::demoapp {

struct ServingCertificate {
  std::vector<pki::Certificate> chain;  // leaf first
  pki::PrivateKey key;
  std::string serial() const { return chain.front().serialHex(); }
};

enum class LoadOutcome { kLoaded, kUnchanged, kIgnoredNoReload };

class CertificateStore {
 public:
  explicit CertificateStore(bool reload) : reload_(reload) {}

  // Parses tls.crt (PEM chain) and tls.key; refuses a key that does not match the leaf.
  Result<LoadOutcome> load(const std::string& tlsCrt, const std::string& tlsKey);
  std::shared_ptr<const ServingCertificate> current() const;

 private:
  const bool reload_;
  mutable std::mutex mu_;
  std::shared_ptr<const ServingCertificate> current_;
};

}  // namespace certchaos::demoapp
