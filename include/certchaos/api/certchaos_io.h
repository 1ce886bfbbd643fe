// The certchaos.io API as the issuer, the runner, the runner controller and the CLI share it:
// the group, the kinds and how they are addressed. The runner and the CLI reach the issuer only
// through these objects, never through the issuer's internals.
#pragma once

#include <string_view>

#include "certchaos/kube/resource.h"

namespace certchaos::api {

inline constexpr const char* kGroup = "certchaos.io";
inline constexpr const char* kVersion = "v1alpha1";
inline constexpr const char* kIssuerKind = "ChaosIssuer";
inline constexpr const char* kClusterIssuerKind = "ChaosClusterIssuer";
inline constexpr const char* kChaosRunKind = "ChaosRun";

inline const kube::ResourceRef kChaosIssuer{kGroup, kVersion, "chaosissuers", kIssuerKind, true};
inline const kube::ResourceRef kChaosClusterIssuer{kGroup, kVersion, "chaosclusterissuers",
                                                   kClusterIssuerKind, false};
inline const kube::ResourceRef kChaosRun{kGroup, kVersion, "chaosruns", kChaosRunKind, true};

// Chaos applies only to requests in namespaces labelled certchaos.io/chaos=enabled.
inline constexpr const char* kChaosNamespaceLabel = "certchaos.io/chaos";
inline constexpr const char* kChaosNamespaceLabelValue = "enabled";

// Whether an issuerRef (group, kind) names one of ours.
inline bool isChaosIssuerKind(std::string_view kind) {
  return kind == kIssuerKind || kind == kClusterIssuerKind;
}

}  // namespace certchaos::api
