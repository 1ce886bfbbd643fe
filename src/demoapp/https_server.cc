#include "certchaos/demoapp/https_server.h"

#include <httplib.h>
#include <openssl/ssl.h>

#include <nlohmann/json.hpp>

#include "certchaos/common/time.h"

namespace certchaos::demoapp {
namespace {

// Called by OpenSSL for every handshake: present the store's certificate of the moment.
int selectCertificate(SSL* ssl, void* arg) {
  auto cert = static_cast<const CertificateStore*>(arg)->current();
  if (!cert) return 0;  // nothing to serve yet: the handshake fails
  if (SSL_use_certificate(ssl, cert->chain.front().get()) != 1) return 0;
  if (SSL_use_PrivateKey(ssl, cert->key.get()) != 1) return 0;
  SSL_clear_chain_certs(ssl);
  for (size_t i = 1; i < cert->chain.size(); ++i) SSL_add1_chain_cert(ssl, cert->chain[i].get());
  return 1;
}

}  // namespace

HttpsServer::HttpsServer(const CertificateStore& store) : store_(store) {}

HttpsServer::~HttpsServer() { stop(); }

Result<int> HttpsServer::start(const std::string& host, int port) {
  auto* store = const_cast<CertificateStore*>(&store_);
  server_ = std::make_unique<httplib::SSLServer>([store](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_cert_cb(&ctx, selectCertificate, store);
    return true;
  });
  if (!server_->is_valid()) return makeError("TLS", "cannot create the TLS server context");
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  server_->Get("/", [this](const httplib::Request&, httplib::Response& res) {
    auto cert = store_.current();
    nlohmann::json body = {{"app", "certchaos-demo-app"}};
    if (cert) {
      body["serial"] = cert->serial();
      body["notAfter"] = certchaos::formatRfc3339(cert->chain.front().notAfter());
    }
    res.set_content(body.dump(), "application/json");
  });
  int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return makeError("Bind", "cannot listen on " + host + ":" + std::to_string(port) +
                                 "; choose another --listen address");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void HttpsServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace certchaos::demoapp
