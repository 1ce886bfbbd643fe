// Test helpers for PKI: keys, CSRs as cert-manager sends them, and OpenSSL chain verification.
#pragma once

#include <openssl/x509_vfy.h>

#include <chrono>
#include <string>

#include "certchaos/pki/certificate.h"
#include "certchaos/pki/csr.h"
#include "certchaos/pki/csr_builder.h"
#include "certchaos/pki/key.h"
#include "certchaos/pki/signing_authority.h"

namespace certchaos::pki::testing {

// 2024-01-01T00:00:00Z, the fake clocks' epoch.
inline SystemTime testNow() { return std::chrono::sys_days(std::chrono::year(2024) / 1 / 1); }

PrivateKey makeKey(KeyAlgorithm algorithm);
// A key of any OpenSSL type, e.g. ("RSA", 1024) or ("EC", "secp256k1").
PrivateKey makeRawKey(const char* type, const char* param);

// A CSR like cert-manager's for `dnsNames` with the default usages encoded.
CsrTemplate defaultCsrTemplate();
CertificateSigningRequest makeCsr(const CsrTemplate& tmpl, const PrivateKey& key);

// A root CA valid for ten years around testNow().
SigningAuthority makeRoot(KeyAlgorithm algorithm = KeyAlgorithm::kEcdsaP256,
                          const std::string& name = "test root");

// Verifies a leaf-first PEM chain against the trusted roots in `trustedPem` at time `at`.
// Returns "ok" or OpenSSL's verification error text.
std::string verifyChain(const std::string& chainPem, const std::string& trustedPem, SystemTime at);

// The leaf's keyUsage bits (0 when absent), EKU OIDs and SAN / CA facts, read with OpenSSL.
unsigned leafKeyUsage(const Certificate& cert);
std::vector<std::string> leafExtKeyUsage(const Certificate& cert);

}  // namespace certchaos::pki::testing
