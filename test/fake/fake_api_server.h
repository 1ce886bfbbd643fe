// FakeApiServer: a small Kubernetes API server for tests, on 127.0.0.1 with a kernel-chosen port
// (plain HTTP, or HTTPS with a certificate the test made). It keeps objects in memory for the
// plain verbs, and lets a test put its own handlers first for what a real server cannot do on
// demand (split chunks, 410 mid-stream, stalls, 401, 429).
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace certchaos::testing {

struct RecordedRequest {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;
  std::string authorization;
  std::string contentType;
  std::string body;
  int remotePort = 0;  // the client's port: one per connection

  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? "" : it->second;
  }
};

struct FakeTls {
  std::string certPath;  // the server's certificate chain (PEM file)
  std::string keyPath;
  std::string clientCaPath;  // if set, clients must present a certificate signed by this CA
};

class FakeApiServer {
 public:
  // Returns true if it answered; false passes the request on (to later handlers, then the store).
  using Handler = std::function<bool(const httplib::Request&, httplib::Response&)>;

  FakeApiServer();
  explicit FakeApiServer(const FakeTls& tls);
  ~FakeApiServer();

  std::string url() const;  // "http://127.0.0.1:PORT" or "https://..."
  int port() const { return port_; }

  void addHandler(Handler handler);

  std::vector<RecordedRequest> requests() const;
  std::size_t countRequests(const std::string& method, const std::string& pathPrefix,
                            const std::string& param = "", const std::string& value = "") const;
  // Waits (without polling) until cond holds; it is re-checked after every request and after
  // notify(). False on timeout.
  bool waitFor(const std::function<bool()>& cond,
               std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  void notify() const;

  // For handlers that hold a stream open: blocks until the server shuts down or the timeout.
  void holdUntilShutdown(std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  bool shuttingDown() const;

  // The in-memory store, keyed by collection path without namespace ("/api/v1/configmaps").
  void putObject(const std::string& collection, nlohmann::json object);
  nlohmann::json getObject(const std::string& collection, const std::string& ns,
                           const std::string& name) const;
  std::int64_t resourceVersion() const;

  static std::string statusBody(int code, const std::string& reason, const std::string& message,
                                const nlohmann::json& details = nullptr);

 private:
  void start();
  void dispatch(const httplib::Request& req, httplib::Response& res);
  void serveStore(const httplib::Request& req, httplib::Response& res);
  void record(const httplib::Request& req);

  std::unique_ptr<httplib::Server> server_;
  std::string scheme_ = "http";
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool shuttingDown_ = false;
  std::vector<Handler> handlers_;
  std::vector<RecordedRequest> requests_;
  // collection -> "ns/name" -> object
  std::map<std::string, std::map<std::string, nlohmann::json>> store_;
  std::int64_t rv_ = 100;
};

}  // namespace certchaos::testing
