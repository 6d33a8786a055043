/* conv1d_run and convt_run for a reduced format (HFC_TILE_CONVERTS_INPUT): the
 * input a chunk of outputs reads, converted into a stack buffer, then the tiles.
 * Each output depends only on its own inputs' converted values, so chunking
 * changes no bit. The includer defines HFC_CONVERT(x, x_ld, c_in, n, dst, ld, width) and
 * HFC_ROW_BYTES(c_in) first, and includes this after the dispatch it completes
 * (conv1d_simd.h or conv_transpose1d_simd.h); HFC_CHUNKS_CONV1D or
 * HFC_CHUNKS_CONVT says which. */
#include "reduced.h"

#ifdef HFC_CHUNKS_CONV1D
static void conv1d_run(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                       const hfc_conv_epilogue *e)
{
    hfc_tx buf[HFC_REDUCED_BUF_BYTES / sizeof(hfc_tx)] __attribute__((aligned(64)));
    const int chunk = hfc_reduced_conv_chunk(cv, HFC_ROW_BYTES(cv->c_in));
    const int span = (cv->kernel - 1) * cv->dilation + 1;
    for (int c0 = 0; c0 < n_out && chunk > 0; c0 += chunk) {
        const int n = n_out - c0 < chunk ? n_out - c0 : chunk;
        const int n_in = (n - 1) * cv->stride + span;
        const ptrdiff_t ld = (n_in + 15) / 16 * 16;
        HFC_CONVERT(x + (ptrdiff_t)c0 * cv->stride, x_ld, cv->c_in, n_in, buf, ld, (int)ld);
        const hfc_conv_epilogue ec = hfc_conv_epilogue_shift(e, c0);
        conv1d_tiles(cv, buf, ld, n, &ec);
    }
}
#endif

#ifdef HFC_CHUNKS_CONVT
static int hfc_chunks_floor_div(int a, int b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static void convt_run(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in, int n_out,
                      int out_offset, const hfc_conv_epilogue *e)
{
    hfc_tx buf[HFC_REDUCED_BUF_BYTES / sizeof(hfc_tx)] __attribute__((aligned(64)));
    const int chunk = hfc_reduced_convt_chunk(cv, HFC_ROW_BYTES(cv->c_in));
    const int s = cv->stride;
    for (int n0 = 0; n0 < n_out && chunk > 0; n0 += chunk) {
        const int n = n_out - n0 < chunk ? n_out - n0 : chunk;
        /* Full outputs [m0, m1) read the inputs u with u*s + k in it, k < kernel. */
        const int m0 = n0 + out_offset, m1 = m0 + n;
        int u_lo = hfc_chunks_floor_div(m0 - cv->kernel + s, s);
        int u_hi = hfc_chunks_floor_div(m1 - 1, s) + 1;
        u_lo = u_lo < 0 ? 0 : u_lo;
        u_hi = u_hi > n_in ? n_in : u_hi;
        const int n_cols = u_hi > u_lo ? u_hi - u_lo : 0;
        const ptrdiff_t ld = (n_cols + 15) / 16 * 16;
        HFC_CONVERT(x + u_lo, x_ld, cv->c_in, n_cols, buf, ld, (int)ld);
        const hfc_conv_epilogue ec = hfc_conv_epilogue_shift(e, n0);
        convt_tiles(cv, buf - u_lo, ld, n_in, n, m0, &ec);
    }
}
#endif
