// Which application a run probes when --app is not given: the one demo app of the local plane
// that serves the Certificate's Secret. With several (say one reloading, one --no-reload), any
// pick could judge the wrong one, so the run refuses and lists them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "certchaos/common/result.h"
#include "certchaos/kube/client.h"
#include "certchaos/localcluster/local_cluster.h"

namespace certchaos::cli {

struct ServingApp {
  std::string name;     // the plane's component name ("demo-app"), or the pod's
  std::string url;      // https://127.0.0.1:PORT
  std::string logPath;  // "" for a pod (its log comes through pods/log)
  bool reloads = true;  // false when started with --no-reload
  std::string appName;  // a pod's app.kubernetes.io/name (its Deployment, `deploy app --name`)
};

// The local plane's apps (deploy app) that serve Secret ns/secret, in start order.
std::vector<ServingApp> appsServing(const localcluster::ClusterState& plane, const std::string& ns,
                                    const std::string& secret);

// A node plane's (or any cluster's) demo-app pods in `ns` that serve `secret` and run with an
// address (deploy/manifests/demo-app.yaml: label app.kubernetes.io/part-of=certchaos, --secret=),
// each as https://POD_IP:8443 — reachable from this machine on the node plane.
Result<std::vector<ServingApp>> appPodsServing(kube::Client& client, const std::string& ns,
                                               const std::string& secret);

// The app a run probes and whose log it collects. With `appFlag` (--app): the local app at that
// URL, if one is (nullopt otherwise: a URL outside the plane). Without: the only app serving
// `secretObject`, nullopt when none does, an error (code "Usage") naming each one when several do.
Result<std::optional<ServingApp>> chooseApp(const std::vector<ServingApp>& serving,
                                            const std::string& appFlag,
                                            const std::string& secretObject);

}  // namespace certchaos::cli
