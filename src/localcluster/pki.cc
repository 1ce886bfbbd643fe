#include "certchaos/localcluster/pki.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <fstream>

#include "certchaos/pki/certificate.h"

namespace certchaos::localcluster {
namespace {

using pki::Certificate;
using pki::CertificateTemplate;
using pki::KeyAlgorithm;
using pki::PrivateKey;

Result<void> writeFile(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return makeError("IO", "cannot write " + path);
  out << content;
  out.close();
  chmod(path.c_str(), mode);
  return {};
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

CertificateTemplate validFor(std::chrono::hours lifetime) {
  CertificateTemplate t;
  auto now = std::chrono::system_clock::now();
  t.notBefore = now - std::chrono::minutes(5);
  t.notAfter = now + lifetime;
  return t;
}

}  // namespace

Result<PlanePki> createPlanePki(const std::string& dir,
                                const std::vector<std::string>& extraServerIps) {
  PlanePki p{dir};
  mkdir(dir.c_str(), 0700);
  const auto year = std::chrono::hours(24 * 365);

  auto caKey = PrivateKey::generate(KeyAlgorithm::kEcdsaP256);
  if (!caKey) return caKey.error();
  auto caTmpl = validFor(year);
  caTmpl.commonName = "certchaos-local-serving-ca";
  caTmpl.isCA = true;
  caTmpl.keyUsage = pki::kCertSign | pki::kCrlSign | pki::kDigitalSignature;
  auto ca = pki::signCertificate(caTmpl, caKey->get(), *caKey, nullptr);
  if (!ca) return ca.error();

  auto serverKey = PrivateKey::generate(KeyAlgorithm::kEcdsaP256);
  if (!serverKey) return serverKey.error();
  auto serverTmpl = validFor(year);
  serverTmpl.commonName = "kube-apiserver";
  serverTmpl.dnsNames = {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"};
  serverTmpl.ipAddresses = {"127.0.0.1", "10.0.0.1"};
  serverTmpl.ipAddresses.insert(serverTmpl.ipAddresses.end(), extraServerIps.begin(),
                                extraServerIps.end());
  serverTmpl.keyUsage = pki::kDigitalSignature | pki::kKeyEncipherment;
  serverTmpl.extKeyUsageOids = {pki::kServerAuthOid};
  auto server = pki::signCertificate(serverTmpl, serverKey->get(), *caKey, &*ca);
  if (!server) return server.error();

  auto clientCaKey = PrivateKey::generate(KeyAlgorithm::kEcdsaP256);
  if (!clientCaKey) return clientCaKey.error();
  auto clientCaTmpl = caTmpl;
  clientCaTmpl.commonName = "certchaos-local-client-ca";
  auto clientCa = pki::signCertificate(clientCaTmpl, clientCaKey->get(), *clientCaKey, nullptr);
  if (!clientCa) return clientCa.error();

  auto adminKey = PrivateKey::generate(KeyAlgorithm::kEcdsaP256);
  if (!adminKey) return adminKey.error();
  auto adminTmpl = validFor(year);
  adminTmpl.commonName = "certchaos-admin";
  adminTmpl.organizations = {"system:masters"};
  adminTmpl.keyUsage = pki::kDigitalSignature | pki::kKeyEncipherment;
  adminTmpl.extKeyUsageOids = {pki::kClientAuthOid};
  auto admin = pki::signCertificate(adminTmpl, adminKey->get(), *clientCaKey, &*clientCa);
  if (!admin) return admin.error();

  auto saKey = PrivateKey::generate(KeyAlgorithm::kRsa2048);
  if (!saKey) return saKey.error();

  const std::pair<std::string, std::string> publicFiles[] = {
      {p.caCert(), ca->toPem()},
      {p.apiserverCert(), server->toPem()},
      {p.clientCaCert(), clientCa->toPem()},
      {p.adminCert(), admin->toPem()},
      {p.serviceAccountPublicKey(), saKey->publicKeyPem()}};
  for (const auto& [path, content] : publicFiles) {
    if (auto r = writeFile(path, content, 0644); !r) return r.error();
  }
  const std::pair<std::string, std::string> privateFiles[] = {
      {p.apiserverKey(), serverKey->toPem()},
      {p.adminKey(), adminKey->toPem()},
      {p.serviceAccountKey(), saKey->toPem()}};
  for (const auto& [path, content] : privateFiles) {
    if (auto r = writeFile(path, content, 0600); !r) return r.error();
  }
  // The CA keys are not needed after this: nothing else is signed by them, so they are not kept.
  return p;
}

namespace {

// `user` is the YAML of the user entry's fields, indented by four spaces.
Result<void> writeKubeconfig(const PlanePki& pki, const std::string& serverUrl,
                             const std::string& userName, const std::string& user,
                             const std::string& path) {
  std::string config =
      "apiVersion: v1\nkind: Config\nclusters:\n- name: certchaos-local\n"
      "  cluster:\n    server: " +
      serverUrl + "\n    certificate-authority-data: " + base64(readFile(pki.caCert())) +
      "\nusers:\n- name: " + userName + "\n  user:\n" + user +
      "contexts:\n- name: certchaos-local\n  context:\n"
      "    cluster: certchaos-local\n    user: " +
      userName + "\n    namespace: default\ncurrent-context: certchaos-local\n";
  return writeFile(path, config, 0600);
}

}  // namespace

Result<void> writeAdminKubeconfig(const PlanePki& pki, const std::string& serverUrl,
                                  const std::string& path) {
  return writeKubeconfig(pki, serverUrl, "certchaos-admin",
                         "    client-certificate-data: " + base64(readFile(pki.adminCert())) +
                             "\n    client-key-data: " + base64(readFile(pki.adminKey())) + "\n",
                         path);
}

Result<void> writeTokenKubeconfig(const PlanePki& pki, const std::string& serverUrl,
                                  const std::string& userName, const std::string& token,
                                  const std::string& path) {
  return writeKubeconfig(pki, serverUrl, userName, "    token: " + token + "\n", path);
}

}  // namespace certchaos::localcluster
