// deploy issuer | certificate | app: what a user needs to try a scenario.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app_choice.h"
#include "certchaos/api/cert_manager.h"
#include "certchaos/api/certchaos_io.h"
#include "certchaos/api/conditions.h"
#include "certchaos/chaos/chaos_spec.h"
#include "certchaos/chaos/request_context.h"
#include "certchaos/common/duration.h"
#include "certchaos/kube/errors.h"
#include "deploy_actions.h"
#include "deploy_trigger.h"
#include "input_checks.h"
#include "output.h"
#include "wait.h"

namespace certchaos::cli {

using nlohmann::json;

namespace {

namespace res {
const kube::ResourceRef kDeployment{"apps", "v1", "deployments", "Deployment", true};
const kube::ResourceRef kService{"", "v1", "services", "Service", true};
const kube::ResourceRef kRole{"rbac.authorization.k8s.io", "v1", "roles", "Role", true};
const kube::ResourceRef kRoleBinding{"rbac.authorization.k8s.io", "v1", "rolebindings",
                                     "RoleBinding", true};
}  // namespace res

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path == "-" ? "/dev/stdin" : path);
  if (!in) {
    return makeError("NotFound", "-f " + path +
                                     ": expected a readable file, found none; check "
                                     "the path");
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string objectName(const json& object) {
  const auto& meta = object["metadata"];
  std::string ns = meta.value("namespace", "");
  return (ns.empty() ? "" : ns + "/") + meta.value("name", "");
}

// Removes, with a merge patch, the chaos fields the applied object leaves out but the live one
// still has (set by another field manager, e.g. kubectl apply): deploy declares the whole chaos.
Result<json> removeUndeclaredChaos(kube::Client& client, const kube::ResourceRef& resource,
                                   const json& applied, const json& live) {
  json nulls = json::object();
  const json& declared = applied["spec"];
  const json liveSpec = live.value("spec", json::object());
  for (const auto& f : chaosFields()) {
    if (!declared.contains(f) && liveSpec.contains(f)) nulls[f] = nullptr;
  }
  if (nulls.empty()) return live;
  const auto& meta = live["metadata"];
  return client.patch(resource, meta.value("namespace", ""), meta.value("name", ""),
                      kube::PatchType::kMerge, {{"spec", nulls}}, patchAsCertchaos());
}

// Where progress lines go: stderr when stdout carries the object (-o yaml|json).
std::ostream& progressStream(const CliContext& cli, const DeployOutput& output) {
  return output.format.empty() ? cli.out() : cli.err();
}

// Prints `object` as -o asks, or kubectl's one line for a dry run without -o.
void printDeployed(const CliContext& cli, const DeployOutput& output, const json& object,
                   const std::string& display, bool existed) {
  if (output.format == "json") {
    cli.out() << declarativeObject(object).dump(2) << "\n";
  } else if (output.format == "yaml") {
    cli.out() << toYaml(declarativeObject(object));
  } else if (output.dryRun != DryRun::kNone) {
    cli.out() << display << (existed ? " configured" : " created") << " (dry run, "
              << (output.dryRun == DryRun::kClient ? "client" : "server") << ")\n";
  }
}

kube::ApplyOptions applyOptionsFor(const DeployOutput& output) {
  auto options = applyAsCertchaos();
  options.dryRun = output.dryRun == DryRun::kServer;
  return options;
}

Result<std::chrono::nanoseconds> parseTimeout(const std::string& text) {
  auto d = parseGoDuration(text);
  if (!d || d->count() <= 0) {
    return makeError(
        kUsageError,
        "--timeout: expected a positive duration such as 90s or 5m, found '" + text + "'");
  }
  return *d;
}

}  // namespace

Result<DryRun> parseDryRun(const std::string& text) {
  if (text == "none") return DryRun::kNone;
  if (text == "client") return DryRun::kClient;
  if (text == "server") return DryRun::kServer;
  return makeError(kUsageError,
                   "--dry-run: expected none, client (print the object that would be sent) or "
                   "server (the API server validates it and changes nothing), found '" +
                       text + "'");
}

Result<void> checkDeployFormat(const std::string& format) {
  if (format.empty() || format == "yaml" || format == "json") return {};
  return makeError(kUsageError, "-o: expected yaml or json, found '" + format +
                                    "'; e.g. -o yaml > issuer.yaml to keep it in Git");
}

json declarativeObject(json object) {
  if (!object.is_object()) return object;
  object.erase("status");
  if (object.contains("metadata") && object["metadata"].is_object()) {
    auto& meta = object["metadata"];
    for (const char* f : {"managedFields", "uid", "resourceVersion", "generation",
                          "creationTimestamp", "selfLink"}) {
      meta.erase(f);
    }
    // kubectl apply's own record of the last applied object is not part of the declaration.
    if (meta.contains("annotations") && meta["annotations"].is_object()) {
      meta["annotations"].erase("kubectl.kubernetes.io/last-applied-configuration");
      if (meta["annotations"].empty()) meta.erase("annotations");
    }
  }
  return object;
}

int failWith(const CliContext& cli, const Error& error, const std::string& command) {
  if (error.code == kUsageError) return cli.usage(error.message, command);
  return cli.fail(error);
}

Result<json> deployIssuer(const CliContext& cli, const Target& target, IssuerDeployment d) {
  auto& flags = d.flags;
  json base = json::object();
  if (!d.file.empty()) {
    auto text = readFile(d.file);
    if (!text) return text.error();
    auto manifest = parseIssuerManifest(*text, "-f " + d.file);
    if (!manifest) return manifest.error();
    base = std::move(manifest->object);
    flags.cluster = flags.cluster || manifest->cluster;
    if (flags.name.empty()) flags.name = manifest->name;
    if (!flags.cluster && !manifest->ns.empty()) {
      // As kubectl: a namespace in the file and another on -n is a mistake, not an override.
      if (!cli.global.ns.empty() && cli.global.ns != manifest->ns) {
        return makeError(kUsageError, "-f " + d.file + ": metadata.namespace is " + manifest->ns +
                                          " but -n says " + cli.global.ns +
                                          "; drop one of them, or make them agree");
      }
      flags.ns = manifest->ns;
    }
  }
  if (flags.name.empty()) {
    return makeError(kUsageError,
                     "expected the issuer's NAME (or -f FILE with metadata.name), "
                     "found neither");
  }
  if (auto valid = checkObjectName(flags.name, "NAME"); !valid) {
    return makeError(kUsageError, valid.error().message);
  }
  const auto& resource = flags.cluster ? api::kChaosClusterIssuer : api::kChaosIssuer;
  const std::string ns = flags.cluster ? "" : flags.ns;
  const std::string kind = flags.cluster ? "ChaosClusterIssuer" : "ChaosIssuer";
  const std::string display = kind + " " + (ns.empty() ? "" : ns + "/") + flags.name;
  auto& client = *target.client;

  json live = nullptr;
  if (auto existing = client.get(resource, ns, flags.name)) {
    live = std::move(*existing);
  } else if (!kube::isNotFound(existing.error())) {
    return existing.error();
  }
  auto object = buildIssuer(flags, std::move(base), live);
  if (!object) return object.error();

  if (auto valid = chaos::validateChaosSpec((*object)["spec"]); !valid) {
    return makeError("InvalidSpec", display + ": the spec is not valid, nothing was applied: " +
                                        valid.error().message +
                                        ". 'certchaos scenarios -o json' lists the scenarios, "
                                        "fault types and their parameters");
  }

  const auto& output = d.output;
  std::ostream& say = progressStream(cli, output);
  if (output.dryRun == DryRun::kClient) {
    printDeployed(cli, output, *object, display, !live.is_null());
    return *object;
  }

  const bool chaos = specHasChaos((*object)["spec"]);
  if (chaos && !flags.cluster && output.dryRun == DryRun::kNone) {
    auto nsObject = client.get(kube::resources::kNamespace, "", ns);
    if (!nsObject) {
      return makeError(nsObject.error().code,
                       "expected namespace " + ns + " to exist: " + nsObject.error().message +
                           "; create it (kubectl create namespace " + ns + ")");
    }
    const auto labels = (*nsObject)["metadata"].value("labels", json::object());
    if (labels.value(api::kChaosNamespaceLabel, "") != api::kChaosNamespaceLabelValue) {
      if (d.optIn) {
        auto patched = client.patch(
            kube::resources::kNamespace, "", ns, kube::PatchType::kMerge,
            {{"metadata",
              {{"labels", {{api::kChaosNamespaceLabel, api::kChaosNamespaceLabelValue}}}}}},
            patchAsCertchaos());
        if (!patched) return patched.error();
        cli.err() << "namespace " << ns << " opted in to chaos (" << api::kChaosNamespaceLabel
                  << "=" << api::kChaosNamespaceLabelValue << ")\n";
      } else {
        cli.err() << "warning: namespace " << ns << " is not labelled " << api::kChaosNamespaceLabel
                  << "=" << api::kChaosNamespaceLabelValue
                  << ", so the issuer injects no chaos there; pass --opt-in or run: kubectl "
                     "label namespace "
                  << ns << " " << api::kChaosNamespaceLabel << "=" << api::kChaosNamespaceLabelValue
                  << "\n";
      }
    }
  }

  auto applied = client.apply(resource, *object, applyOptionsFor(output));
  if (!applied) {
    return makeError(applied.error().code, "applying " + display + ": " + applied.error().message);
  }
  if (output.dryRun == DryRun::kServer) {
    // What the server would keep: the merged object without the chaos fields deploy leaves out
    // (another manager's), checked by the server too with a dry-run update.
    json merged = *applied;
    bool undeclared = false;
    for (const auto& f : chaosFields()) {
      if (!(*object)["spec"].contains(f) && merged["spec"].contains(f)) {
        merged["spec"].erase(f);
        undeclared = true;
      }
    }
    if (undeclared) {
      kube::WriteOptions write;
      write.fieldManager = kFieldManager;
      write.dryRun = true;
      auto updated = client.update(resource, merged, write);
      if (!updated) {
        return makeError(updated.error().code,
                         "dry run of " + display + ": " + updated.error().message);
      }
      merged = std::move(*updated);
    }
    printDeployed(cli, output, merged, display, !live.is_null());
    return merged;
  }
  auto result = removeUndeclaredChaos(client, resource, *object, *applied);
  if (!result) return result.error();
  const auto generation = (*result)["metadata"].value("generation", std::int64_t{0});
  say << (live.is_null() ? "created " : "applied ") << display << " (generation " << generation
      << "): " << describeChaos((*result)["spec"]) << std::endl;

  WaitSpec wait;
  wait.resource = resource;
  wait.ns = ns;
  wait.name = flags.name;
  wait.what = display + " to be Ready at generation " + std::to_string(generation);
  wait.timeout = d.timeout;
  wait.evaluate = [generation](const json* o) {
    if (o != nullptr && (*o)["metadata"].value("generation", std::int64_t{0}) < generation) {
      return WaitState{WaitState::kWaiting, "waiting for generation " + std::to_string(generation)};
    }
    return readyAtGeneration(o, /*falseIsFinal=*/true);
  };
  wait.hint =
      "is certchaos-issuer running? kubectl describe " + kind + " " + flags.name +
      (ns.empty() ? "" : " -n " + ns) +
      (target.local() ? "; its log: " + cli.global.stateDir + "/logs/certchaos-issuer.log" : "");
  auto ready = waitFor(client, wait, cli.err(), isTerminal(2));
  if (!ready) return ready.error();
  const auto status = ready->value("status", json::object());
  const std::string faults = status.contains("faults") && status["faults"].is_string()
                                 ? status["faults"].get<std::string>()
                                 : describeChaos(ready->value("spec", json::object()));
  say << display << " is Ready at generation "
      << (*ready)["metadata"].value("generation", std::int64_t{0}) << ": chaos " << faults
      << std::endl;
  printDeployed(cli, output, *ready, display, true);
  return *ready;
}

Result<json> buildCertificate(const CertificateDeployment& d) {
  if (d.dnsNames.empty() && d.ipAddresses.empty()) {
    return makeError(kUsageError, "expected at least one --dns NAME or --ip IP, found none");
  }
  for (const auto& dns : d.dnsNames) {
    if (auto valid = checkDnsName(dns, "--dns"); !valid) {
      return makeError(kUsageError, valid.error().message);
    }
  }
  for (const auto& ip : d.ipAddresses) {
    if (auto valid = checkIpAddress(ip, "--ip"); !valid) {
      return makeError(kUsageError, valid.error().message);
    }
  }
  if (auto valid = checkObjectName(d.name, "NAME"); !valid) {
    return makeError(kUsageError, valid.error().message);
  }
  if (!d.secretName.empty()) {
    if (auto valid = checkObjectName(d.secretName, "--secret"); !valid) {
      return makeError(kUsageError, valid.error().message);
    }
  }
  json spec = {{"secretName", d.secretName.empty() ? d.name + "-tls" : d.secretName},
               {"revisionHistoryLimit", 10}};
  const bool chaosKind = d.issuerKind == "ChaosIssuer" || d.issuerKind == "ChaosClusterIssuer";
  if (!chaosKind && d.issuerKind != "Issuer" && d.issuerKind != "ClusterIssuer") {
    return makeError(kUsageError,
                     "--issuer-kind: expected ChaosIssuer, ChaosClusterIssuer, "
                     "Issuer or ClusterIssuer, found '" +
                         d.issuerKind + "'");
  }
  spec["issuerRef"] = {{"name", d.issuer},
                       {"kind", d.issuerKind},
                       {"group", chaosKind ? "certchaos.io" : "cert-manager.io"}};
  if (!d.dnsNames.empty()) {
    spec["dnsNames"] = d.dnsNames;
    spec["commonName"] = d.dnsNames.front();
  }
  if (!d.ipAddresses.empty()) spec["ipAddresses"] = d.ipAddresses;
  auto duration = [](const std::string& flag, const std::string& text) -> Result<std::string> {
    auto parsed = parseGoDuration(text);
    if (!parsed || parsed->count() <= 0) {
      return makeError(kUsageError, flag +
                                        ": expected a positive duration such as 1h or 2160h, "
                                        "found '" +
                                        text + "'");
    }
    return formatGoDuration(*parsed);
  };
  if (!d.duration.empty()) {
    auto v = duration("--duration", d.duration);
    if (!v) return v.error();
    spec["duration"] = *v;
  }
  if (!d.renewBefore.empty()) {
    auto v = duration("--renew-before", d.renewBefore);
    if (!v) return v.error();
    spec["renewBefore"] = *v;
  }
  if (d.renewBeforePercentage) spec["renewBeforePercentage"] = *d.renewBeforePercentage;
  if (!d.keyAlgorithm.empty()) {
    if (d.keyAlgorithm != "RSA" && d.keyAlgorithm != "ECDSA" && d.keyAlgorithm != "Ed25519") {
      return makeError(kUsageError, "--key-algorithm: expected RSA, ECDSA or Ed25519, found '" +
                                        d.keyAlgorithm + "'");
    }
    spec["privateKey"] = {{"algorithm", d.keyAlgorithm}};
  }
  return json{{"apiVersion", "cert-manager.io/v1"},
              {"kind", "Certificate"},
              {"metadata", {{"name", d.name}, {"namespace", d.ns}}},
              {"spec", spec}};
}

Result<json> deployCertificate(const CliContext& cli, const Target& target,
                               const CertificateDeployment& d) {
  auto object = buildCertificate(d);
  if (!object) return object.error();
  const auto& resource = api::kCertificate;
  const std::string display = "Certificate " + d.ns + "/" + d.name;
  std::ostream& say = progressStream(cli, d.output);
  bool existed = false;
  if (d.output.dryRun != DryRun::kNone) {
    auto live = target.client->get(resource, d.ns, d.name);
    if (!live && !kube::isNotFound(live.error())) return live.error();
    existed = live.ok();
  }
  if (d.output.dryRun == DryRun::kClient) {
    printDeployed(cli, d.output, *object, display, existed);
    return *object;
  }
  auto applied = target.client->apply(resource, *object, applyOptionsFor(d.output));
  if (!applied) {
    return makeError(applied.error().code, "applying " + display + ": " + applied.error().message);
  }
  if (d.output.dryRun == DryRun::kServer) {
    printDeployed(cli, d.output, *applied, display, existed);
    return *applied;
  }
  const auto generation = (*applied)["metadata"].value("generation", std::int64_t{0});
  say << "applied " << display << " (generation " << generation << "), issuer " << d.issuerKind
      << " " << d.issuer << ", Secret " << (*object)["spec"]["secretName"].get<std::string>()
      << std::endl;
  WaitSpec wait;
  wait.resource = resource;
  wait.ns = d.ns;
  wait.name = d.name;
  wait.what = display + " to be Ready at generation " + std::to_string(generation);
  wait.timeout = d.timeout;
  wait.evaluate = [generation](const json* o) {
    if (o == nullptr) return WaitState{WaitState::kWaiting, "not found"};
    const auto current = (*o)["metadata"].value("generation", std::int64_t{0});
    if (current < generation) return WaitState{WaitState::kWaiting, "waiting for its generation"};
    auto state = readyAtGeneration(o, /*falseIsFinal=*/false);
    const auto* issuing = api::findCondition(*o, "Issuing");
    // Seen on the plane: Ready=True ("up to date") for a moment while Issuing=True says the
    // Secret does not exist yet. Ready means issued: no issuance in progress.
    const bool issuingNow = issuing != nullptr && issuing->value("status", "") == "True";
    if (state.kind == WaitState::kDone && !issuingNow) return state;
    // A failed request: cert-manager backs off (1 h by default) before the next try.
    if (issuing != nullptr && issuing->value("status", "") == "False" &&
        issuing->value("reason", "") == "Failed" &&
        issuing->value("observedGeneration", current) == current) {
      return WaitState{WaitState::kFailed, describeCondition(*o, "Issuing")};
    }
    if (issuing != nullptr && issuing->value("status", "") == "True") {
      return WaitState{WaitState::kWaiting, "issuing: " + describeCondition(*o, "Issuing")};
    }
    return state;
  };
  wait.hint = "kubectl describe certificate " + d.name + " -n " + d.ns +
              " and its CertificateRequests (kubectl get certificaterequests -n " + d.ns + ")";
  auto ready = waitFor(*target.client, wait, cli.err(), isTerminal(2));
  if (!ready) return ready.error();
  const auto status = ready->value("status", json::object());
  say << display << " is Ready: notAfter " << status.value("notAfter", "?") << ", renewal at "
      << status.value("renewalTime", "?") << ", revision " << status.value("revision", 0)
      << std::endl;
  printDeployed(cli, d.output, *ready, display, true);
  return *ready;
}

Result<std::string> deployApp(const CliContext& cli, const Target& target, const AppDeployment& d) {
  auto& client = *target.client;
  if (auto secret = client.get(kube::resources::kSecret, d.ns, d.secret); !secret) {
    if (!kube::isNotFound(secret.error())) return secret.error();
    cli.err() << "note: Secret " << d.ns << "/" << d.secret
              << " does not exist yet; the app serves it once cert-manager writes it\n";
  }
  const bool nodePlane = target.local() && target.plane->node.has_value();
  if (target.local() && !nodePlane && d.output.dryRun == DryRun::kNone) {
    const std::string binary = selfDir() + "/certchaos-demo-app";
    std::error_code ec;
    if (!std::filesystem::exists(binary, ec)) {
      return makeError("NotFound", "expected certchaos-demo-app next to certchaos (" + binary +
                                       "), found none; build it (make build)");
    }
    const std::string addressFile = cli.global.stateDir + "/" + d.name + ".address.json";
    std::vector<std::string> argv = {binary,
                                     "--kubeconfig=" + target.plane->kubeconfigPath,
                                     "--namespace=" + d.ns,
                                     "--secret=" + d.secret,
                                     "--listen=127.0.0.1:0",
                                     "--address-file=" + addressFile};
    if (d.noReload) argv.push_back("--no-reload");
    localcluster::LocalCluster plane(cli.global.stateDir);
    std::ostringstream log;
    auto component = plane.addComponent(d.name, argv, addressFile, "https", log);
    if (!component) return component.error();
    cli.out() << d.name << " serves Secret " << d.ns << "/" << d.secret << " at " << component->url
              << (d.noReload ? " (--no-reload)" : "") << "\n  log: " << component->logPath << "\n";
    return component->url;
  }

  const std::string deploy = deployDir();
  auto text = readFile(deploy + "/manifests/demo-app.yaml");
  if (deploy.empty() || !text) {
    return makeError("NotFound",
                     "expected deploy/manifests/demo-app.yaml next to certchaos, "
                     "found none; run from a build tree or an installed share dir");
  }
  std::string manifest = *text;
  const std::string image =
      d.image.empty() ? std::string("ghcr.io/certchaos/certchaos-demo-app:") + CERTCHAOS_IMAGE_TAG
                      : d.image;
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"${NAME}", d.name},
                                   {"${NAMESPACE}", d.ns},
                                   {"${SECRET}", d.secret},
                                   {"${IMAGE}", image}}) {
    for (auto at = manifest.find(key); at != std::string::npos; at = manifest.find(key, at)) {
      manifest.replace(at, key.size(), value);
      at += value.size();
    }
  }
  auto documents = yamlDocumentsToJson(manifest, "demo-app.yaml");
  if (!documents) return documents.error();
  for (auto& doc : *documents) {
    if (doc.value("kind", "") == "Deployment" && d.noReload) {
      doc["spec"]["template"]["spec"]["containers"][0]["args"].push_back("--no-reload");
    }
    // A node plane has no registry: its images were imported by up, and a missing one must show
    // as ErrImageNeverPull at once, not as a pull from the network.
    if (doc.value("kind", "") == "Deployment" && nodePlane) {
      doc["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Never";
    }
  }
  // A node plane runs it as a pod from the image it imported: apply, as on a real cluster.
  if (d.output.dryRun == DryRun::kClient ||
      (!d.apply && !nodePlane && d.output.dryRun == DryRun::kNone)) {
    for (const auto& doc : *documents) {
      if (d.output.format == "json") {
        cli.out() << doc.dump(2) << "\n";
      } else {
        cli.out() << "---\n" << toYaml(doc);
      }
    }
    if (d.output.dryRun == DryRun::kClient) return std::string();
    cli.err() << "# a real cluster: this is the manifest of the demo app; apply it with "
                 "'kubectl apply -f -' or pass --apply (image "
              << image << ")\n";
    return std::string();
  }
  for (const auto& doc : *documents) {
    const std::string kind = doc.value("kind", "");
    const kube::ResourceRef* resource = kind == "Deployment"    ? &res::kDeployment
                                        : kind == "Service"     ? &res::kService
                                        : kind == "Role"        ? &res::kRole
                                        : kind == "RoleBinding" ? &res::kRoleBinding
                                        : kind == "ServiceAccount"
                                            ? &kube::resources::kServiceAccount
                                            : nullptr;
    if (resource == nullptr) continue;
    auto applied = client.apply(*resource, doc, applyOptionsFor(d.output));
    if (!applied) {
      return makeError(applied.error().code,
                       "applying " + kind + " " + objectName(doc) + ": " + applied.error().message);
    }
    if (d.output.dryRun == DryRun::kServer) {
      if (d.output.format.empty()) {
        cli.out() << kind << " " << objectName(doc) << " applied (dry run, server)\n";
      } else {
        if (d.output.format == "yaml") cli.out() << "---\n";
        printDeployed(cli, d.output, *applied, kind + " " + objectName(doc), true);
      }
      continue;
    }
    progressStream(cli, d.output) << "applied " << kind << " " << objectName(doc) << "\n";
  }
  if (d.output.dryRun == DryRun::kServer) return std::string();
  progressStream(cli, d.output) << "the app serves https on Service " << d.ns << "/" << d.name
                                << ":443\n";
  if (!nodePlane) return std::string();
  // On the node plane this machine reaches the pod network: wait for the pod (failing at once on
  // an image the node lacks) and give its address, which the runner probes.
  auto available = localcluster::waitForDeployments(target.plane->controlplaneDir + "/bin/kubectl",
                                                    target.plane->kubeconfigPath, d.ns, d.timeout,
                                                    progressStream(cli, d.output));
  if (!available) return available.error();
  auto pods = appPodsServing(client, d.ns, d.secret);
  if (!pods) return pods.error();
  for (const auto& pod : *pods) {
    if (pod.name.rfind(d.name + "-", 0) != 0) continue;
    cli.out() << d.name << " serves Secret " << d.ns << "/" << d.secret << " at " << pod.url
              << " (pod " << pod.name << ")\n";
    return pod.url;
  }
  return makeError("NotFound", "expected a running pod of Deployment " + d.ns + "/" + d.name +
                                   " with an address, found none; kubectl get pods -n " + d.ns);
}

namespace {

// --dry-run and -o, the same on every deploy command.
struct OutputFlags {
  std::string dryRun = "none";
  std::string format;
};

void addOutputFlags(CLI::App* command, OutputFlags& flags) {
  command
      ->add_option("--dry-run", flags.dryRun,
                   "none, client (print the object, send nothing) or server (the API server "
                   "validates and merges it, nothing is stored)")
      ->capture_default_str();
  command->add_option("-o,--output", flags.format,
                      "yaml or json: print the object (without server-set fields), e.g. to keep "
                      "it in Git");
}

Result<DeployOutput> resolveOutput(const OutputFlags& flags) {
  auto dryRun = parseDryRun(flags.dryRun);
  if (!dryRun) return dryRun.error();
  if (auto format = checkDeployFormat(flags.format); !format) return format.error();
  return DeployOutput{*dryRun, flags.format};
}

}  // namespace

void addDeployCommands(CLI::App& app, CliContext& cli) {
  auto* deploy = app.add_subcommand("deploy",
                                    "create or update a ChaosIssuer, a Certificate or "
                                    "the demo app, and wait until it is ready");
  deploy->require_subcommand(1);
  deploy->fallthrough();
  setExamples(deploy,
              "  certchaos deploy issuer demo-issuer -n demo --scenario 3 --set delay=1h\n"
              "  certchaos deploy certificate demo -n demo --issuer demo-issuer --dns demo.local\n"
              "  certchaos deploy app -n demo --secret demo-tls\n");

  // deploy issuer
  struct IssuerOpts {
    IssuerDeployment d;
    std::string scenario, ttl, timeout = "2m";
    std::string seed, timeScale;  // checked by parseSeed / parseTimeScale
    CLI::Option *scenarioOpt = nullptr, *seedOpt = nullptr, *ttlOpt = nullptr, *scaleOpt = nullptr;
    OutputFlags output;
    TriggerFlags trigger;
  };
  auto io = std::make_shared<IssuerOpts>();
  auto* issuer = deploy->add_subcommand(
      "issuer",
      "create or update a ChaosIssuer (server-side apply) and wait until it is Ready "
      "at its new generation");
  issuer->add_option("NAME", io->d.flags.name, "the issuer's name (or metadata.name of -f)");
  issuer->add_flag("--cluster", io->d.flags.cluster, "a ChaosClusterIssuer (cluster-scoped)");
  io->scenarioOpt = issuer->add_option(
      "--scenario", io->scenario,
      "scenario number or name (certchaos scenarios); healthy, none or 0 clears the chaos");
  repeatable(issuer->add_option("--set", io->d.flags.sets,
                                "a knob of the scenario, KEY=VALUE (repeatable)"));
  repeatable(
      issuer->add_option("--fault", io->d.flags.faults,
                         "an explicit fault, TYPE[:KEY=VALUE,...] with probability= and seed= "
                         "(repeatable)"));
  io->seedOpt =
      issuer->add_option("--seed", io->seed, "seed of every probabilistic choice (0 to 2^63-1)");
  io->ttlOpt = issuer->add_option("--ttl", io->ttl,
                                  "after this wall time the issuer reverts to healthy (e.g. 30m)");
  io->scaleOpt = issuer->add_option("--time-scale", io->timeScale,
                                    "divide every duration of the scenario (and issued "
                                    "lifetimes) by N, a whole number >= 1");
  issuer->add_option("--ca-secret", io->d.flags.caSecret,
                     "sign with the CA in this Secret (tls.crt/tls.key); default: keep the "
                     "issuer's CA, or selfSigned for a new issuer");
  issuer->add_option("-f,--filename", io->d.file,
                     "a ChaosIssuer or ChaosClusterIssuer in YAML or JSON ('-' for stdin); "
                     "flags override its fields");
  issuer->add_flag("--opt-in", io->d.optIn,
                   "label the namespace certchaos.io/chaos=enabled (chaos applies only there)");
  issuer->add_option("--timeout", io->timeout, "how long to wait for Ready")->capture_default_str();
  addOutputFlags(issuer, io->output);
  issuer->add_flag("--no-run", io->trigger.noRun,
                   "deploy the issuer only: create no ChaosRun for its scenario");
  issuer->add_option("--certificate", io->trigger.certificate,
                     "the ChaosRun's Certificate under test (default: the only one in the "
                     "namespace that the issuer issues)");
  issuer->add_option("--app", io->trigger.app,
                     "the ChaosRun's application URL to probe (default: the local demo app "
                     "serving the Certificate's Secret)");
  issuer->add_option("--run-timeout", io->trigger.timeout, "the ChaosRun's wall-clock limit")
      ->capture_default_str();
  issuer->add_flag("--at-renewal-time", io->trigger.atRenewalTime,
                   "the ChaosRun forces the renewal at the Certificate's renewal time");
  issuer->add_flag("--wait", io->trigger.wait,
                   "follow the armed ChaosRun until it ends; the exit code follows its verdict "
                   "as 'certchaos run' gives it");
  setExamples(issuer,
              "  certchaos deploy issuer demo-issuer -n demo --scenario 3 --set delay=1h --opt-in\n"
              "  certchaos deploy issuer demo-issuer -n demo --scenario 3 --set delay=1h --wait\n"
              "  certchaos deploy issuer demo-issuer -n demo --scenario healthy\n"
              "  certchaos deploy issuer ci --cluster --fault fail-transient:attempts=2 --seed 7\n"
              "  certchaos deploy issuer -f examples/scenarios/03-sleep.yaml --timeout 5m\n"
              "  certchaos deploy issuer ca -n demo --scenario sleep --set delay=1h "
              "--dry-run=server -o yaml > ca.yaml\n");
  issuer->callback([&cli, io] {
    cli.action = [&cli, io] {
      auto d = io->d;
      if (io->scenarioOpt->count() > 0) d.flags.scenario = io->scenario;
      if (io->seedOpt->count() > 0) {
        auto seed = parseSeed(io->seed, "--seed");
        if (!seed) return cli.usage(seed.error().message, "deploy issuer");
        d.flags.seed = *seed;
      }
      if (io->ttlOpt->count() > 0) d.flags.ttl = io->ttl;
      if (io->scaleOpt->count() > 0) {
        auto scale = parseTimeScale(io->timeScale, "--time-scale", /*fractional=*/false);
        if (!scale) return cli.usage(scale.error().message, "deploy issuer");
        d.flags.timeScale = static_cast<std::int64_t>(*scale);
      }
      auto timeout = parseTimeout(io->timeout);
      if (!timeout) return failWith(cli, timeout.error(), "deploy issuer");
      d.timeout = *timeout;
      auto output = resolveOutput(io->output);
      if (!output) return failWith(cli, output.error(), "deploy issuer");
      d.output = *output;
      // Flag syntax (--set, --fault) before contacting any cluster.
      if (auto flagsOnly = buildIssuer(d.flags, json::object(), nullptr);
          !flagsOnly && flagsOnly.error().code == kUsageError) {
        return cli.usage(flagsOnly.error().message, "deploy issuer");
      }
      auto target = cli.connect();
      if (!target) return cli.fail(target.error());
      d.flags.ns = target->ns;
      // With a scenario, a ChaosRun is armed beside the issuer (the original trigger).
      auto run = deployIssuerWithRun(cli, *target, d, io->trigger);
      if (!run) return failWith(cli, run.error(), "deploy issuer");
      if (!io->trigger.wait) return kExitOk;
      if (run->empty()) {
        return cli.usage(
            "--wait: no ChaosRun was armed (see the note above), so there is no run "
            "to wait for",
            "deploy issuer");
      }
      auto runTimeout = parseGoDuration(io->trigger.timeout);
      // The run's own limit, plus its start conditions (a renewal time at the latest).
      auto ended = waitForRunEnd(cli, *target->client, d.flags.ns, *run,
                                 *runTimeout + std::chrono::minutes(10));
      if (!ended) return cli.fail(ended.error());
      const json status = ended->value("status", json::object());
      cli.err() << "ChaosRun " << d.flags.ns << "/" << *run << " " << status.value("phase", "")
                << ", verdict " << status.value("verdict", "none") << ": "
                << status.value("summary", status.value("message", "")) << "\n"
                << "its report: certchaos report show " << *run << " -n " << d.flags.ns << "\n";
      return exitCodeOfRun(*ended);
    };
  });

  // deploy certificate
  struct CertOpts {
    CertificateDeployment d;
    int percentage = 0;
    CLI::Option* percentageOpt = nullptr;
    std::string timeout = "2m";
    OutputFlags output;
  };
  auto co = std::make_shared<CertOpts>();
  auto* cert = deploy->add_subcommand(
      "certificate", "create or update a cert-manager Certificate and wait until it is Ready");
  cert->add_option("NAME", co->d.name, "the Certificate's name")->required();
  cert->add_option("--issuer", co->d.issuer, "the issuer's name")->required();
  cert->add_option("--issuer-kind", co->d.issuerKind,
                   "ChaosIssuer, ChaosClusterIssuer, Issuer or ClusterIssuer")
      ->capture_default_str();
  repeatable(cert->add_option("--dns", co->d.dnsNames, "a DNS name (repeatable)"));
  repeatable(cert->add_option("--ip", co->d.ipAddresses, "an IP address (repeatable)"));
  cert->add_option("--duration", co->d.duration, "requested lifetime, e.g. 1h or 2160h");
  auto* renewBefore =
      cert->add_option("--renew-before", co->d.renewBefore, "renew this long before notAfter");
  co->percentageOpt = cert->add_option("--renew-before-percentage", co->percentage,
                                       "renew when this % of the lifetime is left")
                          ->check(CLI::Range(1, 99));
  co->percentageOpt->excludes(renewBefore);
  cert->add_option("--secret", co->d.secretName, "the Secret to store it in (default NAME-tls)");
  cert->add_option("--key-algorithm", co->d.keyAlgorithm, "RSA, ECDSA or Ed25519");
  cert->add_option("--timeout", co->timeout, "how long to wait for Ready")->capture_default_str();
  addOutputFlags(cert, co->output);
  setExamples(
      cert,
      "  certchaos deploy certificate demo -n demo --issuer demo-issuer --dns demo.local \\\n"
      "      --duration 1h --renew-before-percentage 50\n"
      "  certchaos deploy certificate api -n demo --issuer ca --issuer-kind "
      "ChaosClusterIssuer --dns api.local --ip 127.0.0.1 --key-algorithm ECDSA\n"
      "  certchaos deploy certificate web -n demo --issuer ca --dns web.local --dry-run=client "
      "-o yaml\n");
  cert->callback([&cli, co] {
    cli.action = [&cli, co] {
      auto d = co->d;
      if (co->percentageOpt->count() > 0) d.renewBeforePercentage = co->percentage;
      auto timeout = parseTimeout(co->timeout);
      if (!timeout) return failWith(cli, timeout.error(), "deploy certificate");
      d.timeout = *timeout;
      auto output = resolveOutput(co->output);
      if (!output) return failWith(cli, output.error(), "deploy certificate");
      d.output = *output;
      if (auto object = buildCertificate(d); !object) {
        return failWith(cli, object.error(), "deploy certificate");
      }
      auto target = cli.connect();
      if (!target) return cli.fail(target.error());
      d.ns = target->ns;
      auto r = deployCertificate(cli, *target, d);
      return r ? kExitOk : failWith(cli, r.error(), "deploy certificate");
    };
  });

  // deploy app
  auto ao = std::make_shared<AppDeployment>();
  auto appOutput = std::make_shared<OutputFlags>();
  auto* appCmd = deploy->add_subcommand(
      "app",
      "run the demo HTTPS app on a Secret: a process of the local plane, a pod on a node "
      "plane (up --node), or a manifest for a real cluster");
  appCmd->add_option("--secret", ao->secret, "the Secret with tls.crt and tls.key")->required();
  appCmd->add_option("--name", ao->name, "the app's name")->capture_default_str();
  appCmd->add_flag("--no-reload", ao->noReload,
                   "keep serving the first certificate (the 'renewed but not loaded' bug)");
  appCmd->add_option("--image", ao->image,
                     std::string("container image (real clusters and node planes; default "
                                 "ghcr.io/certchaos/certchaos-demo-app:") +
                         CERTCHAOS_IMAGE_TAG + ", which 'make images' builds)");
  appCmd->add_flag("--apply", ao->apply, "real clusters: apply the manifest instead of printing");
  addOutputFlags(appCmd, *appOutput);
  setExamples(
      appCmd,
      "  certchaos deploy app -n demo --secret demo-tls          # prints its https:// URL\n"
      "  certchaos deploy app -n demo --secret demo-tls --no-reload --name stale-app\n"
      "  certchaos --kubeconfig ~/.kube/prod deploy app -n demo --secret demo-tls | "
      "kubectl apply -f -\n"
      "  certchaos deploy app -n demo --secret demo-tls --dry-run=server -o yaml\n");
  appCmd->callback([&cli, ao, appOutput] {
    cli.action = [&cli, ao, appOutput] {
      auto output = resolveOutput(*appOutput);
      if (!output) return failWith(cli, output.error(), "deploy app");
      auto target = cli.connect();
      if (!target) return cli.fail(target.error());
      auto d = *ao;
      d.ns = target->ns;
      d.output = *output;
      auto r = deployApp(cli, *target, d);
      return r ? kExitOk : failWith(cli, r.error(), "deploy app");
    };
  });
}

}  // namespace certchaos::cli
