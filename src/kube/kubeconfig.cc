#include "certchaos/kube/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "certchaos/common/utf8.h"
#include "certchaos/kube/base64.h"

namespace certchaos::kube {
namespace {

namespace fs = std::filesystem;

// Thrown inside the parser only; parseKubeconfig turns it into an Error.
struct FieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FileParser {
 public:
  explicit FileParser(std::string path) : path_(std::move(path)) {
    dir_ = fs::path(path_).parent_path().string();
  }

  Kubeconfig parse(const YAML::Node& root) {
    Kubeconfig config;
    config.files.push_back(path_);
    if (!root || root.IsNull()) return config;  // an empty file is a valid, empty kubeconfig
    if (!root.IsMap()) fail("", "expected a YAML mapping at the top level", describe(root));
    config.currentContext = optString(root, "current-context", "current-context");
    forEachNamed(root, "clusters", "cluster",
                 [&](const std::string& name, const YAML::Node& n, const std::string& field) {
                   config.clusters.emplace(name, parseCluster(n, field));
                 });
    forEachNamed(root, "users", "user",
                 [&](const std::string& name, const YAML::Node& n, const std::string& field) {
                   config.users.emplace(name, parseUser(n, field));
                 });
    forEachNamed(root, "contexts", "context",
                 [&](const std::string& name, const YAML::Node& n, const std::string& field) {
                   KubeconfigContext ctx;
                   ctx.cluster = optString(n, "cluster", field + ".cluster");
                   ctx.user = optString(n, "user", field + ".user");
                   ctx.ns = optString(n, "namespace", field + ".namespace");
                   ctx.origin = {path_, field};
                   config.contexts.emplace(name, ctx);
                 });
    return config;
  }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& expected,
                         const std::string& found) {
    throw FieldError(path_ + ": " + (field.empty() ? "" : field + ": ") + expected + ", found " +
                     found + "; fix the kubeconfig file");
  }

  static std::string describe(const YAML::Node& n) {
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    if (n.IsNull()) return "nothing";
    return "\"" + n.Scalar().substr(0, 40) + "\"";
  }

  std::string optString(const YAML::Node& map, const char* key, const std::string& field) {
    YAML::Node n = map[key];
    if (!n || n.IsNull()) return "";
    if (!n.IsScalar()) fail(field, "expected a string", describe(n));
    return n.Scalar();
  }

  bool optBool(const YAML::Node& map, const char* key, const std::string& field) {
    YAML::Node n = map[key];
    if (!n || n.IsNull()) return false;
    bool value = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, value)) {
      fail(field, "expected true or false", describe(n));
    }
    return value;
  }

  std::string optBase64(const YAML::Node& map, const char* key, const std::string& field) {
    std::string text = optString(map, key, field);
    if (text.empty()) return "";
    auto decoded = base64Decode(text);
    if (!decoded.ok()) fail(field, "expected base64-encoded PEM", decoded.error().message);
    return *decoded;
  }

  std::string optPath(const YAML::Node& map, const char* key, const std::string& field) {
    std::string p = optString(map, key, field);
    if (p.empty() || fs::path(p).is_absolute()) return p;
    if (p.rfind("~/", 0) == 0) {
      const char* home = std::getenv("HOME");
      return home ? (fs::path(home) / p.substr(2)).string() : p;
    }
    return (fs::path(dir_) / p).lexically_normal().string();
  }

  template <typename F>
  void forEachNamed(const YAML::Node& root, const char* listKey, const char* itemKey, F&& f) {
    YAML::Node list = root[listKey];
    if (!list || list.IsNull()) return;
    if (!list.IsSequence()) fail(listKey, "expected a list", describe(list));
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string field = std::string(listKey) + "[" + std::to_string(i) + "]";
      const YAML::Node& entry = list[i];
      if (!entry.IsMap())
        fail(field, "expected a mapping with name and " + std::string(itemKey), describe(entry));
      std::string name = optString(entry, "name", field + ".name");
      if (name.empty()) fail(field + ".name", "expected a non-empty name", "nothing");
      YAML::Node body = entry[itemKey];
      std::string bodyField = field + "." + itemKey;
      if (!body || body.IsNull()) body = YAML::Node(YAML::NodeType::Map);
      if (!body.IsMap()) fail(bodyField, "expected a mapping", describe(body));
      f(name, body, bodyField);
    }
  }

  KubeconfigCluster parseCluster(const YAML::Node& n, const std::string& field) {
    KubeconfigCluster c;
    c.server = optString(n, "server", field + ".server");
    c.caData = optBase64(n, "certificate-authority-data", field + ".certificate-authority-data");
    c.caFile = optPath(n, "certificate-authority", field + ".certificate-authority");
    c.insecureSkipTlsVerify =
        optBool(n, "insecure-skip-tls-verify", field + ".insecure-skip-tls-verify");
    c.tlsServerName = optString(n, "tls-server-name", field + ".tls-server-name");
    c.proxyUrl = optString(n, "proxy-url", field + ".proxy-url");
    c.origin = {path_, field};
    return c;
  }

  KubeconfigUser parseUser(const YAML::Node& n, const std::string& field) {
    KubeconfigUser u;
    u.clientCertData = optBase64(n, "client-certificate-data", field + ".client-certificate-data");
    u.clientCertFile = optPath(n, "client-certificate", field + ".client-certificate");
    u.clientKeyData = optBase64(n, "client-key-data", field + ".client-key-data");
    u.clientKeyFile = optPath(n, "client-key", field + ".client-key");
    u.token = optString(n, "token", field + ".token");
    u.tokenFile = optPath(n, "tokenFile", field + ".tokenFile");
    u.hasBasicAuth = !optString(n, "username", field + ".username").empty();
    if (YAML::Node ap = n["auth-provider"]; ap && ap.IsMap()) {
      u.authProviderName = optString(ap, "name", field + ".auth-provider.name");
      if (u.authProviderName.empty()) u.authProviderName = "(unnamed)";
    }
    if (YAML::Node e = n["exec"]; e && !e.IsNull()) {
      if (!e.IsMap()) fail(field + ".exec", "expected a mapping", describe(e));
      u.exec = parseExec(e, field + ".exec");
    }
    u.origin = {path_, field};
    return u;
  }

  ExecConfig parseExec(const YAML::Node& n, const std::string& field) {
    ExecConfig x;
    x.command = optString(n, "command", field + ".command");
    if (x.command.empty()) fail(field + ".command", "expected the plugin's command", "nothing");
    if (x.command.find('/') != std::string::npos && !fs::path(x.command).is_absolute()) {
      x.command = (fs::path(dir_) / x.command).lexically_normal().string();
    }
    x.apiVersion = optString(n, "apiVersion", field + ".apiVersion");
    if (x.apiVersion != "client.authentication.k8s.io/v1" &&
        x.apiVersion != "client.authentication.k8s.io/v1beta1") {
      fail(field + ".apiVersion", "expected client.authentication.k8s.io/v1 (or v1beta1)",
           x.apiVersion.empty() ? "nothing" : "\"" + x.apiVersion + "\"");
    }
    if (YAML::Node args = n["args"]; args && !args.IsNull()) {
      if (!args.IsSequence()) fail(field + ".args", "expected a list of strings", describe(args));
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (!args[i].IsScalar()) {
          fail(field + ".args[" + std::to_string(i) + "]", "expected a string", describe(args[i]));
        }
        x.args.push_back(args[i].Scalar());
      }
    }
    if (YAML::Node env = n["env"]; env && !env.IsNull()) {
      if (!env.IsSequence())
        fail(field + ".env", "expected a list of {name, value}", describe(env));
      for (std::size_t i = 0; i < env.size(); ++i) {
        std::string f = field + ".env[" + std::to_string(i) + "]";
        if (!env[i].IsMap()) fail(f, "expected {name, value}", describe(env[i]));
        std::string name = optString(env[i], "name", f + ".name");
        if (name.empty()) fail(f + ".name", "expected a variable name", "nothing");
        x.env.emplace_back(name, optString(env[i], "value", f + ".value"));
      }
    }
    x.installHint = optString(n, "installHint", field + ".installHint");
    x.provideClusterInfo = optBool(n, "provideClusterInfo", field + ".provideClusterInfo");
    x.origin = {path_, field};
    return x;
  }

  std::string path_;
  std::string dir_;
};

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto abs = fs::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

}  // namespace

KubeconfigLoadOptions KubeconfigLoadOptions::fromEnvironment(std::string explicitPath) {
  KubeconfigLoadOptions options;
  options.explicitPath = std::move(explicitPath);
  if (const char* env = std::getenv("KUBECONFIG")) options.kubeconfigEnv = env;
  if (const char* home = std::getenv("HOME")) options.homeDir = home;
  return options;
}

Result<Kubeconfig> parseKubeconfig(const std::string& yamlText, const std::string& path) {
  std::string file = absolute(path);
  // A kubeconfig is UTF-8: say where it is not, rather than what yaml-cpp makes of it.
  if (auto bad = firstInvalidUtf8(yamlText)) {
    return makeError("BadConfig", file + ": expected UTF-8 text, found an invalid byte at offset " +
                                      std::to_string(*bad) + "; fix the kubeconfig file");
  }
  try {
    YAML::Node root = YAML::Load(yamlText);
    return FileParser(file).parse(root);
  } catch (const FieldError& e) {
    return makeError("BadConfig", e.what());
  } catch (const YAML::Exception& e) {
    return makeError("BadConfig", file + ":" + std::to_string(e.mark.line + 1) + ":" +
                                      std::to_string(e.mark.column + 1) +
                                      ": expected valid YAML, found a syntax error (" + e.msg +
                                      "); fix the kubeconfig file");
  }
}

Result<Kubeconfig> parseKubeconfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return makeError("BadConfig", absolute(path) +
                                      ": expected a readable kubeconfig file, found none; check "
                                      "--kubeconfig / $KUBECONFIG");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseKubeconfig(buffer.str(), path);
}

void mergeKubeconfig(Kubeconfig& into, const Kubeconfig& from) {
  into.clusters.insert(from.clusters.begin(), from.clusters.end());  // insert keeps existing keys
  into.users.insert(from.users.begin(), from.users.end());
  into.contexts.insert(from.contexts.begin(), from.contexts.end());
  if (into.currentContext.empty()) into.currentContext = from.currentContext;
  into.files.insert(into.files.end(), from.files.begin(), from.files.end());
}

Result<Kubeconfig> loadKubeconfig(const KubeconfigLoadOptions& options) {
  if (!options.explicitPath.empty()) return parseKubeconfigFile(options.explicitPath);

  std::vector<std::string> candidates;
  bool fromEnv = options.kubeconfigEnv.has_value() && !options.kubeconfigEnv->empty();
  if (fromEnv) {
    std::stringstream list(*options.kubeconfigEnv);
    std::string item;
    while (std::getline(list, item, ':')) {
      if (!item.empty()) candidates.push_back(item);
    }
  } else if (!options.homeDir.empty()) {
    candidates.push_back((fs::path(options.homeDir) / ".kube" / "config").string());
  }

  Kubeconfig merged;
  std::vector<std::string> seen;
  for (const auto& file : candidates) {
    std::string abs = absolute(file);
    if (std::find(seen.begin(), seen.end(), abs) != seen.end()) continue;  // kubectl dedups
    seen.push_back(abs);
    std::error_code ec;
    if (!fs::exists(abs, ec)) continue;  // kubectl skips missing files in the list
    auto one = parseKubeconfigFile(abs);
    if (!one.ok()) return one.error();
    mergeKubeconfig(merged, *one);
  }
  if (merged.files.empty()) {
    std::string where = fromEnv ? "$KUBECONFIG=" + *options.kubeconfigEnv
                                : (fs::path(options.homeDir) / ".kube" / "config").string();
    return makeError("BadConfig", "expected a kubeconfig file, found none at " + where +
                                      "; pass --kubeconfig or set KUBECONFIG");
  }
  return merged;
}

}  // namespace certchaos::kube
