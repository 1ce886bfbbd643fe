#include "certchaos/kube/client.h"

#include <algorithm>
#include <charconv>

#include "certchaos/kube/backoff.h"
#include "log.h"

namespace certchaos::kube {

using namespace std::chrono_literals;

// One REST call as the client sees it, before auth and retries.
struct Client::Call {
  std::string method = "GET";
  std::string path;
  Query query;
  std::string body;
  std::string contentType;
  RequestDescription what;
  // Safe to repeat after a 5xx or a connection error (the request may have been applied).
  bool idempotent = true;
  int maxAttempts = 0;                   // 0: the client's option
  std::chrono::milliseconds timeout{0};  // 0: the client's option
  std::chrono::milliseconds idleTimeout{0};
  const BodyCallback* onBody = nullptr;  // streams the 2xx body (watch)
};

namespace {

std::optional<std::chrono::seconds> retryAfterOf(const HttpResponse& response) {
  auto it = response.headers.find("retry-after");
  if (it == response.headers.end()) return std::nullopt;
  long long seconds = 0;
  const std::string& v = it->second;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc() || ptr != v.data() + v.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

std::string objectName(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

Result<Object> decodeObject(const HttpResponse& response, const RequestDescription& what) {
  auto object = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object()) {
    return makeError(std::string(codes::kDecode),
                     what.verb + " " + what.resource +
                         ": expected a JSON object in the reply, "
                         "found " +
                         std::to_string(response.body.size()) +
                         " bytes of something else; is the server URL an API server?");
  }
  return object;
}

// The object as sent: apiVersion and kind filled in from the resource when absent.
Object withTypeMeta(const ResourceRef& resource, const Object& object) {
  Object body = object;
  if (!body.contains("apiVersion")) body["apiVersion"] = resource.apiVersion();
  if (!body.contains("kind") && !resource.kind.empty()) body["kind"] = resource.kind;
  return body;
}

}  // namespace

Client::Client(ClientConfig config, std::shared_ptr<HttpTransport> transport, Clock& clock,
               Random& random)
    : config_(std::move(config)),
      transport_(transport ? std::move(transport)
                           : makeCurlTransport(config_.tls, config_.proxyUrl,
                                               config_.options.connectTimeout)),
      clock_(clock),
      random_(random),
      limiter_(config_.options.qps, config_.options.burst, clock) {}

Result<std::shared_ptr<Client>> Client::fromKubeconfig(const std::string& path,
                                                       const std::string& context) {
  auto config = loadClientConfig(KubeconfigLoadOptions::fromEnvironment(path), context);
  if (!config.ok()) return config.error();
  return std::make_shared<Client>(std::move(*config));
}

Result<std::shared_ptr<Client>> Client::inCluster() {
  auto config = inClusterConfig(InClusterOptions::fromEnvironment());
  if (!config.ok()) return config.error();
  return std::make_shared<Client>(std::move(*config));
}

std::string Client::collectionPath(const ResourceRef& resource, const std::string& ns) const {
  std::string path = resource.groupVersionPath();
  if (resource.namespaced && !ns.empty()) path += "/namespaces/" + urlEncode(ns);
  return path + "/" + resource.plural;
}

std::string Client::objectPath(const ResourceRef& resource, const std::string& ns,
                               const std::string& name, const std::string& subresource) const {
  std::string path = collectionPath(resource, ns) + "/" + urlEncode(name);
  if (!subresource.empty()) path += "/" + urlEncode(subresource);
  return path;
}

Result<std::string> Client::namespaceOf(const ResourceRef& resource, const Object& object) const {
  if (!resource.namespaced) return std::string();
  std::string ns;
  if (object.contains("metadata") && object["metadata"].is_object()) {
    ns = object["metadata"].value("namespace", "");
  }
  return ns.empty() ? config_.ns : ns;
}

Result<HttpRequest> Client::prepare(const Call& call) {
  HttpRequest request;
  request.method = call.method;
  request.url = config_.server + call.path;
  if (!call.query.empty()) request.url += "?" + call.query.encode();
  request.body = call.body;
  request.timeout = call.timeout.count() > 0 ? call.timeout : config_.options.requestTimeout;
  request.idleTimeout = call.idleTimeout;
  request.headers.emplace_back("Accept", "application/json");
  request.headers.emplace_back("User-Agent", config_.options.userAgent);
  if (!call.contentType.empty()) request.headers.emplace_back("Content-Type", call.contentType);
  if (config_.credentials) {
    auto credential = config_.credentials->credential();
    if (!credential.ok()) {
      return makeError(std::string(codes::kCredentials),
                       call.what.verb + " " + call.what.resource + ": no credential from " +
                           config_.credentials->describe() + ": " + credential.error().message);
    }
    if (!credential->bearerToken.empty()) {
      request.headers.emplace_back("Authorization", "Bearer " + credential->bearerToken);
    }
    request.clientCertPem = credential->clientCertPem;
    request.clientKeyPem = credential->clientKeyPem;
  }
  return request;
}

Result<HttpResponse> Client::execute(const Call& call, std::stop_token stop) {
  const int maxAttempts = call.maxAttempts > 0 ? call.maxAttempts : config_.options.maxAttempts;
  Backoff backoff({config_.options.initialBackoff, config_.options.maxBackoff, 2.0, 0.2}, random_);
  bool refreshedCredentials = false;
  for (int attempt = 1;; ++attempt) {
    limiter_.acquire();
    auto request = prepare(call);
    if (!request.ok()) return request.error();
    auto response = call.onBody ? transport_->stream(*request, *call.onBody, stop)
                                : transport_->send(*request, stop);
    if (!response.ok()) {
      bool retryable = response.error().code == codes::kConnection && call.idempotent &&
                       call.onBody == nullptr && !stop.stop_requested();
      if (retryable && attempt < maxAttempts) {
        auto delay = backoff.next();
        logger()->debug(
            "msg=\"retrying after a connection error\" verb={} resource={} "
            "attempt={} delay_ms={}",
            call.what.verb, call.what.resource, attempt,
            std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
        clock_.sleepFor(delay);
        continue;
      }
      Error e = response.error();
      e.message = call.what.verb + " " + call.what.resource + ": " + e.message;
      return e;
    }
    long status = response->status;
    if (status >= 200 && status < 300) return std::move(*response);

    // A rotated token or an expired exec credential: re-read once and try again.
    if (status == 401 && config_.credentials && !refreshedCredentials) {
      refreshedCredentials = true;
      config_.credentials->invalidate();
      logger()->info("msg=\"401 from the API server, re-reading credentials\" source=\"{}\"",
                     config_.credentials->describe());
      continue;
    }
    auto retryAfter = retryAfterOf(*response);
    bool retryable = status == 429 || (call.idempotent && (status >= 500 && status != 501));
    if (retryable && call.onBody == nullptr && attempt < maxAttempts) {
      std::chrono::nanoseconds delay = backoff.next();
      if (retryAfter) {
        delay = std::min<std::chrono::nanoseconds>(*retryAfter, config_.options.maxRetryAfter);
      }
      logger()->debug("msg=\"retrying\" verb={} resource={} status={} attempt={} delay_ms={}",
                      call.what.verb, call.what.resource, status, attempt,
                      std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
      clock_.sleepFor(delay);
      continue;
    }
    return statusToError(call.what, status, response->body, retryAfter);
  }
}

Result<Object> Client::executeForObject(const Call& call, std::stop_token stop) {
  auto response = execute(call, stop);
  if (!response.ok()) return response.error();
  return decodeObject(*response, call.what);
}

Result<Object> Client::get(const ResourceRef& resource, const std::string& ns,
                           const std::string& name, const GetOptions& options,
                           std::stop_token stop) {
  Call call;
  call.path = objectPath(resource, ns, name, options.subresource);
  call.what = {"get", resource.qualifiedName(), objectName(ns, name)};
  if (resource.namespaced && ns.empty()) {
    return makeError("BadInput", "get " + resource.qualifiedName() + " \"" + name +
                                     "\": expected a namespace for a namespaced resource, found "
                                     "none; pass one (defaultNamespace() for the context's)");
  }
  return executeForObject(call, stop);
}

Result<std::string> Client::podLog(const std::string& ns, const std::string& pod,
                                   const PodLogOptions& options, std::stop_token stop) {
  Call call;
  call.path = objectPath(resources::kPod, ns, pod, "log");
  call.what = {"get", "pods/log", objectName(ns, pod)};
  call.query.add(params::kContainer, options.container)
      .addBool(params::kTimestamps, options.timestamps)
      .addBool(params::kPrevious, options.previous)
      .add(params::kSinceTime, options.sinceTime);
  std::string text;
  const std::size_t keep = options.maxBytes;
  const BodyCallback onBody = [&text, keep](std::string_view chunk) {
    text.append(chunk);
    // Trim only once twice the bound has arrived, so that trimming stays linear overall.
    if (text.size() > 2 * keep) text.erase(0, text.size() - keep);
    return true;
  };
  call.onBody = &onBody;
  auto response = execute(call, stop);
  if (!response.ok()) return response.error();
  if (text.size() > keep) text.erase(0, text.size() - keep);
  return text;
}

Result<ObjectList> Client::list(const ResourceRef& resource, const std::string& ns,
                                const ListOptions& options, std::stop_token stop) {
  Call call;
  call.path = collectionPath(resource, ns);
  call.what = {"list", resource.qualifiedName(), ns.empty() ? "" : ns + "/*"};
  call.query.add(params::kLabelSelector, options.labelSelector)
      .add(params::kFieldSelector, options.fieldSelector)
      .add(params::kResourceVersion, options.resourceVersion)
      .add(params::kResourceVersionMatch, options.resourceVersionMatch)
      .add(params::kContinue, options.continueToken);
  if (options.limit > 0) call.query.add(params::kLimit, static_cast<long long>(options.limit));
  auto object = executeForObject(call, stop);
  if (!object.ok()) return object.error();
  ObjectList list;
  if (auto items = object->find("items"); items != object->end() && items->is_array()) {
    list.items.reserve(items->size());
    for (auto& item : *items) list.items.push_back(std::move(item));
  } else if (auto items = object->find("items"); items == object->end() || !items->is_null()) {
    return makeError(std::string(codes::kDecode),
                     "list " + resource.qualifiedName() +
                         ": expected a list with an items array, found none; is the resource a "
                         "collection?");
  }
  if (auto meta = object->find("metadata"); meta != object->end() && meta->is_object()) {
    list.resourceVersion = meta->value("resourceVersion", "");
    list.continueToken = meta->value("continue", "");
  }
  // A list's items carry no apiVersion/kind; fill them in so cached objects are complete.
  for (auto& item : list.items) {
    if (!item.contains("apiVersion")) item["apiVersion"] = resource.apiVersion();
    if (!item.contains("kind") && !resource.kind.empty()) item["kind"] = resource.kind;
  }
  return list;
}

Result<ObjectList> Client::listAll(const ResourceRef& resource, const std::string& ns,
                                   ListOptions options, std::stop_token stop,
                                   const std::function<void(Object&)>& transformItem) {
  if (options.limit <= 0) options.limit = 500;
  ObjectList all;
  for (;;) {
    auto page = list(resource, ns, options, stop);
    if (!page.ok()) return page.error();
    if (transformItem) {
      for (auto& item : page->items) transformItem(item);
    }
    std::move(page->items.begin(), page->items.end(), std::back_inserter(all.items));
    all.resourceVersion = page->resourceVersion;
    if (page->continueToken.empty()) return all;
    options.continueToken = page->continueToken;
    options.resourceVersion.clear();  // the continue token pins the snapshot
    options.resourceVersionMatch.clear();
  }
}

Result<Object> Client::create(const ResourceRef& resource, const Object& object,
                              const WriteOptions& options, std::stop_token stop) {
  auto ns = namespaceOf(resource, object);
  if (!ns.ok()) return ns.error();
  std::string name = object.contains("metadata") ? object["metadata"].value("name", "") : "";
  Call call;
  call.method = "POST";
  call.path = options.subresource.empty() ? collectionPath(resource, *ns)
                                          : objectPath(resource, *ns, name, options.subresource);
  call.what = {"create", resource.qualifiedName(), objectName(*ns, name)};
  call.idempotent = false;  // a retried POST after a 5xx could create a second object
  call.contentType = "application/json";
  call.body = withTypeMeta(resource, object).dump();
  call.query.add(params::kFieldManager, options.fieldManager);
  if (options.dryRun) call.query.add(params::kDryRun, "All");
  return executeForObject(call, stop);
}

Result<Object> Client::update(const ResourceRef& resource, const Object& object,
                              const WriteOptions& options, std::stop_token stop) {
  auto ns = namespaceOf(resource, object);
  if (!ns.ok()) return ns.error();
  std::string name = object.contains("metadata") ? object["metadata"].value("name", "") : "";
  if (name.empty()) {
    return makeError("BadInput", "update " + resource.qualifiedName() +
                                     ": expected metadata.name in the object, found none");
  }
  Call call;
  call.method = "PUT";
  call.path = objectPath(resource, *ns, name, options.subresource);
  call.what = {"update", resource.qualifiedName(), objectName(*ns, name)};
  call.contentType = "application/json";
  call.body = withTypeMeta(resource, object).dump();
  call.query.add(params::kFieldManager, options.fieldManager);
  if (options.dryRun) call.query.add(params::kDryRun, "All");
  return executeForObject(call, stop);
}

Result<void> Client::remove(const ResourceRef& resource, const std::string& ns,
                            const std::string& name, const DeleteOptions& options,
                            std::stop_token stop) {
  Call call;
  call.method = "DELETE";
  call.path = objectPath(resource, ns, name, "");
  call.what = {"delete", resource.qualifiedName(), objectName(ns, name)};
  nlohmann::json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!options.propagationPolicy.empty()) body["propagationPolicy"] = options.propagationPolicy;
  if (options.gracePeriodSeconds) body["gracePeriodSeconds"] = *options.gracePeriodSeconds;
  if (!options.preconditionUid.empty()) body["preconditions"]["uid"] = options.preconditionUid;
  if (!options.preconditionResourceVersion.empty()) {
    body["preconditions"]["resourceVersion"] = options.preconditionResourceVersion;
  }
  call.body = body.dump();
  call.contentType = "application/json";
  auto response = execute(call, stop);
  if (!response.ok()) return response.error();
  return {};
}

Result<Object> Client::patch(const ResourceRef& resource, const std::string& ns,
                             const std::string& name, PatchType type, const nlohmann::json& patch,
                             const PatchOptions& options, std::stop_token stop) {
  Call call;
  call.method = "PATCH";
  call.path = objectPath(resource, ns, name, options.subresource);
  call.what = {"patch", resource.qualifiedName(), objectName(ns, name)};
  switch (type) {
    case PatchType::kMerge:
      call.contentType = "application/merge-patch+json";
      break;
    case PatchType::kJsonPatch:
      call.contentType = "application/json-patch+json";
      call.idempotent = false;  // "add" to a list twice is not the same as once
      break;
    case PatchType::kStrategicMerge:
      call.contentType = "application/strategic-merge-patch+json";
      break;
  }
  call.body = patch.dump();
  call.query.add(params::kFieldManager, options.fieldManager);
  if (options.dryRun) call.query.add(params::kDryRun, "All");
  return executeForObject(call, stop);
}

Result<Object> Client::apply(const ResourceRef& resource, const Object& object,
                             const ApplyOptions& options, std::stop_token stop) {
  std::string name = object.contains("metadata") ? object["metadata"].value("name", "") : "";
  if (name.empty() || options.fieldManager.empty()) {
    return makeError("BadInput", "apply " + resource.qualifiedName() +
                                     ": expected metadata.name and a fieldManager, found " +
                                     (name.empty() ? "no name" : "no fieldManager") +
                                     "; server-side apply needs both");
  }
  auto ns = namespaceOf(resource, object);
  if (!ns.ok()) return ns.error();
  Call call;
  call.method = "PATCH";
  call.path = objectPath(resource, *ns, name, options.subresource);
  call.what = {"apply", resource.qualifiedName(), objectName(*ns, name)};
  call.contentType = "application/apply-patch+yaml";  // JSON is valid YAML
  call.body = withTypeMeta(resource, object).dump();
  call.query.add(params::kFieldManager, options.fieldManager)
      .addBool(params::kForce, options.force);
  if (options.dryRun) call.query.add(params::kDryRun, "All");
  return executeForObject(call, stop);
}

Result<WatchEnd> Client::watch(const ResourceRef& resource, const std::string& ns,
                               const WatchOptions& options, const WatchHandler& onEvent,
                               std::stop_token stop) {
  Call call;
  call.path = collectionPath(resource, ns);
  call.what = {"watch", resource.qualifiedName(), ns.empty() ? "" : ns + "/*"};
  call.query.addBool(params::kWatch, true)
      .add(params::kResourceVersion, options.resourceVersion)
      .add(params::kLabelSelector, options.labelSelector)
      .add(params::kFieldSelector, options.fieldSelector)
      .addBool(params::kAllowWatchBookmarks, options.allowBookmarks);
  if (options.timeout.count() > 0) {
    call.query.add(params::kTimeoutSeconds, static_cast<long long>(options.timeout.count()));
    // The server closes at timeoutSeconds; past that plus a grace period we close ourselves.
    call.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout + 30s);
  } else {
    call.timeout = std::chrono::hours(24 * 365);
  }
  call.idleTimeout = options.idleTimeout;
  call.maxAttempts = 1;

  WatchEnd end;
  end.resourceVersion = options.resourceVersion;
  LineBuffer lines;
  std::optional<Error> streamError;
  bool gone = false;
  bool handlerStopped = false;
  auto onLine = [&](std::string_view line) {
    auto event = decodeWatchLine(line, call.what, resource.apiVersion(), resource.kind);
    if (!event.ok()) {
      if (isGone(event.error())) {
        gone = true;
      } else {
        streamError = event.error();
      }
      return false;
    }
    if (std::string rv = resourceVersionOf(*event); !rv.empty()) end.resourceVersion = rv;
    ++end.events;
    if (!onEvent(*event)) {
      handlerStopped = true;
      return false;
    }
    return true;
  };
  BodyCallback onBody = [&](std::string_view chunk) {
    auto appended = lines.append(chunk, onLine);
    if (!appended.ok()) streamError = appended.error();
    return !streamError && !gone && !handlerStopped;
  };
  call.onBody = &onBody;

  auto response = execute(call, stop);
  if (!response.ok()) {
    if (response.error().code == codes::kStalled) {
      end.reason = WatchEndReason::kStalled;
      return end;
    }
    if (response.error().code == codes::kCancelled) {
      end.reason = WatchEndReason::kStopped;
      return end;
    }
    if (isGone(response.error())) {
      end.reason = WatchEndReason::kGone;
      return end;
    }
    return response.error();
  }
  if (streamError) return *streamError;
  if (gone) {
    end.reason = WatchEndReason::kGone;
  } else if (handlerStopped || stop.stop_requested()) {
    end.reason = WatchEndReason::kStopped;
  } else {
    end.reason = WatchEndReason::kClosed;
  }
  return end;
}

}  // namespace certchaos::kube
