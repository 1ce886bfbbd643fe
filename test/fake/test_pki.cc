#include "test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <stdexcept>

namespace certchaos::testing {
namespace {

EVP_PKEY* newKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  return key;
}

std::string keyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

std::string certPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

void addExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* makeCert(EVP_PKEY* key, const char* cn, const char* org, X509* issuer, long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600 * 24);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  if (org != nullptr) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(org),
                               -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  return cert;
}

}  // namespace

TestPki makeTestPki() {
  TestPki pki;
  EVP_PKEY* caKey = newKey();
  X509* ca = makeCert(caKey, "certchaos-test-ca", nullptr, nullptr, 1);
  addExt(ca, ca, NID_basic_constraints, "critical,CA:TRUE");
  addExt(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
  addExt(ca, ca, NID_subject_key_identifier, "hash");
  X509_sign(ca, caKey, EVP_sha256());

  EVP_PKEY* serverKey = newKey();
  X509* server = makeCert(serverKey, "kube-apiserver", nullptr, ca, 2);
  addExt(server, ca, NID_basic_constraints, "critical,CA:FALSE");
  addExt(server, ca, NID_key_usage, "critical,digitalSignature");
  addExt(server, ca, NID_ext_key_usage, "serverAuth");
  addExt(server, ca, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost,DNS:kubernetes.test");
  X509_sign(server, caKey, EVP_sha256());

  EVP_PKEY* clientKey = newKey();
  X509* client = makeCert(clientKey, "test-user", "system:masters", ca, 3);
  addExt(client, ca, NID_basic_constraints, "critical,CA:FALSE");
  addExt(client, ca, NID_key_usage, "critical,digitalSignature");
  addExt(client, ca, NID_ext_key_usage, "clientAuth");
  X509_sign(client, caKey, EVP_sha256());

  pki.caPem = certPem(ca);
  pki.serverCertPem = certPem(server);
  pki.serverKeyPem = keyPem(serverKey);
  pki.clientCertPem = certPem(client);
  pki.clientKeyPem = keyPem(clientKey);
  X509_free(ca);
  X509_free(server);
  X509_free(client);
  EVP_PKEY_free(caKey);
  EVP_PKEY_free(serverKey);
  EVP_PKEY_free(clientKey);
  return pki;
}

std::string writeFile(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return path;
}

}  // namespace certchaos::testing
