// What `certchaos up --node` adds to the local plane so that everything can run as pods: a bridge
// network the plane creates (pods and the API server meet on it; nothing leaves the machine), a
// cgroup root of its own, containerd + runc with the CNI bridge plugin, kubelet and kube-proxy
// (with kube-scheduler and kube-controller-manager, which Deployments need). This file holds the
// host-side pieces: the checks before anything starts, the configuration files, and the clean-up
// that `down` runs so that no container, mount, network device, iptables rule or cgroup is left.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "certchaos/common/result.h"

namespace certchaos::localcluster {

// Recorded in the plane's state: what `down` must remove.
struct NodeState {
  std::string name;        // the Node object's name
  std::string bridge;      // the Linux bridge the plane created, e.g. "cchaos77"
  std::string subnet;      // the pods' subnet on it, e.g. "10.244.77.0/24"
  std::string gateway;     // the bridge's address: the API server and the kubelet listen here
  std::string cgroupRoot;  // the kubelet's --cgroup-root in every cgroup v1 hierarchy
  std::string dir;         // stateDir/node: configs, containerd's root and state, kubelet's root
  std::string containerdSocket() const { return dir + "/containerd.sock"; }
  std::string containerdConfig() const { return dir + "/containerd.toml"; }
  std::string cniConfigDir() const { return dir + "/cni"; }
  std::string kubeletConfig() const { return dir + "/kubelet.yaml"; }
  std::string kubeletRoot() const { return dir + "/kubelet"; }
};

// The images a node plane imports into containerd (oci-archives from `make images`), by file name
// in the images directory; the pause image is the pod sandbox.
inline constexpr const char* kNodeImages[] = {"certchaos-issuer.tar", "certchaos-demo-app.tar",
                                              "certchaos.tar", "certchaos-cm-controller.tar",
                                              "certchaos-pause.tar"};
inline constexpr const char* kPauseImageFile = "certchaos-pause.tar";

struct NodeHostCheck {
  std::string controlplaneBin;  // holds kubelet, kube-proxy, kube-scheduler,
                                // kube-controller-manager, crictl (make node)
  std::string imagesDir;        // holds kNodeImages (make images)
  std::string cniBinDir = "/usr/lib/cni";
  std::string cgroupFs = "/sys/fs/cgroup";
};

// Everything the node needs from the machine, checked before anything starts: root, cgroup v1
// hierarchies it can create groups in, network namespaces, containerd/runc/CNI plugins/iptables,
// the node binaries and images, and no other Kubernetes node's iptables chains. The error names
// what is missing and how to get it.
Result<void> checkNodeHost(const NodeHostCheck& check);

// A /24 for the pods that no address or route of the machine overlaps, its bridge and cgroup root
// names (unique per subnet, so two planes never share them).
Result<NodeState> planNode(const std::string& stateDir);

// Creates (or, after a reboot, creates again) the bridge with the gateway address, up, and the
// cgroup root in every hierarchy. Idempotent.
Result<void> prepareNodeHost(const NodeState& node, const std::string& cgroupFs = "/sys/fs/cgroup");

struct NodePorts {
  int kubelet = 0;         // on the gateway address (the API server reaches it for pods/log)
  int kubeletHealthz = 0;  // loopback
  int proxyHealthz = 0;    // loopback
  int proxyMetrics = 0;    // loopback
};

// containerd's config (CRI with runc, cgroupfs, the pause image, the CNI config dir), the CNI
// bridge conflist and the KubeletConfiguration.
Result<void> writeNodeConfigs(const NodeState& node, const NodePorts& ports,
                              const std::string& clientCaFile, const std::string& pauseImage);

// The image reference (repository:tag) an oci-archive holds, from its index.json annotation.
Result<std::string> imageReferenceOf(const std::string& archive);

// Imports each image archive into containerd's k8s.io namespace.
Result<void> importNodeImages(const NodeState& node, const std::string& imagesDir,
                              std::ostream& out);

// Stops and removes every pod sandbox through the CRI (containerd tears down their network
// namespaces, veths, mounts and tasks). containerd must run.
Result<void> removeAllPods(const NodeState& node, const std::string& crictl, std::ostream& out);

// After every process of the node stopped: kills leftover containerd shims of this node,
// unmounts what is mounted under the node's directory, removes kube-proxy's and the kubelet's
// iptables chains, the bridge and the cgroup root. Best effort: goes on past a failure and
// returns the first one, naming what was left.
Result<void> cleanUpNodeHost(const NodeState& node, const std::string& kubeProxy, std::ostream& out,
                             const std::string& cgroupFs = "/sys/fs/cgroup");

// Waits until every Deployment in `namespace` has all its replicas available. Fails at once, naming
// the pod, container and reason, when a pod cannot start (an image missing from the node, a
// crash loop, a bad config) instead of waiting out the timeout.
Result<void> waitForDeployments(const std::string& kubectl, const std::string& kubeconfig,
                                const std::string& ns, std::chrono::seconds timeout,
                                std::ostream& out);

// What of a node is still on the machine (for `down`'s check and the tests): processes naming the
// node directory, mounts under it, the bridge, KUBE-/CNI- iptables chains, the cgroup root. Empty
// when nothing is.
std::vector<std::string> nodeLeftovers(const NodeState& node,
                                       const std::string& cgroupFs = "/sys/fs/cgroup");

}  // namespace certchaos::localcluster
