#!/usr/bin/env bash
# Renders cert-manager's controllers as a pod for a plane with a node: one YAML file to
# `kubectl apply --server-side`:
#
#   scripts/cert-manager-manifest.sh CONTROLPLANE_DIR OUT.yaml [CM_CONTROLLER_ARG...]
#
# - the Namespace cert-manager (restricted Pod Security Standard, enforced);
# - the ServiceAccount cert-manager and the RBAC that cert-manager's own Helm chart grants its
#   controller (templates/serviceaccount.yaml and templates/rbac.yaml), rendered by the plane's
#   helm from the chart inside the pinned cert-manager Go module (controlplane/go.mod), never
#   copied: a cert-manager bump brings its RBAC along. Its chart version is set to the module's,
#   as cert-manager's release does, so the objects carry app.kubernetes.io/version of the module;
# - a Deployment cert-manager of the image certchaos-cm-controller (scripts/images.sh) under that
#   ServiceAccount, in-cluster config, labelled as the chart labels its controller, with the
#   chart's ports (9402 metrics, 9403 health), a readiness probe on /readyz (informer caches
#   synced) and a liveness probe on /healthz. CM_CONTROLLER_ARGs are appended to its arguments
#   (e.g. --certificate-request-minimum-backoff-duration=1m);
# - deploy/cert-manager/approval-policy.yaml: the check cert-manager's webhook makes on approval
#   (the plane runs no webhook), so that approving a request takes the `approve` verb on its
#   issuer's signers, as on a real cluster.
#
# What lets cert-manager approve requests for our issuer kinds is not here: deploy/rbac/30 binds
# it to this ServiceAccount, as on any cluster with cert-manager.
#
# Environment: IMAGE_PREFIX and IMAGE_TAG as scripts/images.sh (default ghcr.io/certchaos and the
# project version of CMakeLists.txt); CLUSTER_RESOURCE_NAMESPACE (default kube-system, as the
# plane's local cm-controller: where the Secrets of cert-manager's ClusterIssuers are read).
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/.." && pwd)

die() {
  echo "cert-manager-manifest: $*" >&2
  exit 1
}

if [ $# -lt 2 ]; then
  echo "usage: scripts/cert-manager-manifest.sh CONTROLPLANE_DIR OUT.yaml [CM_CONTROLLER_ARG...]" >&2
  echo "  CONTROLPLANE_DIR: the control plane's build, with bin/helm (make controlplane:" >&2
  echo "    ~/.cache/certchaos/controlplane/current)" >&2
  echo "  OUT.yaml: the manifest to write (Namespace, ServiceAccount, cert-manager's RBAC, Deployment)" >&2
  exit 2
fi
controlplane=$1
out=$2
shift 2
extra_args=("$@")

helm=$controlplane/bin/helm
[ -x "$helm" ] ||
  die "expected helm at '$helm', found none: run 'make controlplane' (it builds helm) or pass the plane's directory"
command -v go >/dev/null ||
  die "expected go on PATH to find the pinned cert-manager module, found none: run 'make deps'"

# The chart inside the module that controlplane/go.mod pins (the one cm-controller is built from).
module=$(cd "$repo/controlplane" &&
  GOFLAGS=-mod=readonly go list -m -f '{{.Dir}} {{.Version}}' github.com/cert-manager/cert-manager 2>&1) ||
  die "could not locate the cert-manager module of controlplane/go.mod: $module (run 'make controlplane' first: it downloads it)"
read -r module_dir module_version <<<"$module"
chart=$module_dir/deploy/charts/cert-manager
[ -f "$chart/templates/rbac.yaml" ] ||
  die "expected cert-manager's chart at '$chart', found no templates/rbac.yaml: the module download is incomplete (go clean -modcache, then make controlplane)"

version=$(sed -n 's/^project(certchaos VERSION \([^ )]*\).*/\1/p' "$repo/CMakeLists.txt")
image=${IMAGE_PREFIX:-ghcr.io/certchaos}/certchaos-cm-controller:${IMAGE_TAG:-${version:-latest}}
cluster_resource_namespace=${CLUSTER_RESOURCE_NAMESPACE:-kube-system}
[[ $cluster_resource_namespace =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] ||
  die "expected CLUSTER_RESOURCE_NAMESPACE to be a namespace name, found '$cluster_resource_namespace'"

approval_policy=$repo/deploy/cert-manager/approval-policy.yaml
[ -f "$approval_policy" ] || die "expected $approval_policy, found none: an incomplete checkout"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The module cache is read-only, and the chart there says version v0.0.0 (cert-manager's release
# sets it): a copy with the module's version, as a released chart has.
cp -r "$chart" "$work/cert-manager"
chmod -R u+w "$work/cert-manager"
sed -i -e "s/^version: .*/version: $module_version/" -e "s/^appVersion: .*/appVersion: $module_version/" \
  "$work/cert-manager/Chart.yaml"

# Only the controller's objects: cm-controller is cert-manager's controller; the plane runs no
# webhook and no cainjector (deploy/localplane stands in for the webhook's checks).
rendered=$("$helm" template cert-manager "$work/cert-manager" --namespace cert-manager \
  --show-only templates/serviceaccount.yaml --show-only templates/rbac.yaml 2>&1) ||
  die "helm template of cert-manager's chart ($chart) failed: $rendered"

yaml_list() { # yaml_list ITEM...: a YAML flow sequence of quoted strings
  local first=1 item
  printf '['
  for item in "$@"; do
    [ $first -eq 1 ] || printf ', '
    first=0
    item=${item//\\/\\\\}
    printf '"%s"' "${item//\"/\\\"}"
  done
  printf ']'
}

args=(--v=2 "--cluster-resource-namespace=$cluster_resource_namespace"
  --healthz-listen-address=0.0.0.0:9403 --metrics-listen-address=0.0.0.0:9402 "${extra_args[@]}")

{
  cat <<EOF
# Generated by scripts/cert-manager-manifest.sh from cert-manager $module_version's chart
# ($chart, templates/serviceaccount.yaml and templates/rbac.yaml) and certchaos's Deployment of
# $image.
apiVersion: v1
kind: Namespace
metadata:
  name: cert-manager
  labels:
    app.kubernetes.io/part-of: certchaos
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/warn: restricted
EOF
  printf '%s\n' "$rendered"
  cat <<EOF
---
# cert-manager's controllers (cm-controller: the controllers an external issuer needs, and
# cert-manager's CA and self-signed issuers), as the chart runs its controller, with its labels.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cert-manager
  namespace: cert-manager
  labels:
    app: cert-manager
    app.kubernetes.io/name: cert-manager
    app.kubernetes.io/instance: cert-manager
    app.kubernetes.io/component: controller
    app.kubernetes.io/version: "$module_version"
    app.kubernetes.io/part-of: certchaos
spec:
  replicas: 1
  # cm-controller has no leader election: a rollout must never run two at once.
  strategy:
    type: Recreate
  selector:
    matchLabels:
      app.kubernetes.io/name: cert-manager
      app.kubernetes.io/instance: cert-manager
      app.kubernetes.io/component: controller
  template:
    metadata:
      labels:
        app: cert-manager
        app.kubernetes.io/name: cert-manager
        app.kubernetes.io/instance: cert-manager
        app.kubernetes.io/component: controller
        app.kubernetes.io/version: "$module_version"
        app.kubernetes.io/part-of: certchaos
      annotations:
        prometheus.io/path: /metrics
        prometheus.io/scrape: "true"
        prometheus.io/port: "9402"
    spec:
      serviceAccountName: cert-manager
      enableServiceLinks: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: cert-manager-controller
          image: "$image"
          imagePullPolicy: IfNotPresent
          args: $(yaml_list "${args[@]}")
          ports:
            - containerPort: 9402
              name: http-metrics
              protocol: TCP
            - containerPort: 9403
              name: http-healthz
              protocol: TCP
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
            readOnlyRootFilesystem: true
          readinessProbe:
            httpGet:
              port: http-healthz
              path: /readyz
            periodSeconds: 2
            failureThreshold: 3
          # The chart's liveness settings (those of kube-controller-manager), on cm-controller's
          # /healthz (it serves no /livez).
          livenessProbe:
            httpGet:
              port: http-healthz
              path: /healthz
            initialDelaySeconds: 10
            periodSeconds: 10
            timeoutSeconds: 15
            successThreshold: 1
            failureThreshold: 8
      nodeSelector:
        kubernetes.io/os: linux
---
EOF
  cat "$approval_policy"
} >"$work/manifest.yaml"

mkdir -p "$(dirname "$out")"
cp "$work/manifest.yaml" "$out.tmp" || die "could not write '$out.tmp'"
mv "$out.tmp" "$out" || die "could not write '$out'"
echo "cert-manager manifest: $out (cert-manager $module_version RBAC, image $image)"
