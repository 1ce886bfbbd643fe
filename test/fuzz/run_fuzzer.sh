#!/usr/bin/env bash
# run_fuzzer.sh FUZZER CORPUS_DIR SECONDS [RUNS]: runs a libFuzzer target over its seed corpus
# (every file, the regression inputs included) and then on new inputs for SECONDS, or until RUNS
# executions if given and reached first, without writing into CORPUS_DIR. Prints one line: "NAME: N executions in S s (E/s), no crash" or the crash and the
# input that caused it (kept in $FUZZ_ARTIFACTS, default ./fuzz-artifacts); exits 1 on a crash.
set -uo pipefail
fuzzer=$1 corpus=$2 seconds=$3 runs=${4:--1}
name=$(basename "$fuzzer" _fuzzer)
artifacts=${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}/$name
mkdir -p "$artifacts"
work=$(mktemp -d)
log=$work/log
trap 'rm -rf "$work"' EXIT
mkdir "$work/new"
# -rss_limit_mb and -timeout: a hang or a memory blow-up is a finding too.
"$fuzzer" "$work/new" "$corpus" -max_total_time="$seconds" -runs="$runs" -print_final_stats=1 -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$artifacts/" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
if [ $rc -ne 0 ]; then
  # The report: from the sanitizer's (or the property check's) first line, not the progress.
  sed -n '/ERROR: \|runtime error:\|fuzz property broken\|==ERROR/,$p' "$log" | head -n 60 >&2
  echo "$name: CRASH after ${execs:-?} executions; the input is in $artifacts" \
       "(once fixed, add it to $corpus as regression-*)" >&2
  exit 1
fi
echo "$name: ${execs:-0} executions in $((SECONDS))s (${secs:-?}/s), no crash"
