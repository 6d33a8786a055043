/* conv1d in bf16 on AVX512-BF16: the shared tiles over bf16 pairs, the input
 * converted a chunk of output columns at a time into a stack buffer. Each output
 * depends only on its own inputs' bf16 values, so chunking changes no bit. */
#include "simd_bf16_avx512.h"

#include "../conv1d_simd.h"
#include "conv_bf16.h"

static void conv1d_run(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                       const hfc_conv_epilogue *e)
{
    hfc_tx buf[HFC_REDUCED_BUF_BYTES / sizeof(hfc_tx)] __attribute__((aligned(64)));
    const int chunk = hfc_reduced_conv_chunk(cv, HFC_BF16_ROW_BYTES(cv->c_in));
    const int span = (cv->kernel - 1) * cv->dilation + 1;
    for (int c0 = 0; c0 < n_out; c0 += chunk) {
        const int n = n_out - c0 < chunk ? n_out - c0 : chunk;
        const int n_in = (n - 1) * cv->stride + span;
        const ptrdiff_t ld = (n_in + 15) / 16 * 16;
        hfc_bf16_convert(x + (ptrdiff_t)c0 * cv->stride, x_ld, cv->c_in, n_in, buf, ld);
        const hfc_conv_epilogue ec = hfc_conv_epilogue_shift(e, c0);
        conv1d_tiles(cv, buf, ld, n, &ec);
    }
}
