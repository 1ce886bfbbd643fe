#!/usr/bin/env bash
# fuzz.sh BUILD_DIR SECONDS [NAME...]: runs every libFuzzer target of BUILD_DIR/fuzz-bin (or the
# named ones) over its corpus in test/fuzz/corpus for SECONDS each, or until $FUZZ_RUNS
# executions if set and reached first; one line of figures per target; exits 1 if any crashed
# (the inputs are kept in BUILD_DIR/fuzz-artifacts).
set -uo pipefail
cd "$(dirname "$0")/.."
build=$1 seconds=$2
shift 2
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$build"/fuzz-bin/*_fuzzer; do names+=("$(basename "$f" _fuzzer)"); done
fi
export FUZZ_ARTIFACTS=$PWD/$build/fuzz-artifacts
crashed=()
for name in "${names[@]}"; do
  test/fuzz/run_fuzzer.sh "$build/fuzz-bin/${name}_fuzzer" "test/fuzz/corpus/$name" "$seconds" "${FUZZ_RUNS:--1}" ||
    crashed+=("$name")
done
if [ ${#crashed[@]} -gt 0 ]; then
  echo "fuzz: ${#crashed[@]} of ${#names[@]} targets crashed: ${crashed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#names[@]} targets, no crash"
