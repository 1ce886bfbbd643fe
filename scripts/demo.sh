#!/usr/bin/env bash
# make demo: the seed scenario end to end on the embedded control plane, in the original flow.
# `certchaos demo` brings the plane up and deploys the base scenario (a healthy ChaosIssuer, a
# Certificate and the demo application); then deploying the issuer with scenario 3 (the issuer
# sleeps longer than the certificate has left) arms a ChaosRun, which the plane's runner
# controller starts once a certificate signed by the issuer is in the Secret, at its renewal
# time, with time compression; the demo waits for the run to end and shows its report with
# `certchaos report show 3`.
set -euo pipefail
bin=${1:-build/bin}
"$bin/certchaos" demo
echo
echo "Show it again with: $bin/certchaos report show 3   (-o md|html|json|junit; the run is a"
echo "ChaosRun in namespace certchaos-demo: kubectl get chaosruns -n certchaos-demo)"
