#include "client_trust.h"

#include "certchaos/chaos/seeded_roots.h"
#include "certchaos/common/time.h"

namespace certchaos::scenario {

Result<ClientTrust> clientTrustFor(const std::string& scenario, const std::string& clientsTrust,
                                   const nlohmann::json& issuerSpec, const std::string& caPem) {
  ClientTrust out{caPem, "", "", ""};
  if (scenario != "chain-switch" && scenario != "expired-cross-sign") return out;
  auto seed = chaos::scenarioFaultSeed(issuerSpec);
  if (!seed) {
    return makeError(seed.error().code,
                     "the clients' trust for scenario " + scenario + ": " + seed.error().message);
  }
  if (scenario == "chain-switch") {
    if (clientsTrust != "old-and-new-root") {
      out.note = "the clients trust ca.crt as it was (clientsTrust=" + clientsTrust + ")";
      return out;
    }
    auto root = chaos::alternateRoot(*seed);
    if (!root) return root.error();
    out.bundlePem += root->certificate().toPem();
    out.note = "the clients trust ca.crt as it was and the new root CN=" +
               root->certificate().subjectCommonName() +
               ", announced before the switch (clientsTrust=old-and-new-root)";
    return out;
  }
  auto expired = chaos::expiredCrossSignRoot(*seed);
  if (!expired) return expired.error();
  out.oldClientPem = expired->certificate().toPem();
  out.oldClientRoot = "CN=" + expired->certificate().subjectCommonName() + ", notAfter " +
                      formatRfc3339(expired->certificate().notAfter());
  out.note = "a modern client trusts ca.crt; an old client trusts only the expired root " +
             out.oldClientRoot;
  return out;
}

}  // namespace certchaos::scenario
