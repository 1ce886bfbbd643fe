#include "certchaos/kube/watch.h"

namespace certchaos::kube {

std::string_view toString(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "?";
}

std::string_view toString(WatchEndReason reason) {
  switch (reason) {
    case WatchEndReason::kClosed:
      return "closed";
    case WatchEndReason::kStalled:
      return "stalled";
    case WatchEndReason::kGone:
      return "gone";
    case WatchEndReason::kStopped:
      return "stopped";
  }
  return "?";
}

Result<WatchEvent> parseWatchEvent(std::string_view line) {
  auto fail = [&](const std::string& found) {
    return makeError("DecodeFailed",
                     "watch stream: expected a JSON event {\"type\", \"object\"}, found " + found +
                         "; the server or a proxy is sending something else");
  };
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail("invalid JSON (" + std::to_string(line.size()) + " bytes)");
  if (!j.is_object()) return fail("a JSON value that is not an object");
  auto type = j.find("type");
  auto object = j.find("object");
  if (type == j.end() || !type->is_string()) return fail("no \"type\" string");
  if (object == j.end() || !object->is_object()) return fail("no \"object\" object");
  WatchEvent event;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED") {
    event.type = WatchEventType::kAdded;
  } else if (t == "MODIFIED") {
    event.type = WatchEventType::kModified;
  } else if (t == "DELETED") {
    event.type = WatchEventType::kDeleted;
  } else if (t == "BOOKMARK") {
    event.type = WatchEventType::kBookmark;
  } else if (t == "ERROR") {
    event.type = WatchEventType::kError;
  } else {
    return fail("the unknown type \"" + t + "\"");
  }
  event.object = std::move(*object);
  return event;
}

Result<WatchEvent> decodeWatchLine(std::string_view line, const RequestDescription& request,
                                   std::string_view apiVersion, std::string_view kind) {
  auto event = parseWatchEvent(line);
  if (!event.ok()) return event.error();
  nlohmann::json& object = event->object;
  if (event->type == WatchEventType::kError) {
    auto code = object.find("code");
    long status = 500;
    if (code != object.end() && code->is_number_integer()) status = code->get<long>();
    Error error = statusToError(request, status, object.dump());
    if (status == 410) error.code = codes::kGone;  // whatever reason the Status gives
    return error;
  }
  if (event->type != WatchEventType::kBookmark) {
    if (!object.contains("apiVersion")) object["apiVersion"] = apiVersion;
    if (!object.contains("kind") && !kind.empty()) object["kind"] = kind;
  }
  return event;
}

std::string resourceVersionOf(const WatchEvent& event) {
  auto meta = event.object.find("metadata");
  if (meta == event.object.end() || !meta->is_object()) return "";
  auto rv = meta->find("resourceVersion");
  return rv != meta->end() && rv->is_string() ? rv->get<std::string>() : "";
}

Result<void> LineBuffer::append(std::string_view chunk,
                                const std::function<bool(std::string_view)>& onLine) {
  while (!chunk.empty()) {
    auto newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      if (buffer_.size() + chunk.size() > max_) {
        return makeError("DecodeFailed", "watch stream: expected lines under " +
                                             std::to_string(max_) +
                                             " bytes, found a longer one; the stream is corrupt");
      }
      buffer_.append(chunk);
      return {};
    }
    std::string_view line;
    if (buffer_.empty()) {
      line = chunk.substr(0, newline);  // the common case: no copy
    } else {
      buffer_.append(chunk.substr(0, newline));
      line = buffer_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool go = line.empty() || onLine(line);
    buffer_.clear();
    chunk.remove_prefix(newline + 1);
    if (!go) return {};
  }
  return {};
}

}  // namespace certchaos::kube
