// One local control plane for a whole test binary: started by `certchaos up` before the first
// test that asks for it, stopped by `certchaos down` at exit.
#pragma once

#include <memory>
#include <string>

#include "certchaos/kube/client.h"

namespace certchaos::testing {

class SharedPlane {
 public:
  // Starts the plane on first use; fails the calling test if it cannot start.
  static SharedPlane& get();

  const std::string& stateDir() const { return stateDir_; }
  std::string kubeconfig() const { return stateDir_ + "/kubeconfig"; }
  // An admin client of the plane.
  std::shared_ptr<kube::Client> admin();
  // A namespace unique to the calling test (created on the plane).
  std::string freshNamespace(const std::string& prefix);

  bool ok() const { return ok_; }
  void stop();

 private:
  SharedPlane();
  std::string root_;
  std::string stateDir_;
  bool ok_ = false;
  std::shared_ptr<kube::Client> admin_;
};

}  // namespace certchaos::testing
