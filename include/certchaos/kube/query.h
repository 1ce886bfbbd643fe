// Query strings built from typed values and percent-encoded, so a parameter is never misspelt
// or left unescaped.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certchaos::kube {

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string urlEncode(std::string_view text);

// The query parameter names the client uses, spelt once.
namespace params {
inline constexpr std::string_view kLabelSelector = "labelSelector";
inline constexpr std::string_view kFieldSelector = "fieldSelector";
inline constexpr std::string_view kLimit = "limit";
inline constexpr std::string_view kContinue = "continue";
inline constexpr std::string_view kResourceVersion = "resourceVersion";
inline constexpr std::string_view kResourceVersionMatch = "resourceVersionMatch";
inline constexpr std::string_view kWatch = "watch";
inline constexpr std::string_view kAllowWatchBookmarks = "allowWatchBookmarks";
inline constexpr std::string_view kTimeoutSeconds = "timeoutSeconds";
inline constexpr std::string_view kFieldManager = "fieldManager";
inline constexpr std::string_view kForce = "force";
inline constexpr std::string_view kDryRun = "dryRun";
inline constexpr std::string_view kPropagationPolicy = "propagationPolicy";
inline constexpr std::string_view kGracePeriodSeconds = "gracePeriodSeconds";
inline constexpr std::string_view kContainer = "container";
inline constexpr std::string_view kTimestamps = "timestamps";
inline constexpr std::string_view kPrevious = "previous";
inline constexpr std::string_view kSinceTime = "sinceTime";
}  // namespace params

class Query {
 public:
  // Adds key=value; an empty value is skipped (Kubernetes treats it as unset anyway).
  Query& add(std::string_view key, std::string_view value);
  Query& add(std::string_view key, long long value);
  Query& addBool(std::string_view key, bool value);  // adds only when true

  bool empty() const { return pairs_.empty(); }
  // "a=b&c=d", encoded; "" when empty.
  std::string encode() const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

}  // namespace certchaos::kube
