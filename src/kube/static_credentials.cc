#include "certchaos/kube/credentials.h"

namespace certchaos::kube {
namespace {

class StaticCredentials final : public CredentialProvider {
 public:
  StaticCredentials(Credential credential, std::string description)
      : credential_(std::move(credential)), description_(std::move(description)) {}
  Result<Credential> credential() override { return credential_; }
  void invalidate() override {}
  std::string describe() const override { return description_; }

 private:
  const Credential credential_;
  const std::string description_;
};

}  // namespace

std::shared_ptr<CredentialProvider> makeStaticCredentials(Credential credential,
                                                          std::string description) {
  return std::make_shared<StaticCredentials>(std::move(credential), std::move(description));
}

}  // namespace certchaos::kube
