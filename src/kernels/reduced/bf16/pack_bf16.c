/* bf16 weights in the packed layout (conv_bf16.h). The bias stays fp32, with a
 * denormal read as zero as VDPBF16PS reads its accumulator. */
#include "pack.h"
#include "bf16.h"
#include "conv_bf16.h"
#include "reduced.h"

int hfc_bf16_takes(const hfc_conv *cv, const hfc_convt *cvt)
{
    return hfc_reduced_fits(cv, cvt, HFC_BF16_ROW_BYTES(cv ? cv->c_in : cvt->c_in));
}

static void pack_bias(hfc_packed *p, const float *bias, int c_out)
{
    for (int co = 0; co < c_out && bias; co++)
        p->bias[co] = hfc_bf16_ftz(bias[co]);
}

/* w[ci] for channel pair, or 0 past the last channel. */
static uint32_t pair_of(const float *w, size_t ci_step, int c_in, int pair)
{
    const int ci = 2 * pair;
    return hfc_bf16_pair(w[(size_t)ci * ci_step],
                         ci + 1 < c_in ? w[(size_t)(ci + 1) * ci_step] : 0.0f);
}

int hfc_pack_conv_bf16(hfc_conv *cv)
{
    const int pairs = (cv->c_in + 1) / 2, taps = cv->weight_taps;
    const size_t per_block = (size_t)pairs * taps * HFC_PACK_BLOCK;
    hfc_packed *p = hfc_packed_alloc(cv->c_out, per_block, sizeof(uint32_t), 0);
    if (!p)
        return -1;
    pack_bias(p, cv->bias, cv->c_out);
    for (int co = 0; co < cv->c_out; co++) {
        uint32_t *dst =
            (uint32_t *)p->w + (size_t)(co / HFC_PACK_BLOCK) * per_block + co % HFC_PACK_BLOCK;
        const float *src = cv->weight + (size_t)co * cv->c_in * taps;
        for (int q = 0; q < pairs; q++)
            for (int k = 0; k < taps; k++)
                dst[((size_t)q * taps + k) * HFC_PACK_BLOCK] =
                    pair_of(src + k, (size_t)taps, cv->c_in, q);
    }
    cv->packed = p;
    return 0;
}

int hfc_pack_convt_bf16(hfc_convt *cv)
{
    const int pairs = (cv->c_in + 1) / 2;
    const size_t per_block = (size_t)pairs * cv->kernel * HFC_PACK_BLOCK;
    hfc_packed *p = hfc_packed_alloc(cv->c_out, per_block, sizeof(uint32_t), 0);
    if (!p)
        return -1;
    pack_bias(p, cv->bias, cv->c_out);
    const size_t ci_step = (size_t)cv->c_out * cv->kernel;
    for (int co = 0; co < cv->c_out; co++) {
        uint32_t *blk =
            (uint32_t *)p->w + (size_t)(co / HFC_PACK_BLOCK) * per_block + co % HFC_PACK_BLOCK;
        size_t phase_off = 0;
        for (int ph = 0; ph < cv->stride; ph++) {
            const int taps = hfc_convt_phase_taps(cv->kernel, cv->stride, ph);
            for (int q = 0; q < pairs; q++)
                for (int j = 0; j < taps; j++)
                    blk[phase_off + ((size_t)q * taps + j) * HFC_PACK_BLOCK] =
                        pair_of(cv->weight + (size_t)co * cv->kernel + ph + j * cv->stride, ci_step,
                                cv->c_in, q);
            phase_off += (size_t)pairs * taps * HFC_PACK_BLOCK;
        }
    }
    cv->packed = p;
    return 0;
}
