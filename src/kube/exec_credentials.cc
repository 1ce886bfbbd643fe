// Runs a client-go exec credential plugin: fork/exec through posix_spawn (never a shell), its
// ExecCredential reply on stdout, its stderr kept for error messages.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "certchaos/common/time.h"
#include "certchaos/kube/base64.h"
#include "certchaos/kube/credentials.h"

extern char** environ;

namespace certchaos::kube {
namespace {

using namespace std::chrono_literals;

constexpr auto kPluginTimeout = 60s;
constexpr std::size_t kMaxOutput = 1 << 20;

struct PluginOutput {
  int exitStatus = -1;
  std::string out;
  std::string err;
};

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Pipe() {
    closeRead();
    closeWrite();
  }
  bool ok() const { return fds_[0] >= 0; }
  int read() const { return fds_[0]; }
  int write() const { return fds_[1]; }
  void closeRead() { closeFd(fds_[0]); }
  void closeWrite() { closeFd(fds_[1]); }

 private:
  static void closeFd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int fds_[2] = {-1, -1};
};

class ExecCredentials final : public CredentialProvider {
 public:
  ExecCredentials(ExecConfig config, ExecClusterInfo cluster, Clock& clock)
      : config_(std::move(config)), cluster_(std::move(cluster)), clock_(clock) {}

  Result<Credential> credential() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (cached_ && (!expiry_ || clock_.now() < *expiry_)) return *cached_;
    auto output = run();
    if (!output.ok()) return output.error();
    auto parsed = parse(*output);
    if (!parsed.ok()) return parsed.error();
    cached_ = *parsed;
    return *cached_;
  }

  void invalidate() override {
    std::lock_guard<std::mutex> lock(mu_);
    cached_.reset();
    expiry_.reset();
  }

  std::string describe() const override { return "exec plugin " + config_.command; }

 private:
  std::string where() const {
    return config_.origin.file + ": " + config_.origin.field + ": exec plugin \"" +
           config_.command + "\"";
  }

  std::string execInfo() const {
    nlohmann::json spec = {{"interactive", false}};
    if (config_.provideClusterInfo) {
      nlohmann::json c = {{"server", cluster_.server}};
      if (!cluster_.caPem.empty()) c["certificate-authority-data"] = base64Encode(cluster_.caPem);
      if (cluster_.insecureSkipTlsVerify) c["insecure-skip-tls-verify"] = true;
      if (!cluster_.tlsServerName.empty()) c["tls-server-name"] = cluster_.tlsServerName;
      spec["cluster"] = c;
    }
    return nlohmann::json{
        {"apiVersion", config_.apiVersion}, {"kind", "ExecCredential"}, {"spec", spec}}
        .dump();
  }

  std::vector<std::string> environment() const {
    std::vector<std::string> env;
    auto overridden = [&](std::string_view entry) {
      auto eq = entry.find('=');
      std::string_view name = entry.substr(0, eq);
      if (name == "KUBERNETES_EXEC_INFO") return true;
      for (const auto& [k, v] : config_.env) {
        if (k == name) return true;
      }
      return false;
    };
    for (char** e = environ; e && *e; ++e) {
      if (!overridden(*e)) env.emplace_back(*e);
    }
    for (const auto& [k, v] : config_.env) env.push_back(k + "=" + v);
    env.push_back("KUBERNETES_EXEC_INFO=" + execInfo());
    return env;
  }

  Result<PluginOutput> run() const {
    Pipe out, err;
    if (!out.ok() || !err.ok()) {
      return makeError("CredentialsFailed",
                       where() + ": cannot create pipes: " + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out.write(), 1);
    posix_spawn_file_actions_adddup2(&actions, err.write(), 2);

    std::vector<std::string> argStrings{config_.command};
    argStrings.insert(argStrings.end(), config_.args.begin(), config_.args.end());
    std::vector<char*> argv;
    for (auto& a : argStrings) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> envStrings = environment();
    std::vector<char*> envp;
    for (auto& e : envStrings) envp.push_back(e.data());
    envp.push_back(nullptr);

    pid_t pid = 0;
    int rc =
        posix_spawnp(&pid, config_.command.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    out.closeWrite();
    err.closeWrite();
    if (rc != 0) {
      std::string hint =
          config_.installHint.empty() ? "install it or fix exec.command" : config_.installHint;
      return makeError("CredentialsFailed", where() + ": expected an executable, cannot run it (" +
                                                std::strerror(rc) + "); " + hint);
    }

    PluginOutput result;
    auto deadline = std::chrono::steady_clock::now() + kPluginTimeout;
    pollfd fds[2] = {{out.read(), POLLIN, 0}, {err.read(), POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open = 2;
    bool timedOut = false;
    while (open > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) {
        timedOut = true;
        break;
      }
      int n = ::poll(fds, 2, static_cast<int>(left.count()));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        char buf[4096];
        ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
        if (got > 0) {
          if (sinks[i]->size() < kMaxOutput) sinks[i]->append(buf, static_cast<std::size_t>(got));
        } else if (got == 0 || errno != EINTR) {
          fds[i].fd = -1;
          --open;
        }
      }
    }
    if (timedOut) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timedOut) {
      return makeError("CredentialsFailed", where() + ": expected a reply within " +
                                                std::to_string(kPluginTimeout.count()) +
                                                "s, found none; the plugin was killed");
    }
    result.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (result.exitStatus != 0) {
      std::string stderrText = result.err.substr(0, 500);
      while (!stderrText.empty() && stderrText.back() == '\n') stderrText.pop_back();
      return makeError("CredentialsFailed",
                       where() + ": expected exit status 0, found " +
                           std::to_string(result.exitStatus) +
                           (stderrText.empty() ? "" : " (stderr: " + stderrText + ")") +
                           "; run the plugin by hand to see why");
    }
    return result;
  }

  Result<Credential> parse(const PluginOutput& output) {
    auto reply = parseExecCredentialReply(output.out, config_.apiVersion);
    if (!reply.ok()) {
      return makeError("CredentialsFailed",
                       where() + ": " + reply.error().message +
                           "; the plugin must print an ExecCredential with status.token or "
                           "status.clientCertificateData/clientKeyData");
    }
    expiry_ = reply->expiry;
    return reply->credential;
  }

  const ExecConfig config_;
  const ExecClusterInfo cluster_;
  Clock& clock_;
  std::mutex mu_;
  std::optional<Credential> cached_;
  std::optional<SystemTime> expiry_;
};

}  // namespace

Result<ExecCredentialReply> parseExecCredentialReply(std::string_view stdoutText,
                                                     std::string_view apiVersion) {
  auto fail = [](const std::string& expectedFound) {
    return makeError("CredentialsFailed", expectedFound);
  };
  // A field the plugin may leave out, or "" when it is not a string (the error then says so).
  auto text = [](const nlohmann::json& object, const char* key) -> std::optional<std::string> {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::string();
    if (!it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto reply = nlohmann::json::parse(stdoutText, nullptr, false);
  if (!reply.is_object()) return fail("expected a JSON ExecCredential on stdout, found other text");
  for (const char* key : {"kind", "apiVersion"}) {
    if (!text(reply, key)) return fail(std::string("expected ") + key + " to be a string");
  }
  if (*text(reply, "kind") != "ExecCredential") {
    return fail("expected kind ExecCredential, found \"" + *text(reply, "kind") + "\"");
  }
  if (*text(reply, "apiVersion") != apiVersion) {
    return fail("expected apiVersion " + std::string(apiVersion) + ", found \"" +
                *text(reply, "apiVersion") + "\"");
  }
  auto status = reply.find("status");
  if (status == reply.end() || !status->is_object()) return fail("expected a status, found none");
  for (const char* key :
       {"token", "clientCertificateData", "clientKeyData", "expirationTimestamp"}) {
    if (!text(*status, key)) return fail(std::string("expected status.") + key + " to be a string");
  }
  ExecCredentialReply out;
  Credential& c = out.credential;
  c.bearerToken = *text(*status, "token");
  c.clientCertPem = *text(*status, "clientCertificateData");
  c.clientKeyPem = *text(*status, "clientKeyData");
  if (c.clientCertPem.empty() != c.clientKeyPem.empty()) {
    return fail("expected both clientCertificateData and clientKeyData, found only one");
  }
  if (c.bearerToken.empty() && c.clientCertPem.empty()) {
    return fail("expected a token or a client certificate, found neither");
  }
  std::string expiration = *text(*status, "expirationTimestamp");
  if (!expiration.empty()) {
    auto t = parseRfc3339(expiration);
    if (t.ok()) {
      out.expiry = *t;
    } else if (t.error().code != "OutOfRange") {  // past 2262 (or before 1678): until a 401
      return fail("status.expirationTimestamp: " + t.error().message);
    }
  }
  return out;
}

std::shared_ptr<CredentialProvider> makeExecCredentials(ExecConfig config, ExecClusterInfo cluster,
                                                        Clock& clock) {
  return std::make_shared<ExecCredentials>(std::move(config), std::move(cluster), clock);
}

}  // namespace certchaos::kube
