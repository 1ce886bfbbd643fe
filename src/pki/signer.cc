#include "certchaos/pki/signer.h"

#include <algorithm>

#include "certchaos/pki/usages.h"

namespace certchaos::pki {
namespace {

std::string quoted(const std::vector<std::string>& names) {
  std::string out = "[";
  for (const auto& n : names) out += (out.size() > 1 ? ", '" : "'") + n + "'";
  return out + "]";
}

}  // namespace

Result<CertificateTemplate> templateForRequest(const CertificateSigningRequest& csr,
                                               const RequestSpec& spec, SystemTime now) {
  const auto duration = spec.duration.value_or(kDefaultCertificateDuration);
  if (duration <= std::chrono::nanoseconds::zero()) {
    return makeError("InvalidRequest",
                     "spec.duration: expected a positive duration, found a "
                     "zero or negative one; fix the Certificate's "
                     "spec.duration");
  }
  auto usages = usagesFromNames(spec.usages, spec.isCA);
  if (!usages) return makeError("InvalidRequest", usages.error().message);

  // As cert-manager: if the CSR encodes either usage extension, both must match the spec.
  if (csr.keyUsage() || csr.extKeyUsageOids()) {
    const unsigned csrKu = csr.keyUsage().value_or(0);
    if (csrKu != usages->keyUsage) {
      return makeError("InvalidRequest",
                       "encoded CSR error: expected the CSR's keyUsage to be " +
                           quoted(keyUsageNames(usages->keyUsage)) +
                           " as spec.usages/isCA ask, "
                           "found " +
                           quoted(keyUsageNames(csrKu)) +
                           "; recreate the request so the CSR and spec.usages agree");
    }
    const auto csrEku = csr.extKeyUsageOids().value_or(std::vector<std::string>{});
    if (csrEku != usages->extKeyUsageOids) {
      return makeError("InvalidRequest",
                       "encoded CSR error: expected the CSR's extendedKeyUsage to be " +
                           quoted(extKeyUsageNames(usages->extKeyUsageOids)) +
                           " as spec.usages asks, found " + quoted(extKeyUsageNames(csrEku)) +
                           "; recreate the request so the CSR and spec.usages agree");
    }
  }
  if (csr.basicConstraints() && csr.basicConstraints()->isCA != spec.isCA) {
    return makeError("InvalidRequest",
                     std::string("encoded CSR error: expected the CSR's basicConstraints CA:") +
                         (spec.isCA ? "TRUE" : "FALSE") + " as spec.isCA asks, found CA:" +
                         (csr.basicConstraints()->isCA ? "TRUE" : "FALSE") +
                         "; recreate the request so the CSR and spec.isCA agree");
  }

  CertificateTemplate t;
  t.subject = csr.subject();
  t.commonName = csr.commonName();
  t.dnsNames = csr.dnsNames();
  t.ipAddresses = csr.ipAddresses();
  t.uris = csr.uris();
  t.emails = csr.emails();
  t.otherSans = csr.otherSans();
  t.subjectDer = csr.subjectDer();
  t.subjectAltNameDer = csr.subjectAltNameDer();
  t.nameConstraints = csr.nameConstraints();
  t.notBefore = std::chrono::time_point_cast<std::chrono::seconds>(now);
  t.notAfter = t.notBefore + std::chrono::duration_cast<std::chrono::seconds>(duration);
  t.isCA = spec.isCA;
  t.keyUsage = usages->keyUsage;
  t.extKeyUsageOids = usages->extKeyUsageOids;
  t.signatureDigest.clear();
  return t;
}

PemBundle bundleChain(const Certificate& leaf, const std::vector<Certificate>& chain) {
  PemBundle out;
  out.chainPem = leaf.toPem();
  // A certificate given twice (a root in tls.crt and in ca.crt) is bundled once, as cert-manager
  // de-duplicates.
  // Pointers, not copies: a copy of an X509 is decoded again, public key and all (a tenth of the
  // issuer's CPU per issuance when this copied).
  std::vector<const Certificate*> issuers;
  for (const auto& c : chain) {
    auto same = [&c](const Certificate* o) { return X509_cmp(o->get(), c.get()) == 0; };
    if (!same(&leaf) && std::none_of(issuers.begin(), issuers.end(), same)) {
      issuers.push_back(&c);
    }
  }
  if (issuers.empty()) return out;
  for (size_t i = 0; i + 1 < issuers.size(); ++i) out.chainPem += issuers[i]->toPem();
  const Certificate& top = *issuers.back();
  if (!isSelfSigned(top)) out.chainPem += top.toPem();
  out.caPem = top.toPem();
  return out;
}

Result<IssuedCertificate> issueCertificate(const CertificateTemplate& tmpl, EVP_PKEY* subjectKey,
                                           const SigningAuthority& authority) {
  CertificateTemplate t = tmpl;
  if (t.signatureDigest.empty()) t.signatureDigest = authority.preferredDigest();
  if (t.signatureDigest.empty()) t.signatureDigest = "SHA256";  // ignored for Ed25519
  auto leaf = signCertificate(t, subjectKey, authority.key(), &authority.certificate());
  if (!leaf) return leaf.error();
  PemBundle bundle = bundleChain(*leaf, authority.chain());
  return IssuedCertificate{std::move(*leaf), std::move(bundle)};
}

Result<IssuedCertificate> signRequest(const CertificateSigningRequest& csr, const RequestSpec& spec,
                                      const SigningAuthority& authority, SystemTime now) {
  auto tmpl = templateForRequest(csr, spec, now);
  if (!tmpl) return tmpl.error();
  return issueCertificate(*tmpl, csr.publicKey(), authority);
}

}  // namespace certchaos::pki
