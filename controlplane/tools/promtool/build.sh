#!/usr/bin/env bash
# Builds promtool (Prometheus' checker, pinned by go.mod beside this script) into the cache,
# keyed by everything it is built from, and prints the binary's path. A second run with the same
# inputs only prints the path. Its own module and its own key: the control plane's pins and its
# cache key (../../build.sh) stay as they are.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly"

. ../../check-go.sh
certchaos_check_go go.mod

version=$(awk '$1 == "github.com/prometheus/prometheus" {print $2; exit}' go.mod)
key=$( { echo "$CERTCHAOS_GO_VERSION"; cat go.mod go.sum build.sh; } | sha256sum | cut -c1-16)
cache=${CERTCHAOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certchaos}
out="$cache/promtool/prometheus-$version-$key"
if [ -x "$out/promtool" ]; then
  echo "$out/promtool"
  exit 0
fi
echo "promtool: building promtool of prometheus $version ..." >&2
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
go build -o "$out.tmp/promtool" -ldflags "-s -w" github.com/prometheus/prometheus/cmd/promtool
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out/promtool"
