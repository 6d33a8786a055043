#!/bin/sh
# soak_can_fail.sh SOAK HIFICODECD MODEL SPEECH_DIR: the soak's deadline and
# processing checks fail when they should, against the real daemon: stopped with
# SIGSTOP for 100 ms every second (late frames no CPU wait explains), and given a
# per-frame budget of 20 us (below any model's measured CPU per frame).
soak=$1 daemon=$2 model=$3 speech=$4
[ -d "$speech" ] || { echo "SKIP: no speech in $speech"; exit 77; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

expect_failure() { # what, pattern, soak options...
  what=$1 pattern=$2
  shift 2
  "$soak" "$daemon" "$model" "$speech" --seconds 8 --streams 2 --reload 60 "$@" >"$log" 2>&1
  rc=$?
  if [ $rc -eq 77 ]; then
    cat "$log"; exit 77
  fi
  if [ $rc -ne 1 ] || ! grep -q "$pattern" "$log"; then
    echo "FAIL: $what: exit $rc, expected 1 with '$pattern'"
    grep '^soak' "$log"
    status=1
  elif ! sed -n '/^---- end of log ----$/,$p' "$log" | grep -q "$pattern"; then
    # CI shows only a failed test's last lines: the reason must follow the daemon's log.
    echo "FAIL: $what: the reason is not repeated after the daemon's log"
    status=1
  else
    echo "ok: $what: $(grep "$pattern" "$log" | head -n 1)"
  fi
}

expect_failure "a stalled daemon" "late frames are not explained by waiting for a CPU" \
  --cpu-wait-explains --stall-daemon-ms 100
expect_failure "a frame budget below the daemon's CPU per frame" \
  "own processing of a frame" --cpu-wait-explains --frame-budget-us 20
exit $status
