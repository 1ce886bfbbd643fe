// What the issuer keeps of a CertificateRequest in its informer cache: only what its reconcilers
// read before they sign. The CSR, the certificate and the CA (about 9 KiB a request, most of a
// cache of 20 000 requests) are left out; the CSR is read from the API server when the request
// is about to be signed.
#pragma once

#include <nlohmann/json.hpp>

#include "certchaos/kube/object_cache.h"
#include "certchaos/kube/reflector.h"

namespace certchaos::issuer {

// Reduces `request` in place (a kube::ObjectTransform for the requests' informer): keeps
// apiVersion, kind; metadata's name, namespace, uid, resourceVersion, generation, creation and
// deletion times and the cert-manager.io/certificate-name and -revision annotations; spec without
// request; status's conditions and failureTime.
void leanCertificateRequest(nlohmann::json& request);

// How the issuer's informer of CertificateRequests lists, watches and keeps them: through
// leanCertificateRequest, packed. One definition for the issuer and the tests of its cache.
kube::ReflectorOptions requestCacheOptions();
inline constexpr kube::ObjectCache::Storage kRequestCacheStorage =
    kube::ObjectCache::Storage::kPacked;

}  // namespace certchaos::issuer
