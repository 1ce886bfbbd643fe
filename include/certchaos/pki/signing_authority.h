// SigningAuthority: a CA key and its certificate chain, as a ChaosIssuer holds it (from a Secret's
// tls.crt/tls.key, or generated for selfSigned issuers), and the intermediates made from it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/pki/key.h"

namespace certchaos::pki {

class SigningAuthority {
 public:
  // `certChainPem`: the CA certificate first, then the certificates above it (tls.crt);
  // `keyPem`: the CA's private key (tls.key). Checks that the key matches the first
  // certificate and that this certificate is a CA.
  static Result<SigningAuthority> fromPem(std::string_view certChainPem, std::string_view keyPem);

  // A new root CA (CA:TRUE, keyCertSign|cRLSign) valid over [notBefore, notAfter].
  static Result<SigningAuthority> generateRoot(const std::string& commonName,
                                               KeyAlgorithm algorithm, SystemTime notBefore,
                                               SystemTime notAfter);

  // A root CA for a given key and serial (big-endian bytes): with a deterministic key
  // (PrivateKey::ed25519FromSeed, whose signatures are deterministic too) the same inputs give the
  // same certificate, byte for byte.
  static Result<SigningAuthority> rootWithKey(const std::string& commonName, PrivateKey key,
                                              SystemTime notBefore, SystemTime notAfter,
                                              std::string serial = {});
  // `ca` (a CA certificate: its subject and public key) signed by this authority instead of by
  // itself: a cross-signature, through which clients that trust this authority's root verify
  // chains that end at `ca`. Valid over [notBefore, notAfter].
  Result<Certificate> crossSign(const Certificate& ca, SystemTime notBefore,
                                SystemTime notAfter) const;

  // A new intermediate CA for a fresh key, signed by this authority; its chain continues
  // with this authority's chain.
  Result<SigningAuthority> issueIntermediate(const std::string& commonName, KeyAlgorithm algorithm,
                                             SystemTime notBefore, SystemTime notAfter) const;
  // The same for a given key.
  Result<SigningAuthority> issueIntermediate(const std::string& commonName, PrivateKey key,
                                             SystemTime notBefore, SystemTime notAfter) const;

  // A cross-signed certificate: `ca`'s subject (byte for byte) and public key, so that its key
  // identifier is the same, signed by this authority and valid as long as this authority's
  // certificate. What a CA hands out so that clients trusting only this authority reach `ca`.
  Result<Certificate> crossSign(const Certificate& ca) const;

  SigningAuthority(PrivateKey key, std::vector<Certificate> chain)
      : key_(std::move(key)), chain_(std::move(chain)) {}

  const PrivateKey& key() const { return key_; }
  // The certificate that signs (chain().front()).
  const Certificate& certificate() const { return chain_.front(); }
  // The signing certificate first, then those above it; may end with a self-signed root.
  const std::vector<Certificate>& chain() const { return chain_; }

  // The digest cert-manager's CA issuer would pick for this key: SHA-256 for RSA < 3072 and
  // P-256, SHA-384 for RSA 3072 and P-384, SHA-512 for RSA 4096+ and P-521; "" for Ed25519.
  std::string preferredDigest() const;

  // tls.crt and tls.key of the Secret that keeps a generated authority across restarts.
  std::string certificatePem() const;
  std::string keyPem() const { return key_.toPem(); }

 private:
  PrivateKey key_;
  std::vector<Certificate> chain_;
};

// True if `cert` is signed by its own key (a root).
bool isSelfSigned(const Certificate& cert);

}  // namespace certchaos::pki
