/* The bf16 reference: each output on its own, in the order every bf16 kernel sums
 * (conv_bf16.h), the input rounded to bf16 as it is read. Slow and plain. */
#include "pack.h"
#include "bf16.h"
#include "conv_bf16.h"

/* Channels 2q and 2q+1 of input column t as a bf16 pair. */
static uint32_t input_pair(const float *x, ptrdiff_t x_ld, int c_in, int q, ptrdiff_t t)
{
    const float *row = x + (ptrdiff_t)2 * q * x_ld + t;
    return hfc_bf16_pair(row[0], 2 * q + 1 < c_in ? row[x_ld] : 0.0f);
}

static const uint32_t *block_weights(const hfc_packed *p, int co)
{
    return (const uint32_t *)p->w + (size_t)(co / HFC_PACK_BLOCK) * p->block_elems +
           co % HFC_PACK_BLOCK;
}

void hfc_conv1d_fused_bf16_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                                  const hfc_conv_epilogue *e)
{
    const hfc_packed *p = cv->packed;
    const int pairs = (cv->c_in + 1) / 2;
    for (int co = 0; co < cv->c_out; co++) {
        const uint32_t *w = block_weights(p, co);
        for (int t = 0; t < n_out; t++) {
            float acc = p->bias[co];
            for (int q = 0; q < pairs; q++)
                for (int k = 0; k < cv->kernel; k++) {
                    const ptrdiff_t col = (ptrdiff_t)t * cv->stride + (ptrdiff_t)k * cv->dilation;
                    acc = hfc_bf16_dot2(acc, input_pair(x, x_ld, cv->c_in, q, col),
                                        w[((size_t)q * cv->weight_taps + k) * HFC_PACK_BLOCK]);
                }
            hfc_conv_epilogue_apply(e, co, t, acc);
        }
    }
}

void hfc_conv1d_bf16_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                            ptrdiff_t y_ld, int n_out, int accumulate)
{
    const hfc_conv_epilogue e = {
        .res = accumulate ? y : NULL, .out = y, .res_ld = y_ld, .out_ld = y_ld};
    hfc_conv1d_fused_bf16_scalar(cv, x, x_ld, n_out, &e);
}

/* Full output m = u*stride + phase sums, per pair, the phase's taps j over input
 * u - j (zero outside [0, n_in)), as the SIMD phases do. */
void hfc_conv_transpose1d_fused_bf16_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                            int n_in, int n_out, int out_offset,
                                            const hfc_conv_epilogue *e)
{
    const hfc_packed *p = cv->packed;
    const int pairs = (cv->c_in + 1) / 2, s = cv->stride;
    for (int co = 0; co < cv->c_out; co++) {
        const uint32_t *w = block_weights(p, co);
        for (int n = 0; n < n_out; n++) {
            const int m = n + out_offset, ph = m % s, u = m / s;
            const int taps = hfc_convt_phase_taps(cv->kernel, s, ph);
            size_t phase_off = 0;
            for (int f = 0; f < ph; f++)
                phase_off +=
                    (size_t)pairs * hfc_convt_phase_taps(cv->kernel, s, f) * HFC_PACK_BLOCK;
            float acc = p->bias[co];
            for (int q = 0; q < pairs; q++)
                for (int j = 0; j < taps; j++) {
                    const int t = u - j;
                    const uint32_t xp =
                        t >= 0 && t < n_in ? input_pair(x, x_ld, cv->c_in, q, t) : 0;
                    acc = hfc_bf16_dot2(acc, xp,
                                        w[phase_off + ((size_t)q * taps + j) * HFC_PACK_BLOCK]);
                }
            hfc_conv_epilogue_apply(e, co, n, acc);
        }
    }
}

void hfc_conv_transpose1d_bf16_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                      float *y, ptrdiff_t y_ld, int n_out, int out_offset)
{
    const hfc_conv_epilogue e = {.out = y, .out_ld = y_ld};
    hfc_conv_transpose1d_fused_bf16_scalar(cv, x, x_ld, n_in, n_out, out_offset, &e);
}
