// RevocationList: the certificates each issuer has published as revoked (scenario 25), and the
// CRL it serves for them over HTTP. Kept in the issuer process's memory: a restart forgets them
// (the CRL it serves then lists none). Thread-safe: the request reconciler adds, the HTTP
// handler reads.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/common/time.h"
#include "certchaos/pki/crl.h"

namespace certchaos::issuer {

// How long a CRL the issuer serves stays current (nextUpdate − thisUpdate): short, since it
// changes as certificates are published as revoked.
inline constexpr auto kCrlValidity = std::chrono::minutes(5);

class RevocationList {
 public:
  // `serialHex` of a certificate signed by issuer `key` at its spec's `generation`, listed in the
  // CRL from `revokeAt` on.
  void add(const std::string& key, std::int64_t generation, std::string serialHex,
           SystemTime revokeAt);
  // How many certificates the issuer revoked under the spec of `generation`.
  int countFor(const std::string& key, std::int64_t generation) const;
  // The revocations of the issuer that are published at `now` (revokeAt reached).
  std::vector<pki::RevokedCertificate> publishedAt(const std::string& key, SystemTime now) const;

 private:
  struct Entry {
    std::int64_t generation = 0;
    pki::RevokedCertificate revoked;
  };
  static constexpr std::size_t kMaxPerIssuer = 10000;  // oldest forgotten beyond this
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Entry>> entries_;
};

// The path under which an issuer's CRL is served: "/crl/ChaosIssuer/<ns>/<name>.crl" for the
// issuer key "ChaosIssuer/<ns>/<name>"; and back ("" when `path` names no issuer key).
std::string crlPathFor(const std::string& issuerKey);
std::string issuerKeyForCrlPath(std::string_view path);

}  // namespace certchaos::issuer
