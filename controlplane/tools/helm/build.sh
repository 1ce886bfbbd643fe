#!/usr/bin/env bash
# Builds helm (pinned by go.mod beside this script) into the cache, keyed by everything it is
# built from, and prints the binary's path. A second run with the same inputs only prints the
# path. Its own module and its own key: helm v4.3 needs the k8s.io v0.37 modules, the control
# plane (../../go.mod) is pinned to v0.36, and a helm bump must not rebuild kube-apiserver.
# Usage: controlplane/tools/helm/build.sh [CONTROLPLANE_DIR]
#   With CONTROLPLANE_DIR (a directory printed by controlplane/build.sh), also links the binary
#   as CONTROLPLANE_DIR/bin/helm, where the tests and `certchaos` look for it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly"

if [ $# -ge 1 ] && [ ! -d "$1/bin" ]; then
  echo "helm: expected a control plane directory with a bin/ (from controlplane/build.sh), found none at '$1'" >&2
  exit 2
fi

. ../../check-go.sh
certchaos_check_go go.mod

version=$(awk '$1 == "helm.sh/helm/v4" {print $2; exit}' go.mod)
key=$( { echo "$CERTCHAOS_GO_VERSION"; cat go.mod go.sum build.sh; } | sha256sum | cut -c1-16)
cache=${CERTCHAOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certchaos}
out="$cache/helm/helm-$version-$key"
if [ ! -x "$out/helm" ]; then
  echo "helm: building helm $version ..." >&2
  start=$SECONDS
  rm -rf "$out.tmp"
  mkdir -p "$out.tmp"
  # Stamped as a release build: `helm version` says v4.x.y, not the source's "v4.3" default.
  pkg=helm.sh/helm/v4/internal/version
  go build -o "$out.tmp/helm" \
    -ldflags "-s -w -X $pkg.version=$version -X $pkg.metadata= -X $pkg.gitTreeState=clean" \
    helm.sh/helm/v4/cmd/helm
  rm -rf "$out"
  mv "$out.tmp" "$out"
  echo "helm: built helm $version in $((SECONDS - start)) s ($(du -h "$out/helm" | cut -f1))" >&2
fi
[ $# -ge 1 ] && ln -sfn "$out/helm" "$1/bin/helm"
echo "$out/helm"
