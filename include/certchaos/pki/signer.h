// The certificate for a CertificateRequest, built as cert-manager's own CA issuer builds it:
// subject and SANs from the CSR, usages / isCA / duration from the request's spec (checked
// against what the CSR encodes), signed by a SigningAuthority, bundled leaf first.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/pki/csr.h"
#include "certchaos/pki/signing_authority.h"

namespace certchaos::pki {

// cert-manager's DefaultCertificateDuration.
inline constexpr std::chrono::hours kDefaultCertificateDuration{24 * 90};

// The parts of a CertificateRequest's spec that shape the certificate.
struct RequestSpec {
  std::optional<std::chrono::nanoseconds> duration;  // absent: kDefaultCertificateDuration
  bool isCA = false;
  std::vector<std::string> usages;  // cert-manager names; empty: defaultUsageNames()
};

// The template cert-manager's CertificateTemplateFromCertificateRequest builds: subject and
// SANs (every kind, otherName included) and nameConstraints copied from the CSR; notBefore = now,
// notAfter = now + duration; keyUsage/extKeyUsage from spec.usages (+ "cert sign" when isCA) and
// CA:TRUE/FALSE from spec.isCA. If the CSR encodes keyUsage/extKeyUsage or basicConstraints, they
// must equal what the spec asks for, otherwise an error with code "InvalidRequest" says which
// differ (the request should be Failed). signatureDigest is left empty: issueCertificate then picks
// the authority's preferred one.
Result<CertificateTemplate> templateForRequest(const CertificateSigningRequest& csr,
                                               const RequestSpec& spec, SystemTime now);

// status.certificate and status.ca of a CertificateRequest, before base64.
struct PemBundle {
  std::string chainPem;  // leaf first, then intermediates; a self-signed root is left out
  std::string caPem;     // the self-signed root, or the topmost certificate of the chain
};

// cert-manager's ParseSingleCertificateChain for an already ordered chain (`chain`: the
// signing CA first, then those above it); a certificate given twice is bundled once.
PemBundle bundleChain(const Certificate& leaf, const std::vector<Certificate>& chain);

struct IssuedCertificate {
  Certificate leaf;
  PemBundle bundle;
};

// Signs `tmpl` for `subjectKey` with `authority`, and bundles it with the authority's chain.
Result<IssuedCertificate> issueCertificate(const CertificateTemplate& tmpl, EVP_PKEY* subjectKey,
                                           const SigningAuthority& authority);

// templateForRequest + issueCertificate: what a healthy issuer does with a request.
Result<IssuedCertificate> signRequest(const CertificateSigningRequest& csr, const RequestSpec& spec,
                                      const SigningAuthority& authority, SystemTime now);

}  // namespace certchaos::pki
