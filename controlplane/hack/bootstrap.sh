#!/usr/bin/env bash
# Regenerates go.mod/go.sum for a version bump: one replace per k8s.io staging module, pinned to
# the staging version that matches the kubernetes release (kubernetes/kubernetes#79384).
# Run once per bump; the result is committed. Normal builds never run this.
set -euo pipefail
cd "$(dirname "$0")/.."
K8S=${K8S:-v1.36.3}
CM=${CM:-v1.21.1}
STAGING=v0${K8S#v1}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
mod=$(go mod download -json "k8s.io/kubernetes@$K8S" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
for m in $(awk '$2 == "v0.0.0" && $1 ~ /^k8s.io\// {print $1}' "$mod"); do
  go mod edit -replace "$m=$m@$STAGING"
done
go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S" "k8s.io/kubernetes/cmd/kubectl@$K8S"
etcd=$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2}' "$mod")
go get -tool "go.etcd.io/etcd/server/v3@$etcd"
go get "github.com/cert-manager/cert-manager@$CM"
go mod tidy
