// The CRL the probe fetches from a certificate's distribution point (scenario 25): bytes from the
// network. Never a crash; what parses lists serials as hex and re-encodes to DER that parses to
// the same entries.
#include "certchaos/pki/crl.h"
#include "fuzz_check.h"

using certchaos::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto crl = certchaos::pki::Crl::parse(certchaos::fuzz::asText(data, size));
  if (!crl) {
    check(!crl.error().message.empty(), "a refused CRL says why");
    return 0;
  }
  const auto entries = crl->revoked();
  for (const auto& e : entries) {
    check(e.serialHex.find_first_not_of("0123456789ABCDEF-") == std::string::npos,
          "a revoked serial prints as hex");
  }
  (void)crl->issuerCommonName();
  (void)crl->thisUpdate();
  const std::string der = crl->toDer();
  if (der.empty()) return 0;  // parsed, but OpenSSL will not re-encode it: nothing to compare
  auto again = certchaos::pki::Crl::parse(der);
  check(again.ok(), "a re-encoded CRL parses");
  check(again.ok() && again->revoked().size() == entries.size(),
        "a re-encoded CRL lists the same entries");
  return 0;
}
