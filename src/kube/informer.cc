#include "certchaos/kube/informer.h"

namespace certchaos::kube {

Informer::Informer(std::shared_ptr<Client> client, ResourceRef resource, std::string ns,
                   ReflectorOptions options, ObjectCache::Storage storage)
    : cache_(storage),
      reflector_(std::move(client), std::move(resource), std::move(ns), std::move(options), *this) {
}

Informer::~Informer() { stop(); }

void Informer::addIndex(const std::string& name, IndexFunc index) {
  cache_.addIndex(name, std::move(index));
}

void Informer::addHandlers(EventHandlers handlers) { handlers_.push_back(std::move(handlers)); }

void Informer::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { reflector_.run(stop); });
}

void Informer::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

bool Informer::hasSynced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return synced_;
}

bool Informer::waitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return synced_cv_.wait_for(lock, timeout, [this] { return synced_; });
}

void Informer::replace(std::vector<nlohmann::json> objects, const std::string&) {
  auto diff = cache_.replace(std::move(objects));
  for (const auto& h : handlers_) {
    if (h.onDelete) {
      for (const auto& o : diff.removed) h.onDelete(o);
    }
    if (h.onAdd) {
      for (const auto& o : diff.added) h.onAdd(o);
    }
    if (h.onUpdate) {
      for (const auto& [oldObject, newObject] : diff.updated) h.onUpdate(oldObject, newObject);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    synced_ = true;
  }
  synced_cv_.notify_all();
}

void Informer::apply(const WatchEvent& event) {
  if (event.type == WatchEventType::kDeleted) {
    ObjectPtr old = cache_.remove(objectKey(event.object));
    ObjectPtr last = old ? old : std::make_shared<const nlohmann::json>(event.object);
    for (const auto& h : handlers_) {
      if (h.onDelete) h.onDelete(last);
    }
    return;
  }
  auto current = std::make_shared<const nlohmann::json>(event.object);
  ObjectPtr old = cache_.upsert(current);
  for (const auto& h : handlers_) {
    if (!old && h.onAdd) h.onAdd(current);
    if (old && h.onUpdate) h.onUpdate(old, current);
  }
}

std::vector<std::string> issuerRefIndex(const nlohmann::json& object) {
  auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object()) return {};
  auto ref = spec->find("issuerRef");
  if (ref == spec->end() || !ref->is_object()) return {};
  std::string group = ref->value("group", "");
  std::string kind = ref->value("kind", "");
  std::string name = ref->value("name", "");
  if (name.empty()) return {};
  return {(group.empty() ? "cert-manager.io" : group) + "/" + (kind.empty() ? "Issuer" : kind) +
          "/" + name};
}

}  // namespace certchaos::kube
