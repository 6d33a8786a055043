/* Register tiles shared by the SIMD conv1d and transposed conv, written once in the
 * vector vocabulary of simd_<isa>.h (include that first) and compiled once per ISA.
 *
 * A tile job is a correlation over packed weights (pack.h):
 *   out(co, i) = bias[co] + sum over ci, then tap k, of
 *                w(co, ci, k) * x[ci*x_ld + i*col_step + k*tap_step]
 * for columns i in [0, n_cols), handed to the fused epilogue (conv1d.h) at column
 * offset i*y_step.
 *
 * Every tile (and the transposed conv's tile C and scalar edge code) evaluates each
 * output the same way: acc = bias, then acc = fma(w, x, acc) in (ci, k) order, then
 * the epilogue chain, whose vector and scalar forms round alike. An output's bits
 * therefore do not depend on the tile that computed it, on the column range of the
 * call, on the thread, or on the ISA (AVX2 and AVX-512 give identical results): a
 * stream that asks for a few columns at a time gets exactly the offline result.
 *
 * Tile A (time-vectorised, col_step 1, or 2 through deinterleaving loads; y_step 1):
 *   HFC_TA_ROWS channels x up to HFC_TA_VECS vectors of columns; x loaded as
 *   vectors, weights broadcast. The workhorse for wide layers.
 * Tile B (channel-vectorised): up to HFC_TB_COLS columns x blocks of 16 channels;
 *   weights loaded as vectors, x broadcast, results transposed through a small stack
 *   tile. Any stride or tap step, and efficient on a handful of columns (streaming):
 *   4 columns share each weight load, and a single column spreads HFC_TB1_BLOCKS
 *   independent FMA chains over blocks.
 *
 * Elements. The tiles multiply x and weight *elements* into float accumulators
 * through a vocabulary the includer may replace before including this file
 * (defining HFC_TILE_ELEMENTS): hfc_tx, one element of x and of the packed
 * weights; hfc_vx, a vector of them; hfc_vx_load / hfc_vx_load_even / hfc_vx_set1;
 * hfc_mac(acc, a, b), acc plus the products of a and b lane by lane; hfc_mac1, its
 * scalar twin; HFC_X_ROWS(c_in), the element rows of c_in channels. By default an
 * element is one float and hfc_mac one FMA (fp32). The bf16 kernels
 * (reduced/conv_bf16_avx512.c) make an element a pair of channels in bf16 and
 * hfc_mac one vdpbf16ps, the rest of every tile unchanged. */
#ifndef HFC_KERNELS_CONV_TILES_SIMD_H
#define HFC_KERNELS_CONV_TILES_SIMD_H

#include <math.h>
#include <stddef.h>

#include "conv1d.h"
#include "pack.h"

#define HFC_TILE_INLINE static inline __attribute__((always_inline))
#define HFC_UNROLL _Pragma("GCC unroll 32")
#define HFC_BLOCK_VECS (HFC_PACK_BLOCK / HFC_VW)

#ifndef HFC_TILE_ELEMENTS
typedef float hfc_tx;
typedef hfc_vf hfc_vx;
#define HFC_X_ROWS(c_in) (c_in)
HFC_TILE_INLINE hfc_vx hfc_vx_load(const hfc_tx *p)
{
    return hfc_vf_load(p);
}
HFC_TILE_INLINE hfc_vx hfc_vx_load_even(const hfc_tx *p)
{
    return hfc_vf_load_even(p);
}
HFC_TILE_INLINE hfc_vx hfc_vx_set1(const hfc_tx *p)
{
    return hfc_vf_set1(*p);
}
HFC_TILE_INLINE hfc_vf hfc_mac(hfc_vf acc, hfc_vx a, hfc_vx b)
{
    return hfc_vf_fma(a, b, acc);
}
HFC_TILE_INLINE float hfc_mac1(float acc, hfc_tx a, hfc_tx b)
{
    return fmaf(a, b, acc);
}
#endif

typedef struct hfc_tile_job {
    const hfc_tx *x; /* column 0, tap 0, input row 0 */
    ptrdiff_t x_ld, col_step, tap_step;
    int c_in, n_taps; /* c_in: rows of elements (HFC_X_ROWS) */
    const hfc_tx *w;  /* packed weights of block 0: (ci, k) at w + (ci*w_taps + k)*16 */
    size_t w_block;   /* elements between blocks */
    int w_taps;
    const float *bias;   /* padded to whole blocks */
    hfc_conv_epilogue e; /* pointers at column 0 */
    ptrdiff_t y_step;    /* epilogue offset between columns */
    int c_out, n_blocks;
} hfc_tile_job;

/* The epilogue chain (conv1d.h) on HFC_VW columns of channel co from offset t. */
HFC_TILE_INLINE void hfc_tile_epilogue(const hfc_conv_epilogue *e, int co, ptrdiff_t t, hfc_vf v)
{
    if (e->res)
        v = hfc_vf_add(hfc_vf_load(e->res + co * e->res_ld + t), v);
    if (e->out)
        hfc_vf_store(e->out + co * e->out_ld + t, v);
    if (e->sum)
        v = hfc_vf_add(hfc_vf_load(e->sum + co * e->sum_ld + t), v);
    if (e->divide != 0.0f)
        v = hfc_vf_div(v, hfc_vf_set1(e->divide));
    if (e->sum_out)
        hfc_vf_store(e->sum_out + co * e->sum_out_ld + t, v);
    if (e->act)
        hfc_vf_store(e->act + co * e->act_ld + t, hfc_vf_lrelu(v, hfc_vf_set1(e->slope)));
}

/* Tile A: rows [r0, r0 + HFC_TA_ROWS) of block blk, columns [i0, i0 + nv*HFC_VW);
 * col_step 1, or 2 with `even` (x deinterleaved on load: the encoder's 2x
 * downsampling, its highest-rate strided layer). */
HFC_TILE_INLINE void hfc_tile_a(const hfc_tile_job *j, int blk, int r0, int i0, const int nv,
                                const int even)
{
    hfc_vf acc[HFC_TA_ROWS][HFC_TA_VECS];
    const int row0 = blk * HFC_PACK_BLOCK + r0;
    HFC_UNROLL
    for (int r = 0; r < HFC_TA_ROWS; r++) {
        const hfc_vf b = hfc_vf_set1(j->bias[row0 + r]);
        HFC_UNROLL
        for (int v = 0; v < nv; v++)
            acc[r][v] = b;
    }
    const hfc_tx *wb = j->w + (size_t)blk * j->w_block + r0;
    for (int ci = 0; ci < j->c_in; ci++) {
        const hfc_tx *xr = j->x + ci * j->x_ld + (even ? 2 * i0 : i0);
        const hfc_tx *wr = wb + (size_t)ci * j->w_taps * HFC_PACK_BLOCK;
        for (int k = 0; k < j->n_taps; k++) {
            const hfc_tx *xk = xr + k * j->tap_step;
            const hfc_tx *wk = wr + k * HFC_PACK_BLOCK;
            hfc_vx xv[HFC_TA_VECS];
            HFC_UNROLL
            for (int v = 0; v < nv; v++)
                xv[v] = even ? hfc_vx_load_even(xk + 2 * v * HFC_VW) : hfc_vx_load(xk + v * HFC_VW);
            HFC_UNROLL
            for (int r = 0; r < HFC_TA_ROWS; r++) {
                const hfc_vx w = hfc_vx_set1(wk + r);
                HFC_UNROLL
                for (int v = 0; v < nv; v++)
                    acc[r][v] = hfc_mac(acc[r][v], xv[v], w);
            }
        }
    }
    const int n_rows = j->c_out - row0 < HFC_TA_ROWS ? j->c_out - row0 : HFC_TA_ROWS;
    HFC_UNROLL
    for (int r = 0; r < HFC_TA_ROWS; r++) {
        if (r >= n_rows)
            break;
        HFC_UNROLL
        for (int v = 0; v < nv; v++)
            hfc_tile_epilogue(&j->e, row0 + r, i0 + v * HFC_VW, acc[r][v]);
    }
}

/* Tile B's results, tile[m * tile_ld + r] for row row0 + r and column i0 + m, through
 * the epilogue. Element by element (the columns of a row are y_step apart), so the
 * common chains (store, activate, both) get loops of their own without a branch per
 * element; anything else takes the general chain. */
static void hfc_tile_b_epilogue(const hfc_tile_job *j, int row0, int n_rows, int i0, int mt,
                                const float *tile, int tile_ld)
{
    const hfc_conv_epilogue *e = &j->e;
    const ptrdiff_t ys = j->y_step;
    if (e->res || e->sum || e->sum_out || e->divide != 0.0f) {
        for (int r = 0; r < n_rows; r++)
            for (int m = 0; m < mt; m++)
                hfc_conv_epilogue_apply(e, row0 + r, (i0 + m) * ys, tile[m * tile_ld + r]);
        return;
    }
    const float slope = e->slope;
    for (int r = 0; r < n_rows; r++) {
        const float *v = tile + r;
        float *out = e->out ? e->out + (row0 + r) * e->out_ld + i0 * ys : NULL;
        float *act = e->act ? e->act + (row0 + r) * e->act_ld + i0 * ys : NULL;
        if (out && act)
            for (int m = 0; m < mt; m++) {
                const float x = v[m * tile_ld];
                out[m * ys] = x;
                act[m * ys] = x >= 0.0f ? x : x * slope;
            }
        else if (out)
            for (int m = 0; m < mt; m++)
                out[m * ys] = v[m * tile_ld];
        else if (act)
            for (int m = 0; m < mt; m++) {
                const float x = v[m * tile_ld];
                act[m * ys] = x >= 0.0f ? x : x * slope;
            }
    }
}

/* Tile B: columns [i0, i0 + mt) of blocks [blk, blk + nb). */
HFC_TILE_INLINE void hfc_tile_b(const hfc_tile_job *j, int blk, int i0, const int mt, const int nb)
{
    enum {
        MT = HFC_TB_COLS > 4 ? HFC_TB_COLS : 4,
        NB = HFC_TB_BLOCKS > HFC_TB1_BLOCKS ? HFC_TB_BLOCKS : HFC_TB1_BLOCKS,
        NQ = (NB > HFC_TB4_BLOCKS ? NB : HFC_TB4_BLOCKS) * HFC_BLOCK_VECS
    };
    hfc_vf acc[MT][NQ];
    const int nq = nb * HFC_BLOCK_VECS;
    const hfc_tx *wb = j->w + (size_t)blk * j->w_block;
    HFC_UNROLL
    for (int q = 0; q < nq; q++) {
        const hfc_vf b =
            hfc_vf_load(j->bias + blk * HFC_PACK_BLOCK + (q / HFC_BLOCK_VECS) * HFC_PACK_BLOCK +
                        (q % HFC_BLOCK_VECS) * HFC_VW);
        HFC_UNROLL
        for (int m = 0; m < mt; m++)
            acc[m][q] = b;
    }
    for (int ci = 0; ci < j->c_in; ci++) {
        const hfc_tx *xr = j->x + ci * j->x_ld + i0 * j->col_step;
        const hfc_tx *wr = wb + (size_t)ci * j->w_taps * HFC_PACK_BLOCK;
        for (int k = 0; k < j->n_taps; k++) {
            const hfc_tx *xk = xr + k * j->tap_step;
            const hfc_tx *wk = wr + k * HFC_PACK_BLOCK;
            hfc_vx wv[NQ];
            HFC_UNROLL
            for (int q = 0; q < nq; q++)
                wv[q] = hfc_vx_load(wk + (q / HFC_BLOCK_VECS) * j->w_block +
                                    (q % HFC_BLOCK_VECS) * HFC_VW);
            HFC_UNROLL
            for (int m = 0; m < mt; m++) {
                const hfc_vx xb = hfc_vx_set1(xk + m * j->col_step);
                HFC_UNROLL
                for (int q = 0; q < nq; q++)
                    acc[m][q] = hfc_mac(acc[m][q], wv[q], xb);
            }
        }
    }
    /* Transpose through the stack: acc holds channels along lanes, y wants columns. */
    float tile[MT][NQ * HFC_VW] __attribute__((aligned(64)));
    HFC_UNROLL
    for (int m = 0; m < mt; m++)
        HFC_UNROLL
    for (int q = 0; q < nq; q++)
        hfc_vf_store(&tile[m][q * HFC_VW], acc[m][q]);
    const int row0 = blk * HFC_PACK_BLOCK;
    const int n_rows =
        j->c_out - row0 < nb * HFC_PACK_BLOCK ? j->c_out - row0 : nb * HFC_PACK_BLOCK;
    hfc_tile_b_epilogue(j, row0, n_rows, i0, mt, &tile[0][0], NQ * HFC_VW);
}

/* Columns [i_begin, i_end) through tile B: whole wide tiles, then the rest one
 * column at a time (hfc_tiles_b_narrow). Column chunks outside, blocks inside, so a
 * chunk of x stays in cache across all blocks. */
static void hfc_tiles_b_narrow(const hfc_tile_job *j, int i_begin, int i_end);

static void hfc_tiles_b(const hfc_tile_job *j, int i_begin, int i_end)
{
    enum { CHUNK = 16 * HFC_TB_COLS };
    const int i_wide = i_begin + (i_end - i_begin) / HFC_TB_COLS * HFC_TB_COLS;
    for (int c0 = i_begin; c0 < i_wide; c0 += CHUNK) {
        const int c1 = i_wide - c0 < CHUNK ? i_wide : c0 + CHUNK;
        int blk = 0;
        for (; blk + HFC_TB_BLOCKS <= j->n_blocks; blk += HFC_TB_BLOCKS)
            for (int i = c0; i < c1; i += HFC_TB_COLS)
                hfc_tile_b(j, blk, i, HFC_TB_COLS, HFC_TB_BLOCKS);
        for (; blk < j->n_blocks; blk++)
            for (int i = c0; i < c1; i += HFC_TB_COLS)
                hfc_tile_b(j, blk, i, HFC_TB_COLS, 1);
    }
    hfc_tiles_b_narrow(j, i_wide, i_end);
}

/* Few columns (a stream's call on a low-rate layer): groups of 4 columns over
 * HFC_TB4_BLOCKS blocks, each pass over the weights serving 4 columns; then single
 * columns over HFC_TB1_BLOCKS blocks, for enough independent FMA chains. */
static void hfc_tiles_b_narrow(const hfc_tile_job *j, int i_begin, int i_end)
{
    for (; i_begin + 4 <= i_end; i_begin += 4) {
        int blk = 0;
        for (; blk + HFC_TB4_BLOCKS <= j->n_blocks; blk += HFC_TB4_BLOCKS)
            hfc_tile_b(j, blk, i_begin, 4, HFC_TB4_BLOCKS);
        for (; blk < j->n_blocks; blk++)
            hfc_tile_b(j, blk, i_begin, 4, 1);
    }
    for (int i = i_begin; i < i_end; i++) {
        int blk = 0;
        for (; blk + HFC_TB1_BLOCKS <= j->n_blocks; blk += HFC_TB1_BLOCKS)
            hfc_tile_b(j, blk, i, 1, HFC_TB1_BLOCKS);
        for (; blk < j->n_blocks; blk++)
            hfc_tile_b(j, blk, i, 1, 1);
    }
}

#endif
