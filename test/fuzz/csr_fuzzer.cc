// CertificateRequest spec.request: base64 of a PEM CSR, as cert-manager (or anyone who can
// create a CertificateRequest) sends it. The input is tried as that text, and as the DER inside
// a PEM block (so mutations reach the ASN.1 and the extensions); a CSR that parses then goes
// through cert-manager's template checks against a request spec drawn from the input.
#include <openssl/evp.h>

#include <string>

#include "certchaos/pki/csr.h"
#include "certchaos/pki/signer.h"
#include "fuzz_check.h"

using namespace certchaos::pki;
using certchaos::fuzz::check;

namespace {

std::string pemOf(std::string_view der) {
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                          reinterpret_cast<const unsigned char*>(der.data()),
                          static_cast<int>(der.size()));
  b64.resize(static_cast<std::size_t>(n));
  std::string pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE REQUEST-----\n";
}

void exercise(const CertificateSigningRequest& csr, std::uint8_t knobs) {
  check(!csr.keyInfo().describe().empty(), "a parsed CSR describes its key");
  (void)csr.commonName();
  auto again = CertificateSigningRequest::fromPem(csr.toPem());
  check(again.ok(), "a parsed CSR's PEM parses again");
  RequestSpec spec;
  spec.isCA = knobs & 1;
  if (knobs & 2) spec.usages = {"digital signature", "key encipherment", "server auth"};
  if (knobs & 4) spec.usages = {"client auth", "cert sign"};
  if (knobs & 8) spec.duration = std::chrono::hours(1);
  auto tmpl = templateForRequest(csr, spec, SystemTime(std::chrono::hours(480000)));
  check(tmpl.ok() || !tmpl.error().message.empty(), "a refused request says why");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = certchaos::fuzz::asText(data, size);
  std::uint8_t knobs = size > 0 ? data[size - 1] : 0;
  if (auto csr = CertificateSigningRequest::fromBase64Pem(text)) exercise(*csr, knobs);
  if (auto csr = CertificateSigningRequest::fromPem(pemOf(text))) exercise(*csr, knobs);
  return 0;
}
