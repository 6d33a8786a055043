/* int8 weights in the packed layout (conv_int8.h): per output channel scales,
 * quantized quads and per-tap compensations. */
#include <math.h>

#include "pack.h"
#include "conv_int8.h"
#include "int8.h"
#include "reduced.h"

int hfc_int8_takes(const hfc_conv *cv, const hfc_convt *cvt)
{
    /* The scalar reference quantizes a column's taps on its stack: 64 x 1024. */
    const int c_in = cv ? cv->c_in : cvt->c_in, taps = cv ? cv->kernel : cvt->kernel;
    return c_in <= 1024 && taps <= 64 && hfc_reduced_fits(cv, cvt, HFC_INT8_ROW_BYTES(c_in));
}

/* Packs n_taps taps of the c_in x n_taps weights w(ci, k) = w[ci * ci_step + k *
 * k_step] of channel co (scale inv) into dst (the block's first tap row, lane co %
 * 16 already applied); returns the elements written per lane row. */
static void pack_taps(uint32_t *dst, const float *w, size_t ci_step, size_t k_step, int c_in,
                      int n_taps, float inv)
{
    const int quads = (c_in + 3) / 4;
    for (int k = 0; k < n_taps; k++) {
        uint32_t *row = dst + (size_t)k * (1 + quads) * HFC_PACK_BLOCK;
        int32_t sum = 0;
        for (int q = 0; q < quads; q++) {
            uint32_t quad = 0;
            for (int b = 0; b < 4 && 4 * q + b < c_in; b++) {
                const int v = hfc_int8_quantize(w[(size_t)(4 * q + b) * ci_step + k * k_step], inv);
                sum += v;
                quad |= (uint32_t)(uint8_t)(int8_t)v << (8 * b);
            }
            row[(size_t)(1 + q) * HFC_PACK_BLOCK] = quad;
        }
        row[0] = (uint32_t)(-128 * sum);
    }
}

/* Largest |w| of channel co's c_in x n_taps weights (layout as pack_taps). */
static float max_abs(const float *w, size_t ci_step, size_t k_step, int c_in, int n_taps)
{
    float m = 0.0f;
    for (int ci = 0; ci < c_in; ci++)
        for (int k = 0; k < n_taps; k++) {
            const float a = fabsf(w[(size_t)ci * ci_step + (size_t)k * k_step]);
            m = a > m ? a : m;
        }
    return m;
}

static hfc_packed *alloc_int8(int c_out, int c_in, int taps, const float *bias)
{
    const int n_blocks = (c_out + HFC_PACK_BLOCK - 1) / HFC_PACK_BLOCK;
    const size_t per_block = (size_t)taps * ((c_in + 3) / 4 + 1) * HFC_PACK_BLOCK;
    hfc_packed *p = hfc_packed_alloc(c_out, per_block, sizeof(uint32_t),
                                     (size_t)n_blocks * HFC_PACK_BLOCK);
    for (int co = 0; p && co < c_out && bias; co++)
        p->bias[co] = bias[co];
    return p;
}

static uint32_t *lane(const hfc_packed *p, int co)
{
    return (uint32_t *)p->w + (size_t)(co / HFC_PACK_BLOCK) * p->block_elems + co % HFC_PACK_BLOCK;
}

int hfc_pack_conv_int8(hfc_conv *cv)
{
    const int taps = cv->weight_taps;
    hfc_packed *p = alloc_int8(cv->c_out, cv->c_in, taps, cv->bias);
    if (!p)
        return -1;
    for (int co = 0; co < cv->c_out; co++) {
        const float *w = cv->weight + (size_t)co * cv->c_in * taps;
        float inv;
        p->extra[co] = hfc_int8_scale(max_abs(w, (size_t)taps, 1, cv->c_in, taps), &inv);
        pack_taps(lane(p, co), w, (size_t)taps, 1, cv->c_in, taps, inv);
    }
    cv->packed = p;
    return 0;
}

int hfc_pack_convt_int8(hfc_convt *cv)
{
    hfc_packed *p = alloc_int8(cv->c_out, cv->c_in, cv->kernel, cv->bias);
    if (!p)
        return -1;
    const int quads = (cv->c_in + 3) / 4, s = cv->stride;
    const size_t ci_step = (size_t)cv->c_out * cv->kernel;
    for (int co = 0; co < cv->c_out; co++) {
        const float *w = cv->weight + (size_t)co * cv->kernel; /* w[ci][co][k] */
        float inv;
        p->extra[co] = hfc_int8_scale(max_abs(w, ci_step, 1, cv->c_in, cv->kernel), &inv);
        size_t phase_off = 0;
        for (int ph = 0; ph < s; ph++) {
            const int taps = hfc_convt_phase_taps(cv->kernel, s, ph);
            pack_taps(lane(p, co) + phase_off, w + ph, ci_step, (size_t)s, cv->c_in, taps, inv);
            phase_off += (size_t)taps * (1 + quads) * HFC_PACK_BLOCK;
        }
    }
    cv->packed = p;
    return 0;
}
