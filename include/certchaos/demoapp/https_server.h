// The demo application's HTTPS server: every TLS handshake presents the store's current
// certificate, so a reload needs no restart. GET / answers with the served serial and notAfter,
// GET /healthz with "ok".
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "certchaos/common/result.h"
#include "certchaos/demoapp/certificate_store.h"

namespace httplib {
class SSLServer;
}

namespace certchaos::demoapp {

class HttpsServer {
 public:
  explicit HttpsServer(const CertificateStore& store);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Binds host:port (port 0: the kernel chooses) and serves on a background thread.
  Result<int> start(const std::string& host, int port);
  void stop();

 private:
  const CertificateStore& store_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
};

}  // namespace certchaos::demoapp
