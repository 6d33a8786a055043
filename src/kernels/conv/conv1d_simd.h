/* conv1d for one ISA, from the shared tiles (conv_tiles_simd.h): include after
 * simd_<isa>.h. Stride-1 and stride-2 layers run tile A over whole vectors of
 * columns and tile B over the rest; wider strides run tile B throughout. Needs
 * cv->packed.
 *
 * conv1d_tiles runs the tiles on x already in the tiles' elements. With the default
 * (fp32) elements conv1d_run hands it the caller's x as is; an includer whose
 * elements need a conversion (HFC_TILE_CONVERTS_INPUT) defines conv1d_run itself,
 * converting x a chunk of columns at a time. */
#include "conv1d.h"
#ifndef HFC_TILES_DEFINED
#include "conv_tiles_simd.h"
#endif

_Static_assert(HFC_TA_VECS == 3, "conv1d_run's tile A dispatch expects 3 vectors");

/* Tile A over columns [c0, c1), a multiple of HFC_VW. */
HFC_TILE_INLINE void tiles_a(const hfc_tile_job *j, int blk, int r0, int c0, int c1, const int even)
{
    enum { SPAN = HFC_TA_VECS * HFC_VW };
    int i = c0;
    for (; i + SPAN <= c1; i += SPAN)
        hfc_tile_a(j, blk, r0, i, 3, even);
    if (c1 - i == 2 * HFC_VW)
        hfc_tile_a(j, blk, r0, i, 2, even);
    else if (c1 - i == HFC_VW)
        hfc_tile_a(j, blk, r0, i, 1, even);
}

static void conv1d_run(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                       const hfc_conv_epilogue *e);

/* The tile job of conv cv on x (already in the tiles' elements), epilogue e. */
static inline hfc_tile_job conv1d_job(const hfc_conv *cv, const hfc_tx *x, ptrdiff_t x_ld,
                                      const hfc_conv_epilogue *e)
{
    const hfc_packed *p = cv->packed;
    const hfc_tile_job j = {
        .x = x,
        .x_ld = x_ld,
        .col_step = cv->stride,
        .tap_step = cv->dilation,
        .c_in = HFC_X_ROWS(cv->c_in),
        .n_taps = cv->kernel,
        .w = (const hfc_tx *)p->w,
        .w_block = p->block_elems,
        .w_taps = cv->weight_taps,
        .bias = p->bias,
        .e = *e,
        .y_step = 1,
        .c_out = cv->c_out,
        .n_blocks = p->n_blocks,
    };
    return j;
}

static void conv1d_tiles(const hfc_conv *cv, const hfc_tx *x, ptrdiff_t x_ld, int n_out,
                         const hfc_conv_epilogue *e)
{
    const hfc_packed *p = cv->packed;
    const hfc_tile_job j = conv1d_job(cv, x, x_ld, e);
    /* A handful of columns: weights dominate, one pass over them per column. */
    if (n_out < HFC_TB_COLS) {
        hfc_tiles_b_narrow(&j, 0, n_out);
        return;
    }
    /* A stride-2 vector load reads one column past its last: keep the last output
     * column, whose inputs end the row, for tile B. */
    const int even = cv->stride == 2;
    const int n_a = cv->stride == 1 ? n_out / HFC_VW * HFC_VW
                    : even          ? (n_out - 1) / HFC_VW * HFC_VW
                                    : 0;
    /* A chunk of columns is swept by every row group before the next, so its x
     * stays in cache while the weights stream by. */
    enum { SPAN = HFC_TA_VECS * HFC_VW, CHUNK = 4 * SPAN };
    for (int c0 = 0; c0 < n_a; c0 += CHUNK) {
        const int c1 = n_a - c0 < CHUNK ? n_a : c0 + CHUNK;
        for (int blk = 0; blk < p->n_blocks; blk++)
            for (int r0 = 0; r0 < HFC_PACK_BLOCK && blk * HFC_PACK_BLOCK + r0 < cv->c_out;
                 r0 += HFC_TA_ROWS) {
                if (even)
                    tiles_a(&j, blk, r0, c0, c1, 1);
                else
                    tiles_a(&j, blk, r0, c0, c1, 0);
            }
    }
    hfc_tiles_b(&j, n_a, n_out);
}

#ifndef HFC_TILE_CONVERTS_INPUT
static void conv1d_run(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                       const hfc_conv_epilogue *e)
{
    conv1d_tiles(cv, x, x_ld, n_out, e);
}
#endif

void HFC_SIMD_NAME(hfc_conv1d)(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                               ptrdiff_t y_ld, int n_out, int accumulate)
{
    const hfc_conv_epilogue e = {
        .res = accumulate ? y : NULL, .out = y, .res_ld = y_ld, .out_ld = y_ld};
    conv1d_run(cv, x, x_ld, n_out, &e);
}

void HFC_SIMD_NAME(hfc_conv1d_fused)(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                                     const hfc_conv_epilogue *e)
{
    conv1d_run(cv, x, x_ld, n_out, e);
}
