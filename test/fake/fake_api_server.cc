#include "fake_api_server.h"

#include <regex>

namespace certchaos::testing {
namespace {

struct ParsedPath {
  std::string collection;  // "/api/v1/configmaps"
  std::string ns;
  std::string name;
  std::string subresource;
};

bool parsePath(const std::string& path, ParsedPath& out) {
  static const std::regex re(
      R"(^(/api/v1|/apis/[^/]+/[^/]+)(?:/namespaces/([^/]+))?/([^/]+)(?:/([^/]+))?(?:/([^/]+))?$)");
  std::smatch m;
  if (!std::regex_match(path, m, re)) return false;
  out.collection = m[1].str() + "/" + m[3].str();
  out.ns = m[2].str();
  out.name = m[4].str();
  out.subresource = m[5].str();
  return true;
}

std::string storeKey(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace

FakeApiServer::FakeApiServer() {
  server_ = std::make_unique<httplib::Server>();
  start();
}

FakeApiServer::FakeApiServer(const FakeTls& tls) {
  server_ = std::make_unique<httplib::SSLServer>(
      tls.certPath.c_str(), tls.keyPath.c_str(),
      tls.clientCaPath.empty() ? nullptr : tls.clientCaPath.c_str());
  scheme_ = "https";
  start();
}

void FakeApiServer::start() {
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    dispatch(req, res);
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Patch(".*", handler);
  server_->Delete(".*", handler);
  server_->set_keep_alive_max_count(100);
  port_ = server_->bind_to_any_port("127.0.0.1");
  // The socket listens from here on; connections queue until the accept loop runs.
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so a server destroyed at once would hang its
  // destructor: wait for the loop (httplib 0.11 has no wait_until_ready).
  while (!server_->is_running()) std::this_thread::yield();
}

FakeApiServer::~FakeApiServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shuttingDown_ = true;
  }
  cv_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeApiServer::url() const { return scheme_ + "://127.0.0.1:" + std::to_string(port_); }

void FakeApiServer::addHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handlers_.push_back(std::move(handler));
}

void FakeApiServer::record(const httplib::Request& req) {
  RecordedRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params.emplace(k, v);
  r.authorization = req.get_header_value("Authorization");
  r.contentType = req.get_header_value("Content-Type");
  r.body = req.body;
  r.remotePort = req.remote_port;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(std::move(r));
  }
  cv_.notify_all();
}

void FakeApiServer::dispatch(const httplib::Request& req, httplib::Response& res) {
  record(req);
  std::vector<Handler> handlers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    handlers = handlers_;
  }
  for (const auto& h : handlers) {
    if (h(req, res)) return;
  }
  serveStore(req, res);
}

std::vector<RecordedRequest> FakeApiServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::size_t FakeApiServer::countRequests(const std::string& method, const std::string& pathPrefix,
                                         const std::string& param, const std::string& value) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t n = 0;
  for (const auto& r : requests_) {
    if (r.method != method || r.path.rfind(pathPrefix, 0) != 0) continue;
    if (!param.empty() && r.param(param) != value) continue;
    ++n;
  }
  return n;
}

bool FakeApiServer::waitFor(const std::function<bool()>& cond,
                            std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    lock.unlock();
    bool ok = cond();
    lock.lock();
    if (ok) return true;
    // Bounded waits: cond may depend on state outside this server (a cache, a counter).
    if (cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                    std::chrono::milliseconds(20))) ==
            std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline) {
      lock.unlock();
      return cond();
    }
  }
}

void FakeApiServer::notify() const { cv_.notify_all(); }

void FakeApiServer::holdUntilShutdown(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return shuttingDown_; });
}

bool FakeApiServer::shuttingDown() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shuttingDown_;
}

void FakeApiServer::putObject(const std::string& collection, nlohmann::json object) {
  std::lock_guard<std::mutex> lock(mu_);
  object["metadata"]["resourceVersion"] = std::to_string(++rv_);
  std::string key =
      storeKey(object["metadata"].value("namespace", ""), object["metadata"].value("name", ""));
  store_[collection][key] = std::move(object);
}

nlohmann::json FakeApiServer::getObject(const std::string& collection, const std::string& ns,
                                        const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = store_.find(collection);
  if (c == store_.end()) return nullptr;
  auto o = c->second.find(storeKey(ns, name));
  return o == c->second.end() ? nlohmann::json() : o->second;
}

std::int64_t FakeApiServer::resourceVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_;
}

std::string FakeApiServer::statusBody(int code, const std::string& reason,
                                      const std::string& message, const nlohmann::json& details) {
  nlohmann::json s = {{"kind", "Status"},   {"apiVersion", "v1"}, {"status", "Failure"},
                      {"message", message}, {"reason", reason},   {"code", code}};
  if (!details.is_null()) s["details"] = details;
  return s.dump();
}

void FakeApiServer::serveStore(const httplib::Request& req, httplib::Response& res) {
  ParsedPath p;
  auto reply = [&](int status, const nlohmann::json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  };
  auto fail = [&](int status, const std::string& reason, const std::string& message) {
    res.status = status;
    res.set_content(statusBody(status, reason, message), "application/json");
  };
  if (!parsePath(req.path, p))
    return fail(404, "NotFound", "the server could not find " + req.path);
  if (req.has_param("watch")) return fail(400, "BadRequest", "the fake store does not watch");

  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = store_[p.collection];
  std::string key = storeKey(p.ns, p.name);
  auto existing = objects.find(key);
  std::string what = p.collection + " \"" + p.name + "\"";

  if (req.method == "GET" && p.name.empty()) {
    std::vector<nlohmann::json> matching;
    for (const auto& [k, o] : objects) {
      if (p.ns.empty() || o["metadata"].value("namespace", "") == p.ns) matching.push_back(o);
    }
    std::size_t start = req.has_param("continue") ? std::stoul(req.get_param_value("continue")) : 0;
    std::size_t limit = req.has_param("limit") ? std::stoul(req.get_param_value("limit")) : 0;
    std::size_t end = limit == 0 ? matching.size() : std::min(matching.size(), start + limit);
    nlohmann::json list = {
        {"kind", "List"}, {"apiVersion", "v1"}, {"items", nlohmann::json::array()}};
    for (std::size_t i = start; i < end; ++i) list["items"].push_back(matching[i]);
    list["metadata"]["resourceVersion"] = std::to_string(rv_);
    if (end < matching.size()) list["metadata"]["continue"] = std::to_string(end);
    return reply(200, list);
  }
  if (req.method == "GET") {
    if (existing == objects.end()) return fail(404, "NotFound", what + " not found");
    return reply(200, existing->second);
  }
  if (req.method == "POST") {
    auto body = nlohmann::json::parse(req.body);
    std::string name = body["metadata"].value("name", "");
    key = storeKey(p.ns, name);
    if (objects.count(key) != 0) {
      return fail(409, "AlreadyExists", p.collection + " \"" + name + "\" already exists");
    }
    if (!p.ns.empty()) body["metadata"]["namespace"] = p.ns;
    body["metadata"]["resourceVersion"] = std::to_string(++rv_);
    body["metadata"]["uid"] = "uid-" + std::to_string(rv_);
    objects[key] = body;
    return reply(201, body);
  }
  if (req.method == "PUT") {
    if (existing == objects.end()) return fail(404, "NotFound", what + " not found");
    auto body = nlohmann::json::parse(req.body);
    std::string rv = body["metadata"].value("resourceVersion", "");
    if (!rv.empty() && rv != existing->second["metadata"].value("resourceVersion", "")) {
      return fail(409, "Conflict",
                  "Operation cannot be fulfilled on " + what +
                      ": the object has been modified; please apply your changes to the latest "
                      "version and try again");
    }
    nlohmann::json next = existing->second;
    if (p.subresource == "status") {
      next["status"] = body.value("status", nlohmann::json::object());
    } else {
      nlohmann::json status = next.value("status", nlohmann::json());
      next = body;
      if (!status.is_null()) next["status"] = status;
    }
    next["metadata"]["resourceVersion"] = std::to_string(++rv_);
    existing->second = next;
    return reply(200, next);
  }
  if (req.method == "PATCH") {
    std::string type = req.get_header_value("Content-Type");
    auto patch = nlohmann::json::parse(req.body);
    if (existing == objects.end()) {
      if (type != "application/apply-patch+yaml") return fail(404, "NotFound", what + " not found");
      patch["metadata"]["namespace"] = p.ns;
      existing = objects.emplace(key, nlohmann::json::object()).first;
    }
    nlohmann::json next = existing->second;
    if (type == "application/json-patch+json") {
      next = next.patch(patch);
    } else {
      next.merge_patch(patch);  // merge and (simplified) apply
    }
    next["metadata"]["resourceVersion"] = std::to_string(++rv_);
    existing->second = next;
    return reply(200, next);
  }
  if (req.method == "DELETE") {
    if (existing == objects.end()) return fail(404, "NotFound", what + " not found");
    objects.erase(existing);
    ++rv_;
    return reply(200, {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Success"}});
  }
  fail(405, "MethodNotAllowed", req.method + " is not supported by the fake");
}

}  // namespace certchaos::testing
