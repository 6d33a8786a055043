/* Weights repacked at model load for the SIMD paths (kernels_<isa>.c `prepare`).
 * Output channels come in blocks of HFC_PACK_BLOCK = 16, the last one zero-padded,
 * so the weights one tile step needs are 16 consecutive floats (one 64-byte line)
 * whatever the vector width: AVX-512 reads them as 1 vector, AVX2 as 2, NEON as 4.
 *
 * conv1d:   w[block][ci][tap][16] with weight_taps taps per channel, as in the
 *           model, so a streaming layer that cuts its taps still finds its weights.
 * transposed conv: per block, the stride phases p = 0..stride-1 one after the other;
 *           phase p holds taps k = p + j*stride (j < hfc_convt_phase_taps), laid out
 *           [ci][j][16]: output m = u*stride + p reads input u - j through tap j.
 *           A layer with few output channels and a long kernel (hfc_convt_frame_form:
 *           the istft head, 1 channel x 160 taps) is packed instead as the pointwise
 *           conv1d from c_in to c_out * kernel "frame" rows (row co * kernel + k holds
 *           w[ci][co][k], bias zero), which fills every lane; frame_rows says so.
 * The reduced formats (reduced/) keep this order with their own elements in place
 * of floats (a pair of channels in bf16; int8 orders taps before channels). */
#ifndef HFC_KERNELS_PACK_H
#define HFC_KERNELS_PACK_H

#include <stddef.h>

#include "layers.h"

#define HFC_PACK_BLOCK 16

typedef struct hfc_packed {
    int n_blocks;
    size_t block_elems; /* elements of w per block (floats in fp32) */
    float *bias;        /* [n_blocks * 16], zero-padded */
    float *extra;       /* a format's own per-channel data (int8: scales); or NULL */
    void *w;
    int frame_rows;     /* transposed conv in frame form: c_out * kernel; else 0 */
} hfc_packed;

/* One 64-byte aligned, zeroed allocation: the header, the bias, extra_floats of
 * extra, then n_blocks * block_elems weight elements of elem_bytes each. NULL when
 * out of memory. Released with free(). */
hfc_packed *hfc_packed_alloc(int c_out, size_t block_elems, size_t elem_bytes, size_t extra_floats);

/* Allocate and fill cv->packed / cv->packed. Return 0, or -1 when out of memory
 * (the layer is then left unpacked). */
int hfc_pack_conv(hfc_conv *cv);
int hfc_pack_convt(hfc_convt *cv);

/* Largest tile of frame rows x columns the frame form keeps on the stack (64 KB). */
#define HFC_FRAME_TILE_FLOATS 16384

/* Whether a transposed conv runs in frame form (see above): a phase of the phase
 * form fills c_out of a block's 16 lanes, so with 4 channels or fewer the frame form
 * wins once the kernel gives a block's worth of rows. The overlap-add needs whole
 * taps per phase and a stack tile of at least 8 columns beyond the overlap. */
static inline int hfc_convt_frame_form(const hfc_convt *cv)
{
    const int rows = cv->c_out * cv->kernel;
    return cv->c_out * 4 <= HFC_PACK_BLOCK && rows >= HFC_PACK_BLOCK && cv->stride > 0 &&
           cv->kernel % cv->stride == 0 &&
           rows * (cv->kernel / cv->stride - 1 + 8) <= HFC_FRAME_TILE_FLOATS;
}

/* Taps of phase p of a transposed conv: the k < kernel with k = p (mod stride). */
static inline int hfc_convt_phase_taps(int kernel, int stride, int p)
{
    return (kernel - p + stride - 1) / stride;
}

#endif
