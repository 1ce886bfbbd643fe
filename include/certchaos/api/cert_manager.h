// The cert-manager.io API that certchaos reads and writes, as one place names it: the kinds of
// cert-manager.io/v1 and how they are addressed (cert-manager-contract.md).
#pragma once

#include "certchaos/kube/resource.h"

namespace certchaos::api {

inline constexpr const char* kCertManagerGroup = "cert-manager.io";

inline const kube::ResourceRef kCertificate{kCertManagerGroup, "v1", "certificates", "Certificate",
                                            true};
inline const kube::ResourceRef kCertificateRequest{kCertManagerGroup, "v1", "certificaterequests",
                                                   "CertificateRequest", true};
inline const kube::ResourceRef kIssuer{kCertManagerGroup, "v1", "issuers", "Issuer", true};
inline const kube::ResourceRef kClusterIssuer{kCertManagerGroup, "v1", "clusterissuers",
                                              "ClusterIssuer", false};

}  // namespace certchaos::api
