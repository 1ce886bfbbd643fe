#include "certchaos/issuer/lean_request.h"

#include <array>
#include <string_view>

namespace certchaos::issuer {

namespace {

using nlohmann::json;

// Keeps only `keep` of an object's members (anything else is dropped).
template <std::size_t N>
void keepOnly(json& object, const std::array<std::string_view, N>& keep) {
  if (!object.is_object()) return;
  for (auto it = object.begin(); it != object.end();) {
    bool kept = false;
    for (auto name : keep) kept = kept || it.key() == name;
    it = kept ? std::next(it) : object.erase(it);
  }
}

constexpr std::array<std::string_view, 4> kTopLevel = {"apiVersion", "kind", "metadata", "spec"};
constexpr std::array<std::string_view, 7> kMetadata = {"name",
                                                       "namespace",
                                                       "uid",
                                                       "resourceVersion",
                                                       "generation",
                                                       "creationTimestamp",
                                                       "deletionTimestamp"};
// The annotations the request reconciler reads (a Certificate's revision is one attempt).
constexpr std::array<std::string_view, 2> kAnnotations = {"cert-manager.io/certificate-name",
                                                          "cert-manager.io/certificate-revision"};
constexpr std::array<std::string_view, 2> kStatus = {"conditions", "failureTime"};

}  // namespace

void leanCertificateRequest(json& request) {
  if (!request.is_object()) return;
  json status = request.contains("status") ? std::move(request["status"]) : json();
  keepOnly(request, kTopLevel);
  if (auto meta = request.find("metadata"); meta != request.end() && meta->is_object()) {
    json annotations = meta->contains("annotations") ? std::move((*meta)["annotations"]) : json();
    keepOnly(*meta, kMetadata);
    keepOnly(annotations, kAnnotations);
    if (annotations.is_object() && !annotations.empty()) {
      (*meta)["annotations"] = std::move(annotations);
    }
  }
  if (auto spec = request.find("spec"); spec != request.end() && spec->is_object()) {
    spec->erase("request");
  }
  keepOnly(status, kStatus);
  if (status.is_object() && !status.empty()) request["status"] = std::move(status);
}

kube::ReflectorOptions requestCacheOptions() {
  return kube::ReflectorOptions{.transform = leanCertificateRequest};
}

}  // namespace certchaos::issuer
