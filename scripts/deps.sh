#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, when they are missing, and checks
# that Go is new enough for the pinned control plane modules. Idempotent; needs root (or sudo)
# only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential g++ cmake ninja-build pkg-config git ca-certificates openssl
  libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev
  clang-format clang-tidy clang-16 libfuzzer-16-dev libclang-rt-16-dev procps python3 python3-jsonschema python3-junitparser libxml2-utils chromium
  umoci skopeo
  containerd runc containernetworking-plugins iptables iproute2
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

. controlplane/check-go.sh
certchaos_check_go controlplane/go.mod
