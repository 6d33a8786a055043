/* What every conv tile set shares (conv_tiles_simd.h for fp32 and bf16,
 * reduced/int8/conv_int8_tiles.h for int8): the tile job, the epilogue of a tile's
 * results, and the element vocabulary (conv_tiles_simd.h explains it), fp32 unless
 * the includer defined its own (HFC_TILE_ELEMENTS). Include after simd_<isa>.h. */
#ifndef HFC_KERNELS_CONV_TILE_JOB_H
#define HFC_KERNELS_CONV_TILE_JOB_H

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

/* Tile B's largest shape over its uses (conv_tile_loops.h): columns, and vectors of
 * channels per column; each ISA and tile set sets HFC_TB_* before including. */
#define HFC_TB_MAX_COLS (HFC_TB_COLS > 4 ? HFC_TB_COLS : 4)
#define HFC_TB_MAX_BLOCKS_1 (HFC_TB_BLOCKS > HFC_TB1_BLOCKS ? HFC_TB_BLOCKS : HFC_TB1_BLOCKS)
#define HFC_TB_MAX_VECS                                                                          \
    ((HFC_TB_MAX_BLOCKS_1 > HFC_TB4_BLOCKS ? HFC_TB_MAX_BLOCKS_1 : HFC_TB4_BLOCKS) * HFC_BLOCK_VECS)

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
    const ptrdiff_t *col_x; /* a gathered job's column offsets into x (tile B), or NULL */
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

/* A tile B's accumulators (acc[m * nq_max + q]: column m, vector q of the blocks
 * from blk) through the epilogue: transposed through the stack, since acc holds
 * channels along lanes and y wants columns. */
HFC_TILE_INLINE void hfc_tile_b_store(const hfc_tile_job *j, int blk, int nb, int i0, const int mt,
                                      const int nq_max, const hfc_vf *acc)
{
    enum { MT = HFC_TB_MAX_COLS, TILE_Q = HFC_TB_MAX_VECS };
    float tile[MT][TILE_Q * HFC_VW] __attribute__((aligned(64)));
    const int nq = nb * HFC_BLOCK_VECS;
    HFC_UNROLL
    for (int m = 0; m < mt; m++)
        HFC_UNROLL
    for (int q = 0; q < nq; q++)
        hfc_vf_store(&tile[m][q * HFC_VW], acc[m * nq_max + q]);
    const int row0 = blk * HFC_PACK_BLOCK;
    const int n_rows =
        j->c_out - row0 < nb * HFC_PACK_BLOCK ? j->c_out - row0 : nb * HFC_PACK_BLOCK;
    hfc_tile_b_epilogue(j, row0, n_rows, i0, mt, &tile[0][0], TILE_Q * HFC_VW);
}

/* A tile C's accumulators (acc[phase][r], rows from row0, S phases of input
 * columns u0..u0+VW) through the epilogue, the phases interleaved in registers
 * into contiguous outputs; e is at the output column of full output u0 * S. */
HFC_TILE_INLINE void hfc_tile_c_store(const hfc_tile_job *j, int row0, const int R, const int S,
                                      hfc_vf (*acc)[HFC_TA_ROWS])
{
    const int n_rows = j->c_out - row0 < R ? j->c_out - row0 : R;
    HFC_UNROLL
    for (int r = 0; r < R; r++) {
        if (r >= n_rows)
            break;
        if (S == 2) {
            hfc_tile_epilogue(&j->e, row0 + r, 0, hfc_vf_zip_lo(acc[0][r], acc[1][r]));
            hfc_tile_epilogue(&j->e, row0 + r, HFC_VW, hfc_vf_zip_hi(acc[0][r], acc[1][r]));
        } else {
            const hfc_vf a = hfc_vf_zip_lo(acc[0][r], acc[2][r]),
                         b = hfc_vf_zip_lo(acc[1][r], acc[3][r]);
            const hfc_vf c = hfc_vf_zip_hi(acc[0][r], acc[2][r]),
                         d = hfc_vf_zip_hi(acc[1][r], acc[3][r]);
            hfc_tile_epilogue(&j->e, row0 + r, 0, hfc_vf_zip_lo(a, b));
            hfc_tile_epilogue(&j->e, row0 + r, HFC_VW, hfc_vf_zip_hi(a, b));
            hfc_tile_epilogue(&j->e, row0 + r, 2 * HFC_VW, hfc_vf_zip_lo(c, d));
            hfc_tile_epilogue(&j->e, row0 + r, 3 * HFC_VW, hfc_vf_zip_hi(c, d));
        }
    }
}

#endif
