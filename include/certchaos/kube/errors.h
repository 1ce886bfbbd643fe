// Typed Kubernetes API errors: a failed request becomes an Error whose code names its kind.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "certchaos/common/result.h"

namespace certchaos::kube {

// Error::code values. The reasons follow metav1.StatusReason.
namespace codes {
inline constexpr std::string_view kNotFound = "NotFound";
inline constexpr std::string_view kAlreadyExists = "AlreadyExists";
inline constexpr std::string_view kConflict = "Conflict";
inline constexpr std::string_view kForbidden = "Forbidden";
inline constexpr std::string_view kUnauthorized = "Unauthorized";
inline constexpr std::string_view kGone = "Gone";  // "Expired" too: the resourceVersion is gone
inline constexpr std::string_view kInvalid = "Invalid";
inline constexpr std::string_view kBadRequest = "BadRequest";
inline constexpr std::string_view kTooManyRequests = "TooManyRequests";
inline constexpr std::string_view kTimeout = "Timeout";          // server or client timeout
inline constexpr std::string_view kStalled = "Stalled";          // no byte within the idle deadline
inline constexpr std::string_view kServerError = "ServerError";  // 5xx
inline constexpr std::string_view kConnection = "ConnectionFailed";    // no HTTP reply at all
inline constexpr std::string_view kCredentials = "CredentialsFailed";  // token/exec plugin
inline constexpr std::string_view kDecode = "DecodeFailed";            // a reply that is not JSON
inline constexpr std::string_view kCancelled = "Cancelled";            // the caller asked to stop
inline constexpr std::string_view kUnknown = "Unknown";
}  // namespace codes

inline bool isNotFound(const Error& e) { return e.code == codes::kNotFound; }
inline bool isAlreadyExists(const Error& e) { return e.code == codes::kAlreadyExists; }
inline bool isConflict(const Error& e) { return e.code == codes::kConflict; }
inline bool isForbidden(const Error& e) { return e.code == codes::kForbidden; }
inline bool isUnauthorized(const Error& e) { return e.code == codes::kUnauthorized; }
inline bool isGone(const Error& e) { return e.code == codes::kGone; }
inline bool isInvalid(const Error& e) { return e.code == codes::kInvalid; }
inline bool isTooManyRequests(const Error& e) { return e.code == codes::kTooManyRequests; }

// What a request was, for messages: "get", "certificates.cert-manager.io", "ns/name".
struct RequestDescription {
  std::string verb;
  std::string resource;
  std::string object;  // "ns/name", "name", or "" for collections
};

// Turns a non-2xx reply into a typed Error. The body may be a metav1.Status (decoded for its
// reason, message and causes) or anything else (then the HTTP status decides). Retry-After, if
// the server sent it, is named in the message.
Error statusToError(const RequestDescription& request, long httpStatus, std::string_view body,
                    std::optional<std::chrono::seconds> retryAfter = std::nullopt);

}  // namespace certchaos::kube
