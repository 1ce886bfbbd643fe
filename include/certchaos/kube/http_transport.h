// HttpTransport: one HTTP exchange with the API server. The interface tests can replace; the real
// one is libcurl (makeCurlTransport).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/kube/client_config.h"

namespace certchaos::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{0};      // the whole exchange; 0: none (long watches)
  std::chrono::milliseconds idleTimeout{0};  // fail with codes::kStalled after this long silent
  std::string clientCertPem;                 // overrides the transport's TLS identity if set
  std::string clientKeyPem;
};

struct HttpResponse {
  long status = 0;
  std::string body;                            // the whole body, or a non-2xx body when streaming
  std::map<std::string, std::string> headers;  // names in lower case
};

// Receives a 2xx body as it arrives; returns false to end the exchange early.
using BodyCallback = std::function<bool(std::string_view chunk)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends and collects the whole reply. A reply with any status is a success at this level;
  // only a failure to get one (connect, TLS, timeout, cancel) is an Error.
  virtual Result<HttpResponse> send(const HttpRequest& request, std::stop_token stop) = 0;

  // Like send, but a 2xx body goes to onBody chunk by chunk instead of into the response.
  virtual Result<HttpResponse> stream(const HttpRequest& request, const BodyCallback& onBody,
                                      std::stop_token stop) = 0;
};

// libcurl with OpenSSL: verifies the server against tls.caPem (or the system store) unless
// insecureSkipVerify; presents the client certificate from memory; reuses connections.
std::shared_ptr<HttpTransport> makeCurlTransport(const TlsConfig& tls, const std::string& proxyUrl,
                                                 std::chrono::milliseconds connectTimeout);

}  // namespace certchaos::kube
