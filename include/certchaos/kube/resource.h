// ResourceRef: how a Kubernetes resource type is addressed in REST paths.
#pragma once

#include <string>

namespace certchaos::kube {

struct ResourceRef {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string plural;   // "configmaps"
  std::string kind;     // "ConfigMap", written into objects the client builds
  bool namespaced = true;

  // "v1" or "cert-manager.io/v1", the value of an object's apiVersion.
  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1" or "/apis/cert-manager.io/v1".
  std::string groupVersionPath() const {
    return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  }
  // "configmaps" or "certificates.cert-manager.io", as kubectl and RBAC messages name it.
  std::string qualifiedName() const { return group.empty() ? plural : plural + "." + group; }
};

namespace resources {

inline const ResourceRef kConfigMap{"", "v1", "configmaps", "ConfigMap", true};
inline const ResourceRef kSecret{"", "v1", "secrets", "Secret", true};
inline const ResourceRef kEvent{"", "v1", "events", "Event", true};
inline const ResourceRef kNamespace{"", "v1", "namespaces", "Namespace", false};
inline const ResourceRef kServiceAccount{"", "v1", "serviceaccounts", "ServiceAccount", true};
inline const ResourceRef kPod{"", "v1", "pods", "Pod", true};
inline const ResourceRef kLease{"coordination.k8s.io", "v1", "leases", "Lease", true};

}  // namespace resources
}  // namespace certchaos::kube
