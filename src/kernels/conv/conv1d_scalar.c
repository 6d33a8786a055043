/* The plain-C reference for conv1d: obviously correct first, reasonably fast second.
 * The loop order (co, ci, k outer; t inner) keeps the inner loop a contiguous
 * multiply-add for stride 1, which the compiler can vectorise without -ffast-math
 * because every y[t] is still summed in the same order. */
#include "conv1d.h"

void hfc_conv1d_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y, ptrdiff_t y_ld,
                       int n_out, int accumulate)
{
    const int c_in = cv->c_in, kernel = cv->kernel, stride = cv->stride, dil = cv->dilation;
    for (int co = 0; co < cv->c_out; co++) {
        float *yrow = y + co * y_ld;
        const float b = cv->bias ? cv->bias[co] : 0.0f;
        for (int t = 0; t < n_out; t++)
            yrow[t] = (accumulate ? yrow[t] : 0.0f) + b;
        for (int ci = 0; ci < c_in; ci++) {
            const float *xrow = x + ci * x_ld;
            const float *w = cv->weight + ((size_t)co * c_in + ci) * cv->weight_taps;
            for (int k = 0; k < kernel; k++) {
                const float wk = w[k];
                const float *xk = xrow + k * dil;
                if (stride == 1)
                    for (int t = 0; t < n_out; t++)
                        yrow[t] += wk * xk[t];
                else
                    for (int t = 0; t < n_out; t++)
                        yrow[t] += wk * xk[t * stride];
            }
        }
    }
}

/* The reference fused conv: the plain conv into a stack row, then the epilogue
 * chain, a chunk of columns at a time (offline only; streaming uses conv1d). */
void hfc_conv1d_fused_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                             const hfc_conv_epilogue *e)
{
    enum { CHUNK = 256 };
    float row[CHUNK];
    hfc_conv one = *cv;
    one.c_out = 1;
    for (int co = 0; co < cv->c_out; co++) {
        one.weight = cv->weight + (size_t)co * cv->c_in * cv->weight_taps;
        one.bias = cv->bias ? cv->bias + co : NULL;
        for (int t0 = 0; t0 < n_out; t0 += CHUNK) {
            const int n = n_out - t0 < CHUNK ? n_out - t0 : CHUNK;
            hfc_conv1d_scalar(&one, x + (ptrdiff_t)t0 * cv->stride, x_ld, row, CHUNK, n, 0);
            for (int t = 0; t < n; t++)
                hfc_conv_epilogue_apply(e, co, t0 + t, row[t]);
        }
    }
}
