#!/bin/sh
# The shared library exports exactly the HFC_API functions of the public header, and
# the version script lists exactly those: one export list, checked.
# Usage: check_exports.sh LIBHIFICODEC.so hificodec.h libhificodec.map
set -eu
lib=$1 header=$2 map=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '$2 == "T" {sub(/@.*/, "", $3); print $3}' | sort -u >"$tmp/exported"
grep -v '^#' "$header" | grep -o 'HFC_API [^(]*('  | sed 's/($//; s/.*[ *]//' | sort -u >"$tmp/declared"
sed -n 's/^ *\(hfc_[a-z0-9_]*\);$/\1/p' "$map" | sort -u >"$tmp/listed"
status=0
if ! diff -u "$tmp/declared" "$tmp/exported"; then
  echo "exported symbols differ from the header's HFC_API declarations" >&2; status=1
fi
if ! diff -u "$tmp/declared" "$tmp/listed"; then
  echo "version script differs from the header's HFC_API declarations" >&2; status=1
fi
[ "$status" -eq 0 ] && echo "$(wc -l <"$tmp/declared") exported symbols match the header"
exit $status
