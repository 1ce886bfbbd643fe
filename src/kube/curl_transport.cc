// The libcurl HttpTransport. Each exchange runs an easy handle inside its own multi handle so that
// a stop request (curl_multi_wakeup) and the idle deadline are noticed within milliseconds;
// connections, TLS sessions and DNS answers are shared between exchanges.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "certchaos/common/duration.h"
#include "certchaos/kube/errors.h"
#include "certchaos/kube/http_transport.h"

namespace certchaos::kube {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxErrorBody = 1 << 20;
constexpr long kMaxCachedConnections = 64;

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A CURLSH with one mutex per lock_data kind, as libcurl requires for use from many threads.
class SharedCache {
 public:
  SharedCache() {
    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &SharedCache::lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &SharedCache::unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  }
  ~SharedCache() { curl_share_cleanup(share_); }
  CURLSH* get() const { return share_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<SharedCache*>(self)->mutexes_[data % kLocks].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<SharedCache*>(self)->mutexes_[data % kLocks].unlock();
  }
  static constexpr int kLocks = CURL_LOCK_DATA_LAST;
  CURLSH* share_;
  std::mutex mutexes_[kLocks];
};

// The state of one exchange, reached from libcurl's callbacks.
struct Exchange {
  CURL* easy = nullptr;
  const BodyCallback* onBody = nullptr;
  HttpResponse response;
  SteadyClock::time_point lastByte = SteadyClock::now();
  bool stoppedByCallback = false;
  char errorText[CURL_ERROR_SIZE] = {0};

  static std::size_t onWrite(char* data, std::size_t size, std::size_t n, void* self) {
    auto* ex = static_cast<Exchange*>(self);
    std::size_t len = size * n;
    ex->lastByte = SteadyClock::now();
    long status = 0;
    curl_easy_getinfo(ex->easy, CURLINFO_RESPONSE_CODE, &status);
    bool success = status >= 200 && status < 300;
    if (success && ex->onBody != nullptr) {
      if (!(*ex->onBody)(std::string_view(data, len))) {
        ex->stoppedByCallback = true;
        return 0;  // makes libcurl end the transfer with CURLE_WRITE_ERROR
      }
      return len;
    }
    if (ex->onBody == nullptr || ex->response.body.size() < kMaxErrorBody) {
      ex->response.body.append(data, len);
    }
    return len;
  }

  static std::size_t onHeader(char* data, std::size_t size, std::size_t n, void* self) {
    auto* ex = static_cast<Exchange*>(self);
    std::size_t len = size * n;
    ex->lastByte = SteadyClock::now();
    std::string_view line(data, len);
    if (line.rfind("HTTP/", 0) == 0) {
      ex->response.headers.clear();  // a new status line (after 100 Continue or a redirect)
      return len;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return len;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    ex->response.headers[name] = std::string(value);
    return len;
  }
};

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport(TlsConfig tls, std::string proxyUrl, std::chrono::milliseconds connectTimeout)
      : tls_(std::move(tls)), proxyUrl_(std::move(proxyUrl)), connectTimeout_(connectTimeout) {
    globalInit();
  }

  Result<HttpResponse> send(const HttpRequest& request, std::stop_token stop) override {
    return perform(request, nullptr, stop);
  }

  Result<HttpResponse> stream(const HttpRequest& request, const BodyCallback& onBody,
                              std::stop_token stop) override {
    return perform(request, &onBody, stop);
  }

 private:
  // tls-server-name: ask for https://<serverName>:port/... but connect to the real host.
  void applyServerName(CURL* easy, std::string& url, curl_slist*& connectTo) const {
    if (tls_.serverName.empty()) return;
    CURLU* u = curl_url();
    if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
      char* host = nullptr;
      char* port = nullptr;
      curl_url_get(u, CURLUPART_HOST, &host, 0);
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
      if (host != nullptr && port != nullptr) {
        connectTo = curl_slist_append(
            connectTo, (tls_.serverName + ":" + port + ":" + host + ":" + port).c_str());
        curl_url_set(u, CURLUPART_HOST, tls_.serverName.c_str(), 0);
        char* rewritten = nullptr;
        if (curl_url_get(u, CURLUPART_URL, &rewritten, 0) == CURLUE_OK) url = rewritten;
        curl_free(rewritten);
        curl_easy_setopt(easy, CURLOPT_CONNECT_TO, connectTo);
      }
      curl_free(host);
      curl_free(port);
    }
    curl_url_cleanup(u);
  }

  static void setBlob(CURL* easy, CURLoption option, const std::string& data) {
    curl_blob blob{const_cast<char*>(data.data()), data.size(), CURL_BLOB_COPY};
    curl_easy_setopt(easy, option, &blob);
  }

  Result<HttpResponse> perform(const HttpRequest& request, const BodyCallback* onBody,
                               std::stop_token stop) {
    CURL* easy = curl_easy_init();
    CURLM* multi = curl_multi_init();
    // A connection returns to the shared cache after its exchange only while the cache holds
    // fewer than the multi's maxconnects (by default 4 per easy handle: 4 here), in use or not;
    // the open watches alone fill that, so each request opened a new TCP and TLS connection
    // (three per issuance in the issuer). Room for every watch and worker of a process.
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, kMaxCachedConnections);
    curl_slist* headers = nullptr;
    curl_slist* connectTo = nullptr;
    Exchange ex;
    ex.easy = easy;
    ex.onBody = onBody;

    std::string url = request.url;
    applyServerName(easy, url, connectTo);
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_SHARE, share_.get());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 10L);
    // Compression for whole replies (large lists); never for streams, where a compressing
    // server or proxy would hold events back until its buffer fills.
    if (onBody == nullptr) curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connectTimeout_.count()));
    if (request.timeout.count() > 0) {
      curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    }
    if (!proxyUrl_.empty()) curl_easy_setopt(easy, CURLOPT_PROXY, proxyUrl_.c_str());

    if (request.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (request.method != "DELETE" || !request.body.empty()) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
      }
    }
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Exchange::onWrite);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &ex);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Exchange::onHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &ex);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, ex.errorText);

    // TLS: verification stays on unless the kubeconfig itself turned it off.
    if (tls_.insecureSkipVerify) {
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!tls_.caPem.empty()) {
      setBlob(easy, CURLOPT_CAINFO_BLOB, tls_.caPem);
      curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);  // trust only the cluster's CA
    }
    const std::string& certPem =
        request.clientCertPem.empty() ? tls_.clientCertPem : request.clientCertPem;
    const std::string& keyPem =
        request.clientCertPem.empty() ? tls_.clientKeyPem : request.clientKeyPem;
    if (!certPem.empty()) {
      setBlob(easy, CURLOPT_SSLCERT_BLOB, certPem);
      curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
      setBlob(easy, CURLOPT_SSLKEY_BLOB, keyPem);
      curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
    }

    curl_multi_add_handle(multi, easy);
    CURLcode result = CURLE_OK;
    bool cancelled = false;
    bool stalled = false;
    {
      std::stop_callback wake(stop, [multi] { curl_multi_wakeup(multi); });
      for (;;) {
        int running = 0;
        if (curl_multi_perform(multi, &running) != CURLM_OK) break;
        if (running == 0) break;
        if (stop.stop_requested()) {
          cancelled = true;
          break;
        }
        auto pollFor = 250ms;
        if (request.idleTimeout.count() > 0) {
          auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() -
                                                                              ex.lastByte);
          if (silent >= request.idleTimeout) {
            stalled = true;
            break;
          }
          pollFor = std::min<std::chrono::milliseconds>(pollFor, request.idleTimeout - silent);
        }
        curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::max<long>(pollFor.count(), 1)),
                        nullptr);
      }
      int pending = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &pending)) {
        if (msg->msg == CURLMSG_DONE) result = msg->data.result;
      }
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &ex.response.status);
    // Which phase a timeout hit: 0 means the TCP (or TLS) connection was never established.
    curl_off_t connectedAfter = 0;
    curl_off_t handshakeDoneAfter = 0;
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connectedAfter);
    curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &handshakeDoneAfter);
    const bool https = request.url.rfind("https://", 0) == 0;
    const bool connecting = connectedAfter == 0 || (https && handshakeDoneAfter == 0);
    std::string curlMessage = ex.errorText[0] != 0 ? ex.errorText : curl_easy_strerror(result);
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
    curl_slist_free_all(connectTo);

    std::string target = request.method + " " + request.url;
    if (cancelled) {
      return makeError(std::string(codes::kCancelled), target + ": cancelled by the caller");
    }
    if (stalled) {
      return makeError(std::string(codes::kStalled),
                       target + ": expected data within " + formatGoDuration(request.idleTimeout) +
                           ", found the connection silent; it will be replaced");
    }
    if (ex.stoppedByCallback) return std::move(ex.response);
    if (result == CURLE_OPERATION_TIMEDOUT && connecting) {
      // The connect timeout (shorter than the request's) is the one that expired.
      const auto limit = request.timeout.count() > 0 ? std::min(connectTimeout_, request.timeout)
                                                     : connectTimeout_;
      return makeError(std::string(codes::kTimeout),
                       target + ": expected the server to accept a " +
                           (https ? std::string("TLS ") : std::string()) + "connection within " +
                           formatGoDuration(limit) + ", found no answer (" + curlMessage +
                           "); check the server URL and that the API server is running");
    }
    if (result == CURLE_OPERATION_TIMEDOUT) {
      return makeError(std::string(codes::kTimeout),
                       target + ": expected a reply within " + formatGoDuration(request.timeout) +
                           ", found none (" + curlMessage +
                           "); check the server or raise the timeout");
    }
    if (result != CURLE_OK) {
      std::string hint = "check the server URL and that the API server is running";
      if (result == CURLE_PEER_FAILED_VERIFICATION || result == CURLE_SSL_CACERT_BADFILE ||
          result == CURLE_SSL_CONNECT_ERROR) {
        hint = "check the cluster CA (certificate-authority) and tls-server-name";
      } else if (result == CURLE_SSL_CERTPROBLEM) {
        hint = "check the client certificate and key";
      }
      return makeError(std::string(codes::kConnection),
                       target + ": expected an HTTP reply, found a transport error (" +
                           curlMessage + "); " + hint);
    }
    return std::move(ex.response);
  }

  const TlsConfig tls_;
  const std::string proxyUrl_;
  const std::chrono::milliseconds connectTimeout_;
  SharedCache share_;
};

}  // namespace

std::shared_ptr<HttpTransport> makeCurlTransport(const TlsConfig& tls, const std::string& proxyUrl,
                                                 std::chrono::milliseconds connectTimeout) {
  return std::make_shared<CurlTransport>(tls, proxyUrl, connectTimeout);
}

}  // namespace certchaos::kube
