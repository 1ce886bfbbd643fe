#!/usr/bin/env bash
# make demo: brings the local control plane up, issues one certificate through cert-manager's own
# CA issuer and prints its status. (Replaced by the scenario-3 run when the runner lands.)
set -euo pipefail
bin=${1:-build/bin}
"$bin/certchaos" up
kubeconfig=$("$bin/certchaos" kubeconfig)
kubectl=("${CERTCHAOS_CONTROLPLANE_DIR}/bin/kubectl" --kubeconfig="$kubeconfig")
"${kubectl[@]}" apply -f examples/demo/ca-chain.yaml
"${kubectl[@]}" -n certchaos-demo wait --for=condition=Ready --timeout=60s certificate/demo-app
"${kubectl[@]}" -n certchaos-demo get issuers,certificates,certificaterequests
echo
echo "The demo certificate, as served to the application:"
"${kubectl[@]}" -n certchaos-demo get secret demo-app-tls -o jsonpath='{.data.tls\.crt}' \
  | openssl base64 -d -A | openssl x509 -noout -subject -issuer -serial -dates -ext subjectAltName
echo
echo "The control plane keeps running; stop it with: $bin/certchaos down"
