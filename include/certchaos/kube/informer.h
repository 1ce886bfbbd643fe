// Informer: a Reflector feeding an ObjectCache on its own thread, calling handlers on every
// change. Handlers run on the informer's thread: keep them short (enqueue a key in a WorkQueue).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "certchaos/kube/client.h"
#include "certchaos/kube/object_cache.h"
#include "certchaos/kube/reflector.h"

namespace certchaos::kube {

struct EventHandlers {
  std::function<void(const ObjectPtr& object)> onAdd{};
  std::function<void(const ObjectPtr& oldObject, const ObjectPtr& newObject)> onUpdate{};
  std::function<void(const ObjectPtr& object)> onDelete{};  // the last known state
};

class Informer final : private ReflectorSink {
 public:
  // ns "" watches all namespaces (or a cluster-scoped resource). `storage`: how the cache keeps
  // objects (ObjectCache::Storage).
  Informer(std::shared_ptr<Client> client, ResourceRef resource, std::string ns = "",
           ReflectorOptions options = {},
           ObjectCache::Storage storage = ObjectCache::Storage::kParsed);
  ~Informer() override;
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Both before start().
  void addIndex(const std::string& name, IndexFunc index);
  void addHandlers(EventHandlers handlers);

  void start();
  // Stops the watch and joins the thread; idempotent. Also done by the destructor.
  void stop();

  // True once the first list is in the cache.
  bool hasSynced() const;
  // Waits for hasSynced(); false on timeout.
  bool waitForSync(std::chrono::milliseconds timeout) const;

  const ObjectCache& cache() const { return cache_; }
  ReflectorStats stats() const { return reflector_.stats(); }

 private:
  void replace(std::vector<nlohmann::json> objects, const std::string& resourceVersion) override;
  void apply(const WatchEvent& event) override;

  ObjectCache cache_;
  Reflector reflector_;
  std::vector<EventHandlers> handlers_;
  mutable std::mutex mu_;
  mutable std::condition_variable synced_cv_;
  bool synced_ = false;
  std::jthread thread_;
};

// An index function for cert-manager objects: "group/kind/name" of spec.issuerRef (group
// defaults to cert-manager.io, kind to Issuer), so a controller finds the requests of an issuer.
std::vector<std::string> issuerRefIndex(const nlohmann::json& object);

}  // namespace certchaos::kube
