# Sourced by controlplane/build.sh and scripts/deps.sh: fails (exit 3) unless `go` is at least the
# version controlplane/go.mod asks for, saying which version is needed and which was found.
certchaos_check_go() {
  local gomod=$1 need have
  need=$(awk '$1 == "go" {print $2; exit}' "$gomod")
  if ! command -v go >/dev/null 2>&1; then
    echo "controlplane: Go $need or newer is required to build the control plane, but 'go' is not on PATH." >&2
    echo "controlplane: Debian 12's golang package is too old; install Go $need+ and put it on PATH." >&2
    exit 3
  fi
  have=$(go env GOVERSION | sed 's/^go//')
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
    echo "controlplane: Go $need or newer is required by controlplane/go.mod, but 'go' is $have." >&2
    echo "controlplane: install Go $need+ and put it first on PATH, then retry." >&2
    exit 3
  fi
  CERTCHAOS_GO_VERSION=$have
}
