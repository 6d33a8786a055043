/* Reference transposed conv: scatter each input column into the outputs it touches.
 * For a given tap k, input t lands on output n = t*stride + k - out_offset, so the
 * valid t form one contiguous range computed up front instead of testing every
 * (t, k) pair. */
#include "conv_transpose1d.h"

static int ceil_div(int a, int b)
{
    /* b > 0; rounds toward +infinity for negative a too. */
    return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

void hfc_conv_transpose1d_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                 float *y, ptrdiff_t y_ld, int n_out, int out_offset)
{
    const int c_in = cv->c_in, c_out = cv->c_out, kernel = cv->kernel, stride = cv->stride;
    for (int co = 0; co < c_out; co++) {
        float *yrow = y + co * y_ld;
        const float b = cv->bias ? cv->bias[co] : 0.0f;
        for (int n = 0; n < n_out; n++)
            yrow[n] = b;
    }
    for (int k = 0; k < kernel; k++) {
        /* 0 <= t*stride + k - out_offset < n_out  and  0 <= t < n_in */
        int t_lo = ceil_div(out_offset - k, stride);
        int t_hi = ceil_div(n_out + out_offset - k, stride); /* exclusive */
        if (t_lo < 0)
            t_lo = 0;
        if (t_hi > n_in)
            t_hi = n_in;
        if (t_lo >= t_hi)
            continue;
        for (int ci = 0; ci < c_in; ci++) {
            const float *xrow = x + ci * x_ld;
            const float *w = cv->weight + (size_t)ci * c_out * kernel + k;
            for (int co = 0; co < c_out; co++) {
                const float wk = w[(size_t)co * kernel];
                float *yrow = y + co * y_ld;
                for (int t = t_lo; t < t_hi; t++)
                    yrow[t * stride + k - out_offset] += wk * xrow[t];
            }
        }
    }
}

/* The reference fused transposed conv: the plain one into a stack tile a chunk of
 * columns at a time, then the epilogue chain. */
void hfc_conv_transpose1d_fused_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                       int n_in, int n_out, int out_offset,
                                       const hfc_conv_epilogue *e)
{
    enum { TILE = 16384 };
    float tile[TILE];
    const int chunk = TILE / cv->c_out;
    for (int n0 = 0; n0 < n_out; n0 += chunk) {
        const int n = n_out - n0 < chunk ? n_out - n0 : chunk;
        hfc_conv_transpose1d_scalar(cv, x, x_ld, n_in, tile, chunk, n, out_offset + n0);
        for (int co = 0; co < cv->c_out; co++)
            for (int t = 0; t < n; t++)
                hfc_conv_epilogue_apply(e, co, n0 + t, tile[co * chunk + t]);
    }
}
