// Certificate revocation lists (RFC 5280 §5): the issuer builds and signs one from the serials it
// published as revoked (scenario 25); the probe parses the one a certificate's distribution point
// names, as a client that checks revocation does.
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/pki/signing_authority.h"

namespace certchaos::pki {

struct RevokedCertificate {
  std::string serialHex;  // as Certificate::serialHex() prints it
  SystemTime revokedAt{};
};

struct X509CrlDeleter {
  void operator()(X509_CRL* crl) const { X509_CRL_free(crl); }
};
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlDeleter>;

class Crl {
 public:
  // A CRL as a distribution point serves it: DER (application/pkix-crl) or PEM. Input from the
  // network: anything else is an error naming what was found, never a crash.
  static Result<Crl> parse(std::string_view derOrPem);

  // A v2 CRL signed by `authority` (its digest as for certificates), listing `revoked`.
  static Result<Crl> build(const SigningAuthority& authority,
                           const std::vector<RevokedCertificate>& revoked, SystemTime thisUpdate,
                           SystemTime nextUpdate);

  std::string toDer() const;
  std::string issuerCommonName() const;
  SystemTime thisUpdate() const;
  std::vector<RevokedCertificate> revoked() const;
  X509_CRL* get() const { return crl_.get(); }

 private:
  explicit Crl(X509CrlPtr crl) : crl_(std::move(crl)) {}
  std::shared_ptr<X509_CRL> crl_;
};

}  // namespace certchaos::pki
