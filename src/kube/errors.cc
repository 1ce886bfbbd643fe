#include "certchaos/kube/errors.h"

#include <nlohmann/json.hpp>

namespace certchaos::kube {
namespace {

std::string_view codeForReason(std::string_view reason) {
  if (reason == "NotFound") return codes::kNotFound;
  if (reason == "AlreadyExists") return codes::kAlreadyExists;
  if (reason == "Conflict") return codes::kConflict;
  if (reason == "Forbidden") return codes::kForbidden;
  if (reason == "Unauthorized") return codes::kUnauthorized;
  if (reason == "Gone" || reason == "Expired") return codes::kGone;
  if (reason == "Invalid") return codes::kInvalid;
  if (reason == "BadRequest" || reason == "MethodNotAllowed" || reason == "NotAcceptable" ||
      reason == "UnsupportedMediaType" || reason == "RequestEntityTooLarge")
    return codes::kBadRequest;
  if (reason == "TooManyRequests") return codes::kTooManyRequests;
  if (reason == "Timeout" || reason == "ServerTimeout") return codes::kTimeout;
  if (reason == "InternalError" || reason == "ServiceUnavailable") return codes::kServerError;
  return {};
}

std::string_view codeForHttpStatus(long status) {
  switch (status) {
    case 400:
      return codes::kBadRequest;
    case 401:
      return codes::kUnauthorized;
    case 403:
      return codes::kForbidden;
    case 404:
      return codes::kNotFound;
    case 409:
      return codes::kConflict;
    case 410:
      return codes::kGone;
    case 422:
      return codes::kInvalid;
    case 429:
      return codes::kTooManyRequests;
    case 504:
      return codes::kTimeout;
    default:
      return status >= 500 ? codes::kServerError : codes::kUnknown;
  }
}

// What to do next. An API server that is starting (or restarting) answers for a while with
// errors that are not the caller's fault: 403 "RBAC: ... not found" before its RBAC cache is
// loaded, 429 "storage is (re)initializing" with Retry-After. Those hints say "retry", never
// "grant a verb" or "lower the request rate".
std::string hintFor(std::string_view code, const RequestDescription& r,
                    std::string_view serverMessage) {
  if (code == codes::kNotFound) return "check the name and namespace, or create the object first";
  if (code == codes::kAlreadyExists)
    return "get and update the existing object, or delete it first";
  if (code == codes::kConflict)
    return "re-read the object and retry the change on its current resourceVersion";
  if (code == codes::kForbidden) {
    const std::string grant = "grant the verb \"" + r.verb + "\" on \"" + r.resource +
                              "\" to this identity with a Role or ClusterRole";
    if (serverMessage.find("RBAC: ") != std::string_view::npos &&
        serverMessage.find(" not found") != std::string_view::npos) {
      return "the API server did not find the role or binding that grants it: if this identity "
             "had the access before, the server is probably starting and has not loaded its "
             "RBAC yet, so retry; if it persists, " +
             grant;
    }
    return grant;
  }
  if (code == codes::kUnauthorized)
    return "check the kubeconfig credentials (token, client certificate or exec plugin)";
  if (code == codes::kGone) return "list again to get a current resourceVersion";
  if (code == codes::kInvalid) return "fix the fields named above";
  if (code == codes::kTooManyRequests) {
    if (serverMessage.find("initializing") != std::string_view::npos) {
      return "the API server is not ready to serve this yet (starting, or its cache is "
             "(re)initializing) and asked to be retried; retry after the delay it named";
    }
    return "the server is throttling (API priority and fairness); retry with back-off, and if "
           "it persists lower the request rate";
  }
  if (code == codes::kTimeout || code == codes::kServerError)
    return "the API server failed to answer; retry later";
  return "see the server's message";
}

std::string truncated(std::string_view s, std::size_t max) {
  std::string out(s.substr(0, max));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (s.size() > max) out += "...";
  return out;
}

// A string field of a Status the server (or a proxy) sent; "" when absent or of another type.
std::string textField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Error statusToError(const RequestDescription& request, long httpStatus, std::string_view body,
                    std::optional<std::chrono::seconds> retryAfter) {
  std::string_view code;
  std::string serverMessage;
  std::string causes;
  auto status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_object() && textField(status, "kind") == "Status") {
    code = codeForReason(textField(status, "reason"));
    serverMessage = textField(status, "message");
    if (auto d = status.find("details"); d != status.end() && d->is_object()) {
      if (auto c = d->find("causes"); c != d->end() && c->is_array()) {
        for (const auto& cause : *c) {
          if (!cause.is_object()) continue;
          causes += causes.empty() ? "" : "; ";
          std::string field = textField(cause, "field");
          causes += (field.empty() ? "" : field + ": ") + textField(cause, "message") + " (" +
                    textField(cause, "reason") + ")";
        }
      }
    }
  } else if (!body.empty()) {
    serverMessage = truncated(body, 200);
  }
  if (code.empty()) code = codeForHttpStatus(httpStatus);

  std::string what = request.verb + " " + request.resource;
  if (!request.object.empty()) what += " \"" + request.object + "\"";
  std::string message =
      what + " failed: " + std::string(code) + " (HTTP " + std::to_string(httpStatus) + ")";
  if (!serverMessage.empty()) message += ": " + serverMessage;
  if (!causes.empty()) message += " [causes: " + causes + "]";
  if (retryAfter)
    message += " (server asked to retry after " + std::to_string(retryAfter->count()) + "s)";
  message += "; " + hintFor(code, request, serverMessage);
  return makeError(std::string(code), message);
}

}  // namespace certchaos::kube
