#!/usr/bin/env bash
# make demo: the seed scenario end to end on the embedded control plane: `certchaos demo` brings
# the plane up, deploys a healthy ChaosIssuer, a Certificate and the demo application (the base
# scenario), runs scenario 3 (the issuer sleeps longer than the certificate has left) with time
# compression, and prints the report and the paths of its other renderings.
set -euo pipefail
bin=${1:-build/bin}
"$bin/certchaos" demo
echo
echo "Show it again with: $bin/certchaos report show latest   (-o md|html|json|junit)"
