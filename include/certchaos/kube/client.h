// Client: typed REST verbs on any Kubernetes resource (and its status subresource), with auth,
// retries, timeouts, rate limiting and typed errors. Thread-safe; share one per process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "certchaos/common/clock.h"
#include "certchaos/common/random.h"
#include "certchaos/common/result.h"
#include "certchaos/kube/client_config.h"
#include "certchaos/kube/errors.h"
#include "certchaos/kube/http_transport.h"
#include "certchaos/kube/query.h"
#include "certchaos/kube/rate_limiter.h"
#include "certchaos/kube/resource.h"
#include "certchaos/kube/watch.h"

namespace certchaos::kube {

using Object = nlohmann::json;

struct GetOptions {
  std::string subresource;  // e.g. "status"
};

struct ListOptions {
  std::string labelSelector{};
  std::string fieldSelector{};
  std::string resourceVersion{};
  std::string resourceVersionMatch{};  // "NotOlderThan" or "Exact"
  std::int64_t limit = 0;              // page size; 0: no paging
  std::string continueToken{};
};

struct ObjectList {
  std::vector<Object> items;
  std::string resourceVersion{};
  std::string continueToken{};  // non-empty: more pages
};

struct WriteOptions {
  std::string subresource{};  // "status" to write only the status
  std::string fieldManager{};
  bool dryRun = false;
};

struct DeleteOptions {
  std::string propagationPolicy{};  // "Foreground", "Background", "Orphan"
  std::optional<std::int64_t> gracePeriodSeconds;
  std::string preconditionUid{};
  std::string preconditionResourceVersion{};
};

// GET /api/v1/namespaces/{ns}/pods/{name}/log (kubectl logs).
struct PodLogOptions {
  std::string container{};         // required by the server when the pod has several containers
  bool timestamps = false;         // an RFC 3339 time before each line
  bool previous = false;           // the container's previous instance (the one that crashed)
  std::string sinceTime{};         // RFC 3339: only lines written from then on
  std::size_t maxBytes = 8 << 20;  // keep the last maxBytes of the log
};

enum class PatchType { kMerge, kJsonPatch, kStrategicMerge };

struct PatchOptions {
  std::string subresource{};
  std::string fieldManager{};
  bool dryRun = false;
};

struct ApplyOptions {
  std::string fieldManager{};  // required by the server for apply
  bool force = false;          // take ownership of fields held by other managers
  std::string subresource{};   // "status" to apply the status
  bool dryRun = false;
};

class Client {
 public:
  // The transport defaults to libcurl with the config's TLS settings.
  explicit Client(ClientConfig config, std::shared_ptr<HttpTransport> transport = nullptr,
                  Clock& clock = realClock(), Random& random = defaultRandom());

  // Like kubectl: path "" means $KUBECONFIG or ~/.kube/config; context "" the current one.
  static Result<std::shared_ptr<Client>> fromKubeconfig(const std::string& path = "",
                                                        const std::string& context = "");
  // From the pod's service-account mount.
  static Result<std::shared_ptr<Client>> inCluster();

  const ClientConfig& config() const { return config_; }
  // The context's namespace ("default" if it names none).
  const std::string& defaultNamespace() const { return config_.ns; }
  Clock& clock() const { return clock_; }
  Random& random() const { return random_; }

  Result<Object> get(const ResourceRef& resource, const std::string& ns, const std::string& name,
                     const GetOptions& options = {}, std::stop_token stop = {});

  // One page; ns "" lists across all namespaces.
  Result<ObjectList> list(const ResourceRef& resource, const std::string& ns,
                          const ListOptions& options = {}, std::stop_token stop = {});

  // Every page, following continue tokens (options.limit is the page size; 0 means 500).
  // transformItem, if given, is applied to each item as its page arrives (so that a large
  // collection is never held whole).
  Result<ObjectList> listAll(const ResourceRef& resource, const std::string& ns,
                             ListOptions options = {}, std::stop_token stop = {},
                             const std::function<void(Object&)>& transformItem = {});

  // A container's log as text. Streamed and trimmed as it arrives, so that a log larger than
  // options.maxBytes is never held whole; what is kept is its end.
  Result<std::string> podLog(const std::string& ns, const std::string& pod,
                             const PodLogOptions& options, std::stop_token stop = {});

  // The namespace comes from object.metadata.namespace, else the default namespace.
  Result<Object> create(const ResourceRef& resource, const Object& object,
                        const WriteOptions& options = {}, std::stop_token stop = {});

  // PUT; object.metadata.resourceVersion makes it conditional (Conflict if stale).
  Result<Object> update(const ResourceRef& resource, const Object& object,
                        const WriteOptions& options = {}, std::stop_token stop = {});

  Result<void> remove(const ResourceRef& resource, const std::string& ns, const std::string& name,
                      const DeleteOptions& options = {}, std::stop_token stop = {});

  Result<Object> patch(const ResourceRef& resource, const std::string& ns, const std::string& name,
                       PatchType type, const nlohmann::json& patch,
                       const PatchOptions& options = {}, std::stop_token stop = {});

  // Server-side apply of `object` (apiVersion and kind are filled in from `resource` if absent).
  Result<Object> apply(const ResourceRef& resource, const Object& object,
                       const ApplyOptions& options, std::stop_token stop = {});

  // One watch request, events delivered to onEvent until the stream ends. Ends with a WatchEnd
  // for the normal endings (closed, stalled, 410 Gone, stopped); anything else is an Error.
  Result<WatchEnd> watch(const ResourceRef& resource, const std::string& ns,
                         const WatchOptions& options, const WatchHandler& onEvent,
                         std::stop_token stop = {});

 private:
  struct Call;
  std::string collectionPath(const ResourceRef& resource, const std::string& ns) const;
  std::string objectPath(const ResourceRef& resource, const std::string& ns,
                         const std::string& name, const std::string& subresource) const;
  Result<std::string> namespaceOf(const ResourceRef& resource, const Object& object) const;
  Result<HttpRequest> prepare(const Call& call);
  Result<HttpResponse> execute(const Call& call, std::stop_token stop);
  Result<Object> executeForObject(const Call& call, std::stop_token stop);

  ClientConfig config_;
  std::shared_ptr<HttpTransport> transport_;
  Clock& clock_;
  Random& random_;
  TokenBucket limiter_;
};

}  // namespace certchaos::kube
