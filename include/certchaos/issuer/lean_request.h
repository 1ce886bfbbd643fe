// What the issuer keeps of a CertificateRequest in its informer cache: only what its reconcilers
// read. The certificate and the CA (most of the 9 KiB a request takes, and of a cache of 20 000
// requests) are left out, and so is the CSR, except while the request waits for one of our
// issuers to decide it: then it is signed from the cache, without reading the request again.
#pragma once

#include <nlohmann/json.hpp>

#include "certchaos/kube/object_cache.h"
#include "certchaos/kube/reflector.h"

namespace certchaos::issuer {

// Whether `request` is addressed to a certchaos.io issuer and not decided yet: no certificate,
// not Ready=True, not denied, not failed for good (Ready=False Failed, Denied, InvalidRequest).
bool awaitsOurSignature(const nlohmann::json& request);

// Reduces `request` in place (a kube::ObjectTransform for the requests' informer): keeps
// apiVersion, kind; metadata's name, namespace, uid, resourceVersion, generation, creation and
// deletion times and the cert-manager.io/certificate-name and -revision annotations; spec (its
// request, the CSR, only while awaitsOurSignature); status's conditions and failureTime.
void leanCertificateRequest(nlohmann::json& request);

// How the issuer's informer of CertificateRequests lists, watches and keeps them: through
// leanCertificateRequest, packed. One definition for the issuer and the tests of its cache.
kube::ReflectorOptions requestCacheOptions();
inline constexpr kube::ObjectCache::Storage kRequestCacheStorage =
    kube::ObjectCache::Storage::kPacked;

}  // namespace certchaos::issuer
