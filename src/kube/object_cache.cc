#include "certchaos/kube/object_cache.h"

namespace certchaos::kube {
namespace {

std::string resourceVersionOf(const nlohmann::json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  return meta->value("resourceVersion", "");
}

}  // namespace

std::string objectKey(const nlohmann::json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  std::string ns = meta->value("namespace", "");
  std::string name = meta->value("name", "");
  return ns.empty() ? name : ns + "/" + name;
}

ObjectCache::ObjectCache(Storage storage) : storage_(storage) {
  indexers_[kNamespaceIndex] = [](const nlohmann::json& o) -> std::vector<std::string> {
    auto meta = o.find("metadata");
    if (meta == o.end() || !meta->is_object()) return {};
    std::string ns = meta->value("namespace", "");
    if (ns.empty()) return {};
    return {ns};
  };
}

ObjectCache::Stored ObjectCache::store(ObjectPtr object) const {
  if (storage_ == Storage::kParsed) return {std::move(object), {}};
  Stored stored{nullptr, nlohmann::json::to_msgpack(*object)};
  stored.packed.shrink_to_fit();
  return stored;
}

ObjectPtr ObjectCache::load(const Stored& stored) {
  if (stored.object) return stored.object;
  return std::make_shared<const nlohmann::json>(nlohmann::json::from_msgpack(stored.packed));
}

void ObjectCache::addIndex(const std::string& name, IndexFunc index) {
  std::lock_guard<std::mutex> lock(mu_);
  indexers_[name] = std::move(index);
  indexes_.erase(name);
  for (const auto& [key, stored] : objects_) {
    for (auto& value : indexers_[name](*load(stored))) indexes_[name][value].insert(key);
  }
}

void ObjectCache::indexLocked(const std::string& key, const nlohmann::json& object) {
  for (const auto& [name, fn] : indexers_) {
    for (auto& value : fn(object)) indexes_[name][value].insert(key);
  }
}

void ObjectCache::unindexLocked(const std::string& key, const nlohmann::json& object) {
  for (const auto& [name, fn] : indexers_) {
    auto& values = indexes_[name];
    for (auto& value : fn(object)) {
      auto it = values.find(value);
      if (it == values.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) values.erase(it);
    }
  }
}

ObjectPtr ObjectCache::get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : load(it->second);
}

std::vector<ObjectPtr> ObjectCache::list() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, stored] : objects_) out.push_back(load(stored));
  return out;
}

std::vector<std::string> ObjectCache::keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& [key, stored] : objects_) out.push_back(key);
  return out;
}

std::size_t ObjectCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.size();
}

std::vector<ObjectPtr> ObjectCache::byIndex(const std::string& indexName,
                                            const std::string& value) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ObjectPtr> out;
  auto index = indexes_.find(indexName);
  if (index == indexes_.end()) return out;
  auto keys = index->second.find(value);
  if (keys == index->second.end()) return out;
  for (const auto& key : keys->second) out.push_back(load(objects_.at(key)));
  return out;
}

ObjectPtr ObjectCache::upsert(nlohmann::json object) {
  return upsert(std::make_shared<const nlohmann::json>(std::move(object)));
}

ObjectPtr ObjectCache::upsert(ObjectPtr fresh) {
  std::string key = objectKey(*fresh);
  Stored stored = store(fresh);
  std::lock_guard<std::mutex> lock(mu_);
  ObjectPtr old;
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    old = load(it->second);
    unindexLocked(key, *old);
    it->second = std::move(stored);
  } else {
    objects_.emplace(key, std::move(stored));
  }
  indexLocked(key, *fresh);
  return old;
}

ObjectPtr ObjectCache::remove(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = load(it->second);
  unindexLocked(key, *old);
  objects_.erase(it);
  return old;
}

ObjectCache::ReplaceDiff ObjectCache::replace(std::vector<nlohmann::json> objects) {
  ReplaceDiff diff;
  std::map<std::string, ObjectPtr> fresh;
  for (auto& o : objects) {
    std::string key = objectKey(o);
    fresh[key] = std::make_shared<const nlohmann::json>(std::move(o));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, old] : objects_) {
    if (fresh.find(key) == fresh.end()) diff.removed.push_back(load(old));
  }
  for (const auto& [key, object] : fresh) {
    auto it = objects_.find(key);
    if (it == objects_.end()) {
      diff.added.push_back(object);
    } else if (auto old = load(it->second); resourceVersionOf(*old) != resourceVersionOf(*object)) {
      diff.updated.emplace_back(std::move(old), object);
    }
  }
  objects_.clear();
  indexes_.clear();
  for (const auto& [key, object] : fresh) {
    indexLocked(key, *object);
    objects_.emplace(key, store(object));
  }
  return diff;
}

}  // namespace certchaos::kube
