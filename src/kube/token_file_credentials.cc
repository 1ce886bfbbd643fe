#include <sys/stat.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "certchaos/kube/credentials.h"

namespace certchaos::kube {
namespace {

using namespace std::chrono_literals;

// Identifies one version of the file: a rotation changes at least one of these.
struct FileStamp {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = -1;
  timespec mtime{};
  bool operator==(const FileStamp& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

class TokenFileCredentials final : public CredentialProvider {
 public:
  TokenFileCredentials(std::string path, Clock& clock) : path_(std::move(path)), clock_(clock) {}

  Result<Credential> credential() override {
    std::lock_guard<std::mutex> lock(mu_);
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      if (!token_.empty()) return Credential{token_, "", ""};  // keep the last good token
      return makeError("CredentialsFailed",
                       "token file " + path_ +
                           ": expected a readable file, found none; check tokenFile in the "
                           "kubeconfig or the service-account mount");
    }
    FileStamp stamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim};
    bool stale = token_.empty() || !(stamp == stamp_) || clock_.steadyNow() - readAt_ > 1min;
    if (stale) {
      std::ifstream in(path_, std::ios::binary);
      std::stringstream buffer;
      buffer << in.rdbuf();
      std::string token = buffer.str();
      while (!token.empty() &&
             (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
        token.pop_back();
      }
      if (token.empty()) {
        if (!token_.empty()) return Credential{token_, "", ""};
        return makeError("CredentialsFailed", "token file " + path_ +
                                                  ": expected a bearer token, found an empty "
                                                  "file; write the token into it");
      }
      token_ = std::move(token);
      stamp_ = stamp;
      readAt_ = clock_.steadyNow();
    }
    return Credential{token_, "", ""};
  }

  void invalidate() override {
    std::lock_guard<std::mutex> lock(mu_);
    stamp_ = FileStamp{};  // forces a re-read but keeps the token if the file is gone
    readAt_ = SteadyTime{};
  }

  std::string describe() const override { return "token file " + path_; }

 private:
  const std::string path_;
  Clock& clock_;
  std::mutex mu_;
  std::string token_;
  FileStamp stamp_;
  SteadyTime readAt_{};
};

}  // namespace

std::shared_ptr<CredentialProvider> makeTokenFileCredentials(std::string path, Clock& clock) {
  return std::make_shared<TokenFileCredentials>(std::move(path), clock);
}

}  // namespace certchaos::kube
