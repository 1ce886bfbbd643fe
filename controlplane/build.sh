#!/usr/bin/env bash
# Builds the local control plane (kube-apiserver, etcd, kubectl, cm-controller) from the pinned
# Go modules into a cache directory outside the repository, keyed by everything the binaries are
# built from. A second run with the same inputs only prints the directory.
# Usage: controlplane/build.sh            prints the bin directory on stdout (progress on stderr)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly"

. ./check-go.sh
certchaos_check_go go.mod
have=$CERTCHAOS_GO_VERSION

k8s=$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' go.mod)
key=$( { echo "$have"; cat go.mod go.sum build.sh check-go.sh; find cmd -type f -name '*.go' | sort | xargs cat; } \
  | sha256sum | cut -c1-16)
cache=${CERTCHAOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certchaos}
out="$cache/controlplane/k8s-$k8s-$key"
if [ -x "$out/bin/kube-apiserver" ] && [ -x "$out/bin/etcd" ] && [ -x "$out/bin/kubectl" ] \
   && [ -x "$out/bin/cm-controller" ] && [ -f "$out/crds/cert-manager.io_certificates.yaml" ]; then
  echo "$out"
  exit 0
fi

mkdir -p "$out.tmp/bin" "$out.tmp/crds"
minor=$(echo "$k8s" | cut -d. -f2)
pkgv=k8s.io/component-base/version
ver="-X $pkgv.gitVersion=$k8s -X $pkgv.gitMajor=1 -X $pkgv.gitMinor=$minor -X $pkgv.gitTreeState=clean"
cgv=k8s.io/client-go/pkg/version
kver="$ver -X $cgv.gitVersion=$k8s -X $cgv.gitMajor=1 -X $cgv.gitMinor=$minor"
build() {
  local name=$1; shift
  local start=$SECONDS
  echo "controlplane: building $name ..." >&2
  go build -o "$out.tmp/bin/$name" "$@"
  echo "controlplane: built $name in $((SECONDS - start)) s ($(du -h "$out.tmp/bin/$name" | cut -f1))" >&2
}
build etcd -ldflags "-s -w" go.etcd.io/etcd/server/v3
build kube-apiserver -pgo=off -ldflags "-s -w $ver" k8s.io/kubernetes/cmd/kube-apiserver
build kubectl -ldflags "-s -w $kver" k8s.io/kubernetes/cmd/kubectl
build cm-controller -ldflags "-s -w" ./cmd/cm-controller
cp "$(go list -m -f '{{.Dir}}' github.com/cert-manager/cert-manager)"/deploy/crds/*.yaml "$out.tmp/crds/"
chmod -R u+w "$out.tmp"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out"
