#include "shared_plane.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "plane.h"

namespace certchaos::testing {

namespace {
class PlaneEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { SharedPlane::get().stop(); }
};
}  // namespace

SharedPlane& SharedPlane::get() {
  static SharedPlane* plane = [] {
    auto* p = new SharedPlane();
    ::testing::AddGlobalTestEnvironment(new PlaneEnvironment());
    return p;
  }();
  return *plane;
}

SharedPlane::SharedPlane() {
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/certchaos-plane-XXXXXX";
  root_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
  stateDir_ = root_ + "/state";
  auto up = certchaos(stateDir_, {"up"});
  ok_ = up.exitCode == 0;
  if (!ok_) ADD_FAILURE() << "certchaos up failed:\n" << up.output;
}

std::shared_ptr<kube::Client> SharedPlane::admin() {
  if (!admin_) {
    auto client = kube::Client::fromKubeconfig(kubeconfig());
    if (!client) {
      ADD_FAILURE() << client.error().message;
      return nullptr;
    }
    admin_ = *client;
  }
  return admin_;
}

std::string SharedPlane::freshNamespace(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::string name = prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
  auto created = admin()->create(kube::resources::kNamespace, {{"metadata", {{"name", name}}}});
  if (!created) ADD_FAILURE() << "creating namespace " << name << ": " << created.error().message;
  return name;
}

void SharedPlane::stop() {
  if (root_.empty()) return;
  auto down = certchaos(stateDir_, {"down"});
  if (down.exitCode != 0) ADD_FAILURE() << "certchaos down failed:\n" << down.output;
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
  root_.clear();
}

}  // namespace certchaos::testing
