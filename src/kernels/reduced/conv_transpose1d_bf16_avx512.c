/* Transposed conv1d in bf16 on AVX512-BF16: the shared tiles over bf16 pairs, the
 * inputs a chunk of outputs reads converted into a stack buffer first. */
#include "simd_bf16_avx512.h"

#include "../conv_transpose1d_simd.h"
#include "conv_bf16.h"

static int floor_div(int a, int b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static void convt_run(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in, int n_out,
                      int out_offset, const hfc_conv_epilogue *e)
{
    hfc_tx buf[HFC_REDUCED_BUF_BYTES / sizeof(hfc_tx)] __attribute__((aligned(64)));
    const int chunk = hfc_reduced_convt_chunk(cv, HFC_BF16_ROW_BYTES(cv->c_in));
    const int s = cv->stride;
    for (int n0 = 0; n0 < n_out; n0 += chunk) {
        const int n = n_out - n0 < chunk ? n_out - n0 : chunk;
        /* Full outputs [m0, m1) read the inputs u with u*s + k in it, k < kernel. */
        const int m0 = n0 + out_offset, m1 = m0 + n;
        int u_lo = floor_div(m0 - cv->kernel + 1 + s - 1, s), u_hi = floor_div(m1 - 1, s) + 1;
        u_lo = u_lo < 0 ? 0 : u_lo;
        u_hi = u_hi > n_in ? n_in : u_hi;
        const int n_cols = u_hi > u_lo ? u_hi - u_lo : 0;
        const ptrdiff_t ld = (n_cols + 15) / 16 * 16;
        hfc_bf16_convert(x + u_lo, x_ld, cv->c_in, n_cols, buf, ld);
        const hfc_conv_epilogue ec = hfc_conv_epilogue_shift(e, n0);
        convt_tiles(cv, buf - u_lo, ld, n_in, n, m0, &ec);
    }
}
