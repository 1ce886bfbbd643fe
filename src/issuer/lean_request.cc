#include "certchaos/issuer/lean_request.h"

#include <array>
#include <string_view>

#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"

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

bool awaitsOurSignature(const json& request) {
  // By reference: this runs on every watch event of every request in the cluster.
  if (!request.is_object()) return false;
  const auto spec = request.find("spec");
  if (spec == request.end() || !spec->is_object()) return false;
  const auto ref = spec->find("issuerRef");
  if (ref == spec->end() || !ref->is_object() || ref->value("group", "") != api::kGroup) {
    return false;
  }
  const auto status = request.find("status");
  if (status != request.end() && (!status->is_object() || status->contains("certificate"))) {
    return false;
  }
  // Ready=True (issued), or Ready=False for good (cert-manager's final reasons), or denied.
  if (api::conditionIs(request, "Denied", "True")) return false;
  const json* ready = api::findCondition(request, "Ready");
  if (ready == nullptr) return true;
  const std::string readyStatus = ready->value("status", "");
  const std::string reason = ready->value("reason", "");
  return readyStatus != "True" &&
         !(readyStatus == "False" &&
           (reason == "Failed" || reason == "Denied" || reason == "InvalidRequest"));
}

void leanCertificateRequest(json& request) {
  if (!request.is_object()) return;
  const bool keepCsr = awaitsOurSignature(request);
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
    if (!keepCsr) spec->erase("request");
  }
  keepOnly(status, kStatus);
  if (status.is_object() && !status.empty()) request["status"] = std::move(status);
}

kube::ReflectorOptions requestCacheOptions() {
  return kube::ReflectorOptions{.transform = leanCertificateRequest};
}

}  // namespace certchaos::issuer
