#!/bin/sh
# The daemon benchmark (README.md): starts hificodecd on MODEL with admission
# control off, then runs hificodecd-load: the in-process baseline, 1 and 10
# streams, and a ramp to the most streams held in real time.
# Usage: run-bench.sh BUILD_DIR MODEL [FIRST,STEP,LAST]   (SECONDS=10 per run)
set -eu
build=$1 model=$2 ramp=${3:-10,2,80} seconds=${SECONDS:-10}
exe=$build/tools/hificodecd/hificodecd
load=$build/tools/hificodecd/hificodecd-load
dir=$(mktemp -d)
sock=$dir/hfcd.sock
"$exe" --config /dev/null --model "$model" --check | sed -n 's/^/# /p'
"$exe" --config /dev/null --model "$model" --socket "$sock" --cpu-budget 0 \
  --max-streams 512 --max-clients 512 --log-level warning &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
i=0
while [ ! -S "$sock" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
"$load" --inprocess "$model" --seconds "$seconds"
"$load" --socket "$sock" --streams 1 --seconds "$seconds" | tail -n 1
"$load" --socket "$sock" --streams 10 --seconds "$seconds" | tail -n 1
"$load" --socket "$sock" --ramp "$ramp" --seconds "$seconds" | tail -n +2
