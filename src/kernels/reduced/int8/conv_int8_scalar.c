/* The int8 reference (conv_int8.h): per output column, the input columns its taps
 * read quantized on the stack, then every output channel summed tap by tap. */
#include "pack.h"
#include "conv_int8.h"
#include "int8.h"

enum { MAX_TAPS = 64, MAX_CHANNELS = 1024 };

/* Column t of x quantized: q[ci] and the returned scale (0 for a column outside
 * [0, n_in) when n_in >= 0, as a missing input of a transposed conv). */
static float quantize_column(const float *x, ptrdiff_t x_ld, int c_in, ptrdiff_t t, int n_in,
                             int8_t *q)
{
    if (n_in >= 0 && (t < 0 || t >= n_in)) {
        for (int ci = 0; ci < c_in; ci++)
            q[ci] = 0;
        return 0.0f;
    }
    float m = 0.0f, inv;
    for (int ci = 0; ci < c_in; ci++) {
        const float a = fabsf(x[ci * x_ld + t]);
        m = a > m ? a : m;
    }
    const float s = hfc_int8_scale(m, &inv);
    for (int ci = 0; ci < c_in; ci++)
        q[ci] = (int8_t)hfc_int8_quantize(x[ci * x_ld + t], inv);
    return s;
}

/* Output channel co from n_taps quantized columns: w is the lane of co at its first
 * tap row (packed layout). */
static float output(const hfc_packed *p, int co, const uint32_t *w, int c_in, int n_taps,
                    int8_t (*q)[MAX_CHANNELS], const float *s)
{
    const int quads = (c_in + 3) / 4;
    float acc = 0.0f;
    for (int k = 0; k < n_taps; k++) {
        const uint32_t *row = w + (size_t)k * (1 + quads) * HFC_PACK_BLOCK;
        int32_t sum = 0;
        for (int ci = 0; ci < c_in; ci++)
            sum += (int32_t)q[k][ci] *
                   (int8_t)(uint8_t)(row[(size_t)(1 + ci / 4) * HFC_PACK_BLOCK] >> (8 * (ci % 4)));
        acc = fmaf((float)sum, s[k], acc);
    }
    return fmaf(acc, p->extra[co], p->bias[co]);
}

static const uint32_t *lane(const hfc_packed *p, int co)
{
    return (const uint32_t *)p->w + (size_t)(co / HFC_PACK_BLOCK) * p->block_elems +
           co % HFC_PACK_BLOCK;
}

void hfc_conv1d_fused_int8_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                                  const hfc_conv_epilogue *e)
{
    int8_t q[MAX_TAPS][MAX_CHANNELS];
    float s[MAX_TAPS];
    if (cv->kernel > MAX_TAPS || cv->c_in > MAX_CHANNELS)
        return; /* hfc_int8_takes refuses such layers */
    for (int t = 0; t < n_out; t++) {
        for (int k = 0; k < cv->kernel; k++)
            s[k] = quantize_column(x, x_ld, cv->c_in,
                                   (ptrdiff_t)t * cv->stride + (ptrdiff_t)k * cv->dilation, -1, q[k]);
        for (int co = 0; co < cv->c_out; co++)
            hfc_conv_epilogue_apply(
                e, co, t,
                output(cv->packed, co, lane(cv->packed, co), cv->c_in, cv->kernel, q, s));
    }
}

void hfc_conv1d_int8_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                            ptrdiff_t y_ld, int n_out, int accumulate)
{
    const hfc_conv_epilogue e = {
        .res = accumulate ? y : NULL, .out = y, .res_ld = y_ld, .out_ld = y_ld};
    hfc_conv1d_fused_int8_scalar(cv, x, x_ld, n_out, &e);
}

/* Full output m = u*stride + phase: the phase's taps j over inputs u - j. */
void hfc_conv_transpose1d_fused_int8_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                            int n_in, int n_out, int out_offset,
                                            const hfc_conv_epilogue *e)
{
    int8_t q[MAX_TAPS][MAX_CHANNELS];
    float s[MAX_TAPS];
    const int st = cv->stride, quads = (cv->c_in + 3) / 4;
    if (cv->kernel > MAX_TAPS || cv->c_in > MAX_CHANNELS)
        return;
    for (int n = 0; n < n_out; n++) {
        const int m = n + out_offset, ph = m % st, u = m / st;
        const int taps = hfc_convt_phase_taps(cv->kernel, st, ph);
        size_t phase_off = 0;
        for (int f = 0; f < ph; f++)
            phase_off += (size_t)hfc_convt_phase_taps(cv->kernel, st, f) * (1 + quads) *
                         HFC_PACK_BLOCK;
        for (int j = 0; j < taps; j++)
            s[j] = quantize_column(x, x_ld, cv->c_in, u - j, n_in, q[j]);
        for (int co = 0; co < cv->c_out; co++)
            hfc_conv_epilogue_apply(
                e, co, n,
                output(cv->packed, co, lane(cv->packed, co) + phase_off, cv->c_in, taps, q, s));
    }
}

void hfc_conv_transpose1d_int8_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                      float *y, ptrdiff_t y_ld, int n_out, int out_offset)
{
    const hfc_conv_epilogue e = {.out = y, .out_ld = y_ld};
    hfc_conv_transpose1d_fused_int8_scalar(cv, x, x_ld, n_in, n_out, out_offset, &e);
}
