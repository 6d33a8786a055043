#!/usr/bin/env bash
# Builds the kernel tests for AArch64 with Debian's cross compiler and runs them under
# qemu-user: the NEON path against the scalar reference, on an x86 machine.
# Usage: tests/kernels/neon_cross.sh [BUILD_DIR [--quick]]
#   (needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user)
# Exit status: the test's (0 pass, 1 fail), 77 when the tools are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-build-neon}"
[ $# -gt 0 ] && shift
cc=aarch64-linux-gnu-gcc
command -v "$cc" >/dev/null && command -v qemu-aarch64 >/dev/null || {
  echo "neon_cross: $cc or qemu-aarch64 missing: skipped"; exit 77; }
mkdir -p "$out"
k=src/kernels
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -DHFC_KERNELS_HAVE_NEON -static \
  -Iinclude -Isrc -Isrc/net -Isrc/model -I$k -I$k/conv -I$k/vq -I$k/peak -I$k/reduced -I$k/reduced/bf16 \
  -I$k/reduced/int8 -Itests/common \
  $k/conv/conv1d_scalar.c $k/conv/conv_transpose1d_scalar.c $k/vq/vq_search_scalar.c \
  $k/kernels_scalar.c $k/conv/conv1d_neon.c $k/conv/conv_transpose1d_neon.c \
  $k/vq/vq_search_neon.c $k/peak/fma_peak_neon.c $k/kernels_neon.c \
  $k/kernel_tables.c $k/cpu_features.c $k/conv/pack.c \
  $k/reduced/bf16/pack_bf16.c $k/reduced/bf16/conv_bf16_scalar.c $k/reduced/int8/pack_int8.c \
  $k/reduced/int8/conv_int8_scalar.c src/net/istft_head.c \
  tests/common/test_util.c tests/kernels/test_kernels.c -lm -o "$out/test_kernels_neon"
qemu-aarch64 "$out/test_kernels_neon" "$@"
