#!/bin/sh
# The systemd units pass `systemd-analyze verify`, and the service's hardening
# scores as SAFE (exposure <= 2.0) in `systemd-analyze security --offline`.
# ExecStart must name an existing binary, so the units are configured here with
# the one just built. Skips (77) without systemd-analyze.
# Usage: verify_units.sh hificodecd.service.in hificodecd.socket HIFICODECD
set -eu
service_in=$1 socket=$2
exe=$(cd "$(dirname "$3")" && pwd)/$(basename "$3") # ExecStart wants an absolute path
command -v systemd-analyze >/dev/null 2>&1 || { echo "no systemd-analyze: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e "s|@sbindir@/hificodecd|$exe|" -e "s|@sysconfdir@|/etc|" "$service_in" >"$tmp/hificodecd.service"
cp "$socket" "$tmp/hificodecd.socket"
if grep -q '@[a-z]*@' "$tmp/hificodecd.service"; then
  echo "unsubstituted variable in hificodecd.service" >&2; exit 1
fi
systemd-analyze verify --man=no "$tmp/hificodecd.socket" "$tmp/hificodecd.service"
echo "systemd-analyze verify: OK"
systemd-analyze security --offline=yes --threshold=20 "$tmp/hificodecd.service" | tail -n 1
