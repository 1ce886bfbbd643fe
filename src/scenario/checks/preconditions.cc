#include "certchaos/common/time.h"
#include "certchaos/scenario/checks.h"

namespace certchaos::scenario {

std::string baseProblem(const std::optional<CertificateFacts>& leaf, SystemTime now,
                        const std::string& ownIssuer) {
  if (!leaf) return "it holds no certificate";
  if (now >= leaf->notAfter) {
    return "it holds serial " + leaf->serial + ", expired at " + formatRfc3339(leaf->notAfter);
  }
  if (now < leaf->notBefore) {
    return "it holds serial " + leaf->serial + ", not valid before " +
           formatRfc3339(leaf->notBefore);
  }
  if (!ownIssuer.empty() && leaf->issuer != ownIssuer) {
    return "it holds serial " + leaf->serial + " issued by CN=" + leaf->issuer +
           ", not by the issuer's CA CN=" + ownIssuer;
  }
  return "";
}

}  // namespace certchaos::scenario
