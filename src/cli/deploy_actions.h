// The work behind `certchaos deploy issuer|certificate|app`, reused by `demo`.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "certchaos/common/result.h"
#include "cli_context.h"
#include "issuer_spec.h"

namespace certchaos::cli {

inline constexpr const char* kFieldManager = "certchaos";

// Server-side apply as certchaos, taking over fields other managers hold.
inline kube::ApplyOptions applyAsCertchaos() {
  kube::ApplyOptions options;
  options.fieldManager = kFieldManager;
  options.force = true;
  return options;
}
inline kube::PatchOptions patchAsCertchaos() {
  kube::PatchOptions options;
  options.fieldManager = kFieldManager;
  return options;
}

// --dry-run, as kubectl's: client prints the object that would be sent; server sends it with
// dryRun=All, so that the API server validates, defaults and merges it, and changes nothing.
enum class DryRun { kNone, kClient, kServer };
// "none", "client" or "server"; the error lists them.
Result<DryRun> parseDryRun(const std::string& text);

// What deploy prints: with -o yaml|json the object (without server-set metadata and status, so
// that it can be kept in Git and applied again) on stdout, and the progress lines on stderr.
struct DeployOutput {
  DryRun dryRun = DryRun::kNone;
  std::string format;  // "", "yaml" or "json"
};
// Checks -o (yaml or json, or none).
Result<void> checkDeployFormat(const std::string& format);
// The object as a user would declare it: no status, managedFields, uid, resourceVersion,
// generation or creationTimestamp.
nlohmann::json declarativeObject(nlohmann::json object);

struct IssuerDeployment {
  IssuerFlags flags;
  std::string file;    // -f: a ChaosIssuer / ChaosClusterIssuer in YAML or JSON
  bool optIn = false;  // label the namespace certchaos.io/chaos=enabled
  std::chrono::nanoseconds timeout = std::chrono::minutes(2);
  DeployOutput output;
};

// Validates locally, applies (server-side, field manager certchaos), removes chaos fields it
// does not declare, then waits until Ready at the new generation. Returns the issuer. A dry run
// stops before anything changes and returns (and prints) the object that would result.
Result<nlohmann::json> deployIssuer(const CliContext& cli, const Target& target,
                                    IssuerDeployment deployment);

struct CertificateDeployment {
  std::string name;
  std::string ns;
  std::string issuer;
  std::string issuerKind = "ChaosIssuer";
  std::vector<std::string> dnsNames;
  std::vector<std::string> ipAddresses;
  std::string duration;
  std::string renewBefore;
  std::optional<int> renewBeforePercentage;
  std::string secretName;  // default NAME-tls
  std::string keyAlgorithm;
  std::chrono::nanoseconds timeout = std::chrono::minutes(2);
  DeployOutput output;
};

// The Certificate object (revisionHistoryLimit 10, so a run sees past requests). Usage errors
// have code kUsageError.
Result<nlohmann::json> buildCertificate(const CertificateDeployment& d);
// Applies it and waits until Ready at its generation (fails fast on Issuing=False Failed).
Result<nlohmann::json> deployCertificate(const CliContext& cli, const Target& target,
                                         const CertificateDeployment& deployment);

struct AppDeployment {
  std::string name = "demo-app";
  std::string ns;
  std::string secret;
  bool noReload = false;
  std::string image;   // real clusters and node planes; empty: the image `make images` builds
  bool apply = false;  // real clusters: apply instead of print
  std::chrono::seconds timeout{120};  // node plane: until the pod serves
  DeployOutput output;                // a dry run prints (client) or server-validates the manifest
};

// Local plane: starts certchaos-demo-app as a component and returns its URL. A node plane:
// applies the Deployment + Service and returns the pod's URL once it serves. A real cluster:
// prints (or applies) the manifest and returns "".
Result<std::string> deployApp(const CliContext& cli, const Target& target,
                              const AppDeployment& deployment);

// Exit code for an Error: kExitUsage for flag syntax errors, else kExitError (printed).
int failWith(const CliContext& cli, const Error& error, const std::string& command);

}  // namespace certchaos::cli
