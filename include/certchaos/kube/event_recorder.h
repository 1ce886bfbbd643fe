// EventRecorder: writes core/v1 Events about an object, folding a repeat of the same event into
// the existing one (count + 1, new lastTimestamp) as kubectl describe shows them.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "certchaos/common/clock.h"
#include "certchaos/common/result.h"
#include "certchaos/kube/client.h"

namespace certchaos::kube {

enum class EventType { kNormal, kWarning };

struct EventSource {
  std::string component;  // "certchaos-issuer"
  std::string host;       // the pod or node name; may be empty
};

class EventRecorder {
 public:
  EventRecorder(std::shared_ptr<Client> client, EventSource source, Clock& clock = realClock(),
                std::size_t maxRemembered = 4096);

  // Records that `reason: message` happened to `object` (any Kubernetes object with apiVersion,
  // kind and metadata). Returns the Event as the server stored it.
  Result<nlohmann::json> record(const nlohmann::json& object, EventType type,
                                const std::string& reason, const std::string& message);

 private:
  struct Seen {
    std::string ns;
    std::string name;
    std::int64_t count = 0;
  };
  Result<nlohmann::json> createEvent(const nlohmann::json& object, EventType type,
                                     const std::string& reason, const std::string& message,
                                     const std::string& foldKey);
  void remember(const std::string& foldKey, Seen seen);

  std::shared_ptr<Client> client_;
  const EventSource source_;
  Clock& clock_;
  const std::size_t maxRemembered_;
  std::mutex mu_;
  std::map<std::string, Seen> seen_;
  std::list<std::string> order_;  // oldest first, to forget beyond maxRemembered_
};

}  // namespace certchaos::kube
