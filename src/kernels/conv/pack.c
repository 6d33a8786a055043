#include "pack.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

hfc_packed *hfc_packed_alloc(int c_out, size_t block_elems, size_t elem_bytes, size_t extra_floats)
{
    const int n_blocks = (c_out + HFC_PACK_BLOCK - 1) / HFC_PACK_BLOCK;
    const size_t head = 64, bias_floats = (size_t)n_blocks * HFC_PACK_BLOCK;
    /* Sections after the header: bias, extra, weights; each a multiple of 64 bytes
     * (16 floats per block), so the weights stay 64-byte aligned. */
    const size_t extra = (extra_floats + 15) & ~(size_t)15;
    if (block_elems > (SIZE_MAX / 8 - head) / (size_t)n_blocks / elem_bytes ||
        extra > SIZE_MAX / 64)
        return NULL;
    size_t n_bytes = head + (bias_floats + extra) * sizeof(float) +
                     (size_t)n_blocks * block_elems * elem_bytes;
    n_bytes = (n_bytes + 63) & ~(size_t)63;
    unsigned char *mem = aligned_alloc(64, n_bytes);
    if (!mem)
        return NULL;
    memset(mem, 0, n_bytes);
    hfc_packed *p = (hfc_packed *)mem;
    p->n_blocks = n_blocks;
    p->block_elems = block_elems;
    p->bias = (float *)(mem + head);
    p->extra = extra_floats ? p->bias + bias_floats : NULL;
    p->w = p->bias + bias_floats + extra;
    return p;
}

static void pack_bias(hfc_packed *p, const float *bias, int c_out)
{
    for (int co = 0; co < c_out && bias; co++)
        p->bias[co] = bias[co];
}

int hfc_pack_conv(hfc_conv *cv)
{
    const size_t per_block = (size_t)cv->c_in * cv->weight_taps * HFC_PACK_BLOCK;
    hfc_packed *p = hfc_packed_alloc(cv->c_out, per_block, sizeof(float), 0);
    if (!p)
        return -1;
    pack_bias(p, cv->bias, cv->c_out);
    for (int co = 0; co < cv->c_out; co++) {
        float *dst = (float *)p->w + (size_t)(co / HFC_PACK_BLOCK) * per_block + co % HFC_PACK_BLOCK;
        const float *src = cv->weight + (size_t)co * cv->c_in * cv->weight_taps;
        for (size_t i = 0; i < (size_t)cv->c_in * cv->weight_taps; i++)
            dst[i * HFC_PACK_BLOCK] = src[i];
    }
    cv->packed = p;
    return 0;
}

/* Frame form (pack.h): the pointwise conv1d c_in -> c_out * kernel, its bias zero
 * (the layer's bias is added once per output, in the overlap-add). */
static int pack_convt_frames(hfc_convt *cv)
{
    const int rows = cv->c_out * cv->kernel;
    const size_t per_block = (size_t)cv->c_in * HFC_PACK_BLOCK;
    hfc_packed *p = hfc_packed_alloc(rows, per_block, sizeof(float), 0);
    if (!p)
        return -1;
    p->frame_rows = rows;
    for (int co = 0; co < cv->c_out; co++)
        for (int k = 0; k < cv->kernel; k++) {
            const int r = co * cv->kernel + k;
            float *dst = (float *)p->w + (size_t)(r / HFC_PACK_BLOCK) * per_block + r % HFC_PACK_BLOCK;
            for (int ci = 0; ci < cv->c_in; ci++)
                dst[(size_t)ci * HFC_PACK_BLOCK] =
                    cv->weight[((size_t)ci * cv->c_out + co) * cv->kernel + k];
        }
    cv->packed = p;
    return 0;
}

int hfc_pack_convt(hfc_convt *cv)
{
    if (hfc_convt_frame_form(cv))
        return pack_convt_frames(cv);
    const size_t per_block = (size_t)cv->c_in * cv->kernel * HFC_PACK_BLOCK;
    hfc_packed *p = hfc_packed_alloc(cv->c_out, per_block, sizeof(float), 0);
    if (!p)
        return -1;
    pack_bias(p, cv->bias, cv->c_out);
    for (int co = 0; co < cv->c_out; co++) {
        float *blk = (float *)p->w + (size_t)(co / HFC_PACK_BLOCK) * per_block + co % HFC_PACK_BLOCK;
        size_t phase_off = 0;
        for (int ph = 0; ph < cv->stride; ph++) {
            const int taps = hfc_convt_phase_taps(cv->kernel, cv->stride, ph);
            for (int ci = 0; ci < cv->c_in; ci++)
                for (int j = 0; j < taps; j++) {
                    const float w = cv->weight[((size_t)ci * cv->c_out + co) * cv->kernel + ph +
                                               j * cv->stride];
                    blk[phase_off + ((size_t)ci * taps + j) * HFC_PACK_BLOCK] = w;
                }
            phase_off += (size_t)cv->c_in * taps * HFC_PACK_BLOCK;
        }
    }
    cv->packed = p;
    return 0;
}
