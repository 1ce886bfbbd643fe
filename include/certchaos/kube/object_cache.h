// ObjectCache: a thread-safe store of objects keyed "namespace/name" (or "name" for
// cluster-scoped objects), with secondary indexes such as "by spec.issuerRef".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace certchaos::kube {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

// "ns/name" or "name", from metadata.
std::string objectKey(const nlohmann::json& object);

// Index values of an object (none, one or several); an object appears under each.
using IndexFunc = std::function<std::vector<std::string>(const nlohmann::json&)>;

// The built-in index by namespace.
inline constexpr const char* kNamespaceIndex = "namespace";

class ObjectCache {
 public:
  // How objects are kept. kPacked stores each as MessagePack bytes and decodes it on every read:
  // a few hundred bytes an object instead of the several KiB of a parsed document, for caches of
  // many objects read one at a time (the issuer's CertificateRequests).
  enum class Storage { kParsed, kPacked };

  explicit ObjectCache(Storage storage = Storage::kParsed);

  // Adds an index. Call before the cache is filled, or existing objects are indexed now.
  void addIndex(const std::string& name, IndexFunc index);

  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  std::vector<std::string> keys() const;
  std::size_t size() const;
  // Objects whose index `indexName` has `value`; empty if no such index.
  std::vector<ObjectPtr> byIndex(const std::string& indexName, const std::string& value) const;

  // Stores the object and returns the previous version (null if new).
  ObjectPtr upsert(nlohmann::json object);
  // The same for an object the caller keeps using (the informer hands it to its handlers, so a
  // packed cache does not decode what it has just encoded).
  ObjectPtr upsert(ObjectPtr object);
  // Removes by key and returns what was there (null if nothing).
  ObjectPtr remove(const std::string& key);

  struct ReplaceDiff {
    std::vector<ObjectPtr> added;
    std::vector<std::pair<ObjectPtr, ObjectPtr>> updated;  // old, new (resourceVersion changed)
    std::vector<ObjectPtr> removed;
  };
  // Replaces the whole content (after a list) and says what changed.
  ReplaceDiff replace(std::vector<nlohmann::json> objects);

 private:
  void indexLocked(const std::string& key, const nlohmann::json& object);
  void unindexLocked(const std::string& key, const nlohmann::json& object);

  // An object as stored: parsed, or packed (then `object` is null).
  struct Stored {
    ObjectPtr object;
    std::vector<std::uint8_t> packed;
  };
  Stored store(ObjectPtr object) const;
  static ObjectPtr load(const Stored& stored);

  const Storage storage_;
  mutable std::mutex mu_;
  std::map<std::string, Stored> objects_;
  std::map<std::string, IndexFunc> indexers_;
  // index name -> value -> keys
  std::map<std::string, std::map<std::string, std::set<std::string>>> indexes_;
};

}  // namespace certchaos::kube
