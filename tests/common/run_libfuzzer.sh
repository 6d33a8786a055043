#!/bin/sh
# run_libfuzzer.sh TARGET CORPUS SECONDS: fuzzes a libFuzzer target from its committed
# corpus for SECONDS; new finds go to a scratch folder (tools/fuzz-all merges the
# worth-keeping ones into the corpus). Exits non-zero on a crash, leak or timeout,
# which libFuzzer saves as crash-*/leak-*/timeout-* in the current folder.
set -u
target=$1 corpus=$2 seconds=$3
scratch=$(mktemp -d) || exit 1
LSAN_OPTIONS=suppressions="$(dirname "$0")/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$scratch" "$corpus"
status=$?
rm -rf "$scratch"
exit $status
