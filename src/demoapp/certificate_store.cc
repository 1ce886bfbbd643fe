#include "certchaos/demoapp/certificate_store.h"

#include <openssl/x509.h>

namespace certchaos::demoapp {

Result<LoadOutcome> CertificateStore::load(const std::string& tlsCrt, const std::string& tlsKey) {
  {
    std::lock_guard lock(mu_);
    if (current_ && !reload_) return LoadOutcome::kIgnoredNoReload;
  }
  auto chain = pki::Certificate::chainFromPem(tlsCrt);
  if (!chain) {
    return makeError("BadCertificate", "tls.crt of the Secret: " + chain.error().message);
  }
  auto key = pki::PrivateKey::fromPem(tlsKey);
  if (!key) return makeError("BadKey", "tls.key of the Secret: " + key.error().message);
  if (X509_check_private_key(chain->front().get(), key->get()) != 1) {
    return makeError("KeyMismatch",
                     "tls.key does not match the public key of the first certificate in tls.crt; "
                     "keeping the certificate served so far");
  }
  auto next = std::make_shared<const ServingCertificate>(
      ServingCertificate{std::move(*chain), std::move(*key)});
  std::lock_guard lock(mu_);
  if (current_ && current_->serial() == next->serial()) return LoadOutcome::kUnchanged;
  current_ = std::move(next);
  return LoadOutcome::kLoaded;
}

std::shared_ptr<const ServingCertificate> CertificateStore::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

}  // namespace certchaos::demoapp
