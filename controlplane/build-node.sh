#!/usr/bin/env bash
# Builds what `certchaos up --node` adds to the plane, from the same pinned k8s.io/kubernetes
# module as kube-apiserver (controlplane/go.mod): kubelet, kube-proxy, kube-scheduler and
# kube-controller-manager, and the sandbox ("pause") program compiled from the module's own
# build/pause/linux/pause.c; and crictl, from its own module (tools/crictl: cri-tools pins newer
# modules than the plane's), with which `down` stops and removes the node's pods through the CRI
# so that containerd tears down their network namespaces and mounts. Into the cache, keyed by everything they are built from, apart from
# the plane's own build so that `up` without --node (and `make demo`) never waits for them.
# Usage: controlplane/build-node.sh CONTROLPLANE_DIR
#   Links the binaries into CONTROLPLANE_DIR/bin (a directory printed by controlplane/build.sh)
#   and prints the node build's directory on stdout (progress on stderr).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly"

if [ $# -ne 1 ] || [ ! -d "$1/bin" ]; then
  echo "controlplane: expected a control plane directory with a bin/ (from controlplane/build.sh), found '${1:-nothing}'" >&2
  exit 2
fi
plane=$1

. ./check-go.sh
certchaos_check_go go.mod

k8s=$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' go.mod)
key=$( { echo "$CERTCHAOS_GO_VERSION"; gcc --version | head -n1; cat go.mod go.sum build-node.sh check-go.sh tools/crictl/go.mod tools/crictl/go.sum; } \
  | sha256sum | cut -c1-16)
cache=${CERTCHAOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certchaos}
out="$cache/node/k8s-$k8s-$key"
programs=(kubelet kube-proxy kube-scheduler kube-controller-manager crictl pause)
complete=1
for p in "${programs[@]}"; do [ -x "$out/bin/$p" ] || complete=0; done

if [ $complete = 0 ]; then
  rm -rf "$out.tmp"
  mkdir -p "$out.tmp/bin"
  minor=$(echo "$k8s" | cut -d. -f2)
  pkgv=k8s.io/component-base/version
  ver="-X $pkgv.gitVersion=$k8s -X $pkgv.gitMajor=1 -X $pkgv.gitMinor=$minor -X $pkgv.gitTreeState=clean"
  for name in kubelet kube-proxy kube-scheduler kube-controller-manager; do
    start=$SECONDS
    echo "controlplane: building $name ..." >&2
    go build -o "$out.tmp/bin/$name" -pgo=off -ldflags "-s -w $ver" "k8s.io/kubernetes/cmd/$name"
    echo "controlplane: built $name in $((SECONDS - start)) s ($(du -h "$out.tmp/bin/$name" | cut -f1))" >&2
  done
  (cd tools/crictl && certchaos_check_go go.mod &&
    go build -o "$out.tmp/bin/crictl" -ldflags "-s -w" sigs.k8s.io/cri-tools/cmd/crictl)
  # The pod sandbox's one process: upstream's pause.c, static, as the k8s release builds it.
  src="$(go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
  gcc -Os -static -Wall -Werror -DVERSION="$k8s" -o "$out.tmp/bin/pause" "$src"
  strip "$out.tmp/bin/pause"
  chmod -R u+w "$out.tmp"
  rm -rf "$out"
  mv "$out.tmp" "$out"
fi
for p in "${programs[@]}"; do ln -sfn "$out/bin/$p" "$plane/bin/$p"; done
echo "$out"
