#include "certchaos/chaosrun/start_conditions.h"

#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/chaos/catalog.h"
#include "certchaos/chaosrun/chaos_run.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/errors.h"
#include "certchaos/pki/certificate.h"
#include "certchaos/scenario/checks.h"

namespace certchaos::chaosrun {

using nlohmann::json;

namespace {

std::string str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

// The PEM under `key` of a Secret's data, "" when absent or not base64.
std::string secretPem(const json& secret, const char* key) {
  const json data = secret.value("data", json::object());
  if (!data.contains(key) || !data[key].is_string()) return "";
  auto decoded = kube::base64Decode(data[key].get<std::string>());
  return decoded ? *decoded : "";
}

// The common name of the issuer's CA (status.caSecret, "namespace/name"), "" when unknown.
std::string issuerCaName(kube::Client& client, const json& issuer) {
  const std::string ref = str(issuer.value("status", json::object()), "caSecret");
  const auto slash = ref.find('/');
  if (slash == std::string::npos) return "";
  auto secret = client.get(kube::resources::kSecret, ref.substr(0, slash), ref.substr(slash + 1));
  if (!secret) return "";
  auto ca = pki::Certificate::fromPem(secretPem(*secret, "tls.crt"));
  return ca ? ca->subjectCommonName() : "";
}

StartCondition certificateSigned(kube::Client& client, const scenario::RunOptions& o,
                                 const json* issuer, SystemTime now) {
  StartCondition c{kCertificateSigned, false, "", ""};
  const std::string certName = "Certificate " + o.certificate.ns + "/" + o.certificate.name;
  auto cert = client.get(api::kCertificate, o.certificate.ns, o.certificate.name);
  if (!cert) {
    c.reason = kube::isNotFound(cert.error()) ? "CertificateNotFound" : "CertificateUnreadable";
    c.message = certName + ": " + cert.error().message +
                "; create it, or point spec.certificate.name at the Certificate under test";
    return c;
  }
  const json issuerRef = (*cert)["spec"].value("issuerRef", json::object());
  if (str(issuerRef, "name") != o.issuer.name || issuerRef.value("kind", "") != o.issuerKind) {
    c.reason = "OtherIssuer";
    c.message = certName + " is issued by " + issuerRef.value("kind", std::string("Issuer")) + " " +
                str(issuerRef, "name") + ", not by the run's " + o.issuerKind + " " +
                o.issuer.name + "; fix spec.issuer or the Certificate's issuerRef";
    return c;
  }
  const std::string secretName = str((*cert)["spec"], "secretName");
  auto secret = client.get(kube::resources::kSecret, o.certificate.ns, secretName);
  if (!secret) {
    c.reason = "NoSecret";
    c.message = "waiting for cert-manager to store a certificate in Secret " + o.certificate.ns +
                "/" + secretName + " (" + secret.error().message + ")";
    return c;
  }
  auto leaf = pki::Certificate::fromPem(secretPem(*secret, "tls.crt"));
  if (!leaf) {
    c.reason = "NoCertificate";
    c.message = "waiting for a certificate in Secret " + o.certificate.ns + "/" + secretName +
                ": " + leaf.error().message;
    return c;
  }
  const std::string ownCa = issuer != nullptr ? issuerCaName(client, *issuer) : "";
  const std::string problem =
      scenario::baseProblem(scenario::CertificateFacts{leaf->serialHex(), leaf->notBefore(),
                                                       leaf->notAfter(), leaf->issuerCommonName()},
                            now, ownCa);
  if (!problem.empty()) {
    c.reason = "BaseBroken";
    c.message = "expected Secret " + o.certificate.ns + "/" + secretName +
                " to hold a valid certificate signed by " + o.issuerKind + " " + o.issuer.name +
                ", but " + problem +
                "; make the issuer healthy and renew (certchaos renew), or delete this run";
    return c;
  }
  c.holds = true;
  c.reason = "Signed";
  c.message = "Secret " + o.certificate.ns + "/" + secretName + " holds serial " +
              leaf->serialHex() + " from CN=" + leaf->issuerCommonName() + ", valid until " +
              formatRfc3339(leaf->notAfter());
  return c;
}

StartCondition issuerReady(const scenario::RunOptions& o, const Result<json>& issuer,
                           bool awaitScenario) {
  StartCondition c{kIssuerReady, false, "", ""};
  const std::string name =
      o.issuerKind + " " + (o.issuer.ns.empty() ? "" : o.issuer.ns + "/") + o.issuer.name;
  if (!issuer) {
    c.reason = kube::isNotFound(issuer.error()) ? "IssuerNotFound" : "IssuerUnreadable";
    c.message = name + ": " + issuer.error().message +
                "; create it ('certchaos deploy issuer') or fix spec.issuer";
    return c;
  }
  const auto generation = (*issuer)["metadata"].value("generation", std::int64_t{0});
  const json* ready = api::findCondition(*issuer, "Ready");
  const std::string scenario = str((*issuer)["spec"], "scenario");
  const std::string chaos = scenario.empty() ? "healthy" : "scenario " + scenario;
  if (awaitScenario) {
    const auto* wanted = chaos::findScenario(o.scenario);
    const auto* carried = chaos::findScenario(scenario);
    if (wanted == nullptr || carried == nullptr || wanted->number != carried->number) {
      c.reason = "ScenarioNotDeployed";
      c.message = "waiting for " + name + " to carry scenario " + o.scenario + " (it has " + chaos +
                  "): deploying it is this run's trigger ('certchaos deploy issuer " +
                  o.issuer.name + " --scenario " + o.scenario + "')";
      return c;
    }
  }
  if (ready == nullptr) {
    c.reason = "NotReady";
    c.message = "waiting for " + name + " to report Ready (is certchaos-issuer running?)";
    return c;
  }
  if (ready->value("observedGeneration", std::int64_t{-1}) != generation) {
    c.reason = "NotObserved";
    c.message = "waiting for " + name + " to be Ready at generation " + std::to_string(generation) +
                " (" + chaos + ")";
    return c;
  }
  if (str(*ready, "status") != "True") {
    c.reason = "NotReady";
    c.message = name + " is not Ready at generation " + std::to_string(generation) + ": " +
                str(*ready, "message");
    return c;
  }
  c.holds = true;
  c.reason = "Ready";
  c.message = name + " is Ready at generation " + std::to_string(generation) + " (" + chaos + ")";
  return c;
}

}  // namespace

std::vector<StartCondition> evaluateStartConditions(kube::Client& client,
                                                    const scenario::RunOptions& run,
                                                    bool awaitScenario, SystemTime now) {
  const auto& resource =
      run.issuerKind == "ChaosClusterIssuer" ? api::kChaosClusterIssuer : api::kChaosIssuer;
  auto issuer = client.get(resource, run.issuer.ns, run.issuer.name);
  return {certificateSigned(client, run, issuer ? &*issuer : nullptr, now),
          issuerReady(run, issuer, awaitScenario)};
}

bool allHold(const std::vector<StartCondition>& conditions) {
  for (const auto& c : conditions) {
    if (!c.holds) return false;
  }
  return true;
}

}  // namespace certchaos::chaosrun
