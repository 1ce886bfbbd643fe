#include "certchaos/kube/event_recorder.h"

#include <cstdio>

#include "certchaos/common/time.h"

namespace certchaos::kube {
namespace {

std::string field(const nlohmann::json& object, const char* key) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  return meta->value(key, "");
}

}  // namespace

EventRecorder::EventRecorder(std::shared_ptr<Client> client, EventSource source, Clock& clock,
                             std::size_t maxRemembered)
    : client_(std::move(client)),
      source_(std::move(source)),
      clock_(clock),
      maxRemembered_(maxRemembered) {}

void EventRecorder::remember(const std::string& foldKey, Seen seen) {
  if (seen_.find(foldKey) == seen_.end()) {
    order_.push_back(foldKey);
    while (order_.size() > maxRemembered_) {
      seen_.erase(order_.front());
      order_.pop_front();
    }
  }
  seen_[foldKey] = std::move(seen);
}

Result<nlohmann::json> EventRecorder::record(const nlohmann::json& object, EventType type,
                                             const std::string& reason,
                                             const std::string& message) {
  std::string typeName = type == EventType::kWarning ? "Warning" : "Normal";
  std::string foldKey = object.value("kind", "") + "\n" + field(object, "namespace") + "\n" +
                        field(object, "name") + "\n" + field(object, "uid") + "\n" + typeName +
                        "\n" + reason + "\n" + message;
  std::lock_guard<std::mutex> lock(mu_);  // also keeps two threads from creating twin events
  auto seen = seen_.find(foldKey);
  if (seen != seen_.end()) {
    std::int64_t count = seen->second.count + 1;
    nlohmann::json patch = {{"count", count}, {"lastTimestamp", formatRfc3339(clock_.now())}};
    auto patched = client_->patch(resources::kEvent, seen->second.ns, seen->second.name,
                                  PatchType::kMerge, patch);
    if (patched.ok()) {
      seen->second.count = count;
      return patched;
    }
    if (!isNotFound(patched.error())) return patched.error();
    // The event expired on the server (default TTL 1 h): start a new one.
  }
  return createEvent(object, type, reason, message, foldKey);
}

Result<nlohmann::json> EventRecorder::createEvent(const nlohmann::json& object, EventType type,
                                                  const std::string& reason,
                                                  const std::string& message,
                                                  const std::string& foldKey) {
  std::string ns = field(object, "namespace");
  if (ns.empty()) ns = "default";  // events about cluster-scoped objects live in default
  auto now = clock_.now();
  char suffix[32];
  std::snprintf(
      suffix, sizeof suffix, ".%llx",
      static_cast<unsigned long long>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count()));
  std::string name = field(object, "name") + suffix;
  nlohmann::json involved = {{"apiVersion", object.value("apiVersion", "")},
                             {"kind", object.value("kind", "")},
                             {"name", field(object, "name")}};
  if (!field(object, "namespace").empty()) involved["namespace"] = field(object, "namespace");
  if (!field(object, "uid").empty()) involved["uid"] = field(object, "uid");
  if (!field(object, "resourceVersion").empty()) {
    involved["resourceVersion"] = field(object, "resourceVersion");
  }
  std::string timestamp = formatRfc3339(now);
  nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"involvedObject", involved},
      {"reason", reason},
      {"message", message.substr(0, 1024)},  // the API rejects messages over 1 KiB
      {"type", type == EventType::kWarning ? "Warning" : "Normal"},
      {"source", {{"component", source_.component}}},
      {"firstTimestamp", timestamp},
      {"lastTimestamp", timestamp},
      {"count", 1},
      {"reportingComponent", source_.component},
      {"reportingInstance", source_.host},
  };
  if (!source_.host.empty()) event["source"]["host"] = source_.host;
  auto created = client_->create(resources::kEvent, event);
  if (!created.ok()) return created.error();
  remember(foldKey, Seen{ns, name, 1});
  return created;
}

}  // namespace certchaos::kube
