/* The int8 tile set (conv_int8.h): tiles A, B, C and the edge column with the names
 * and jobs of conv_tiles_simd.h, so the conv1d and transposed-conv dispatch
 * (conv1d_simd.h, conv_transpose1d_simd.h) runs them unchanged. Include after
 * simd_int8_<isa>.h.
 *
 * A job's x is the converted input (hfc_int8_convert): j->c_in = quads + 1 rows, the
 * quads of x8 + 128 then the row of column scales, so the scales move with x when the
 * dispatch offsets x to a column. Its weights hold, per block and tap, the
 * compensation row then the quads: tap k at w + k * c_in * 16. The weight scales
 * follow the bias (hfc_packed: bias, then extra).
 *
 * Each tile sums per tap: an int32 sum started from the compensation, quad by quad
 * (VPDPBUSD), folded into the float total with the column's scale; then
 * v = fma(total, ws, bias), exactly the reference's order of float operations. */
#ifndef HFC_KERNELS_CONV_INT8_TILES_H
#define HFC_KERNELS_CONV_INT8_TILES_H
#define HFC_TILES_DEFINED 1

#include <stdint.h>

#define HFC_TILE_ELEMENTS 1
#define HFC_TILE_CONVERTS_INPUT 1
typedef uint32_t hfc_tx;
#define HFC_X_ROWS(c_in) (((c_in) + 3) / 4 + 1)

#include "conv_tile_job.h"
#include "int8.h"

#define HFC_TC_ROWS(S) (2 * HFC_TA_ROWS / (S))

static inline const float *hfc_i8_scales(const hfc_tile_job *j)
{
    return (const float *)(j->x + (ptrdiff_t)(j->c_in - 1) * j->x_ld);
}

static inline const float *hfc_i8_wscales(const hfc_tile_job *j)
{
    return j->bias + (ptrdiff_t)j->n_blocks * HFC_PACK_BLOCK;
}

/* Tile A: rows [r0, r0 + HFC_TA_ROWS) of block blk, columns [i0, i0 + nv*HFC_VW). */
HFC_TILE_INLINE void hfc_tile_a(const hfc_tile_job *j, int blk, int r0, int i0, const int nv,
                                const int even)
{
    const int quads = j->c_in - 1, row0 = blk * HFC_PACK_BLOCK + r0;
    const ptrdiff_t c0 = even ? 2 * i0 : i0;
    const hfc_tx *wb = j->w + (size_t)blk * j->w_block + r0;
    const float *scale = hfc_i8_scales(j) + c0;
    hfc_vf acc[HFC_TA_ROWS][HFC_TA_VECS];
    HFC_UNROLL
    for (int r = 0; r < HFC_TA_ROWS; r++)
        HFC_UNROLL
    for (int v = 0; v < nv; v++)
        acc[r][v] = hfc_vf_set1(0.0f);
    for (int k = 0; k < j->n_taps; k++) {
        const hfc_tx *wk = wb + (size_t)k * j->c_in * HFC_PACK_BLOCK;
        const hfc_tx *xk = j->x + c0 + k * j->tap_step;
        hfc_vi sum[HFC_TA_ROWS][HFC_TA_VECS];
        HFC_UNROLL
        for (int r = 0; r < HFC_TA_ROWS; r++)
            HFC_UNROLL
        for (int v = 0; v < nv; v++)
            sum[r][v] = hfc_vi_set1(wk[r]);
        for (int q = 0; q < quads; q++) {
            const hfc_tx *xq = xk + q * j->x_ld, *wq = wk + (size_t)(1 + q) * HFC_PACK_BLOCK;
            hfc_vi xv[HFC_TA_VECS];
            HFC_UNROLL
            for (int v = 0; v < nv; v++)
                xv[v] = even ? hfc_vi_load_even(xq + 2 * v * HFC_VW) : hfc_vi_load(xq + v * HFC_VW);
            HFC_UNROLL
            for (int r = 0; r < HFC_TA_ROWS; r++) {
                const hfc_vi w = hfc_vi_set1(wq[r]);
                HFC_UNROLL
                for (int v = 0; v < nv; v++)
                    sum[r][v] = hfc_vi_dot(sum[r][v], xv[v], w);
            }
        }
        const float *sk = scale + k * j->tap_step;
        HFC_UNROLL
        for (int v = 0; v < nv; v++) {
            const hfc_vf s =
                even ? hfc_vf_load_even(sk + 2 * v * HFC_VW) : hfc_vf_load(sk + v * HFC_VW);
            HFC_UNROLL
            for (int r = 0; r < HFC_TA_ROWS; r++)
                acc[r][v] = hfc_vf_fma(hfc_vi_float(sum[r][v]), s, acc[r][v]);
        }
    }
    const float *ws = hfc_i8_wscales(j);
    const int n_rows = j->c_out - row0 < HFC_TA_ROWS ? j->c_out - row0 : HFC_TA_ROWS;
    HFC_UNROLL
    for (int r = 0; r < HFC_TA_ROWS; r++) {
        if (r >= n_rows)
            break;
        const hfc_vf scale_r = hfc_vf_set1(ws[row0 + r]), bias_r = hfc_vf_set1(j->bias[row0 + r]);
        HFC_UNROLL
        for (int v = 0; v < nv; v++)
            hfc_tile_epilogue(&j->e, row0 + r, i0 + v * HFC_VW,
                              hfc_vf_fma(acc[r][v], scale_r, bias_r));
    }
}

/* Tile B: columns [i0, i0 + mt) of blocks [blk, blk + nb) (gathered: as in
 * conv_tiles_simd.h). */
HFC_TILE_INLINE void hfc_tile_b(const hfc_tile_job *j, int blk, int i0, const int mt, const int nb,
                                const int gathered)
{
    enum { MT = HFC_TB_MAX_COLS, NQ = HFC_TB_MAX_VECS };
    const int quads = j->c_in - 1, nq = nb * HFC_BLOCK_VECS;
    const hfc_tx *wb = j->w + (size_t)blk * j->w_block;
    const float *scale = hfc_i8_scales(j);
    hfc_vf acc[MT][NQ];
    HFC_UNROLL
    for (int m = 0; m < mt; m++)
        HFC_UNROLL
    for (int q = 0; q < nq; q++)
        acc[m][q] = hfc_vf_set1(0.0f);
    for (int k = 0; k < j->n_taps; k++) {
        const hfc_tx *wk = wb + (size_t)k * j->c_in * HFC_PACK_BLOCK;
        const ptrdiff_t xk = (gathered ? 0 : i0 * j->col_step) + k * j->tap_step;
        hfc_vi sum[MT][NQ];
        HFC_UNROLL
        for (int q = 0; q < nq; q++) {
            const hfc_vi comp =
                hfc_vi_load(wk + (q / HFC_BLOCK_VECS) * j->w_block + (q % HFC_BLOCK_VECS) * HFC_VW);
            HFC_UNROLL
            for (int m = 0; m < mt; m++)
                sum[m][q] = comp;
        }
        for (int qd = 0; qd < quads; qd++) {
            const hfc_tx *wq = wk + (size_t)(1 + qd) * HFC_PACK_BLOCK;
            hfc_vi wv[NQ];
            HFC_UNROLL
            for (int q = 0; q < nq; q++)
                wv[q] = hfc_vi_load(wq + (q / HFC_BLOCK_VECS) * j->w_block +
                                    (q % HFC_BLOCK_VECS) * HFC_VW);
            const hfc_tx *xq = j->x + qd * j->x_ld + xk;
            HFC_UNROLL
            for (int m = 0; m < mt; m++) {
                const hfc_vi xb =
                    hfc_vi_set1(xq[gathered ? j->col_x[i0 + m] : m * j->col_step]);
                HFC_UNROLL
                for (int q = 0; q < nq; q++)
                    sum[m][q] = hfc_vi_dot(sum[m][q], xb, wv[q]);
            }
        }
        HFC_UNROLL
        for (int m = 0; m < mt; m++) {
            const hfc_vf s =
                hfc_vf_set1(scale[xk + (gathered ? j->col_x[i0 + m] : m * j->col_step)]);
            HFC_UNROLL
            for (int q = 0; q < nq; q++)
                acc[m][q] = hfc_vf_fma(hfc_vi_float(sum[m][q]), s, acc[m][q]);
        }
    }
    const float *ws = hfc_i8_wscales(j) + blk * HFC_PACK_BLOCK;
    const float *bias = j->bias + blk * HFC_PACK_BLOCK;
    HFC_UNROLL
    for (int q = 0; q < nq; q++) {
        const ptrdiff_t lane = (q / HFC_BLOCK_VECS) * HFC_PACK_BLOCK + (q % HFC_BLOCK_VECS) * HFC_VW;
        const hfc_vf scale_q = hfc_vf_load(ws + lane), bias_q = hfc_vf_load(bias + lane);
        HFC_UNROLL
        for (int m = 0; m < mt; m++)
            acc[m][q] = hfc_vf_fma(acc[m][q], scale_q, bias_q);
    }
    hfc_tile_b_store(j, blk, nb, i0, mt, NQ, &acc[0][0]);
}

#include "conv_tile_loops.h"

/* One output column i of a transposed conv's phase (input u, taps over u - k), in
 * scalar code: a missing input adds nothing, with scale 0, as in the reference. */
static inline void hfc_edge_column(const hfc_tile_job *j, int i, int u, int n_in)
{
    const int quads = j->c_in - 1;
    const float *scale = hfc_i8_scales(j), *ws = hfc_i8_wscales(j);
    for (int co = 0; co < j->c_out; co++) {
        const hfc_tx *w =
            j->w + (size_t)(co / HFC_PACK_BLOCK) * j->w_block + co % HFC_PACK_BLOCK;
        float acc = 0.0f;
        for (int k = 0; k < j->n_taps; k++) {
            const int t = u - k;
            const hfc_tx *wk = w + (size_t)k * j->c_in * HFC_PACK_BLOCK;
            int32_t sum = 0;
            float s = 0.0f;
            if (t >= 0 && t < n_in) {
                sum = (int32_t)wk[0];
                for (int q = 0; q < quads; q++)
                    sum += hfc_int8_dot4(j->x[q * j->x_ld + t], wk[(size_t)(1 + q) * HFC_PACK_BLOCK]);
                s = scale[t];
            }
            acc = fmaf((float)sum, s, acc);
        }
        hfc_conv_epilogue_apply(&j->e, co, i * j->y_step, fmaf(acc, ws[co], j->bias[co]));
    }
}

/* Tile C: rows [r0, r0 + HFC_TC_ROWS(S)) of block blk for input columns
 * [u0, u0 + HFC_VW), all S phases at once (conv_tiles_simd.h). */
HFC_TILE_INLINE void hfc_tile_c(const hfc_tile_job *j, int blk, int r0, int u0, const int S)
{
    const int R = HFC_TC_ROWS(S), quads = j->c_in - 1;
    const int row0 = blk * HFC_PACK_BLOCK + r0;
    const size_t phase_elems = (size_t)j->c_in * j->n_taps * HFC_PACK_BLOCK;
    const hfc_tx *wb = j->w + (size_t)blk * j->w_block + r0;
    const float *scale = hfc_i8_scales(j) + u0;
    hfc_vf acc[4][HFC_TA_ROWS];
    HFC_UNROLL
    for (int ph = 0; ph < S; ph++)
        HFC_UNROLL
    for (int r = 0; r < R; r++)
        acc[ph][r] = hfc_vf_set1(0.0f);
    for (int k = 0; k < j->n_taps; k++) {
        const hfc_tx *wk = wb + (size_t)k * j->c_in * HFC_PACK_BLOCK;
        hfc_vi sum[4][HFC_TA_ROWS];
        HFC_UNROLL
        for (int ph = 0; ph < S; ph++)
            HFC_UNROLL
        for (int r = 0; r < R; r++)
            sum[ph][r] = hfc_vi_set1(wk[ph * phase_elems + r]);
        for (int q = 0; q < quads; q++) {
            const hfc_vi xv = hfc_vi_load(j->x + q * j->x_ld + u0 - k);
            const hfc_tx *wq = wk + (size_t)(1 + q) * HFC_PACK_BLOCK;
            HFC_UNROLL
            for (int ph = 0; ph < S; ph++)
                HFC_UNROLL
            for (int r = 0; r < R; r++)
                sum[ph][r] = hfc_vi_dot(sum[ph][r], xv, hfc_vi_set1(wq[ph * phase_elems + r]));
        }
        const hfc_vf s = hfc_vf_load(scale - k);
        HFC_UNROLL
        for (int ph = 0; ph < S; ph++)
            HFC_UNROLL
        for (int r = 0; r < R; r++)
            acc[ph][r] = hfc_vf_fma(hfc_vi_float(sum[ph][r]), s, acc[ph][r]);
    }
    const float *ws = hfc_i8_wscales(j);
    HFC_UNROLL
    for (int r = 0; r < R; r++) {
        const hfc_vf scale_r = hfc_vf_set1(ws[row0 + r]), bias_r = hfc_vf_set1(j->bias[row0 + r]);
        HFC_UNROLL
        for (int ph = 0; ph < S; ph++)
            acc[ph][r] = hfc_vf_fma(acc[ph][r], scale_r, bias_r);
    }
    hfc_tile_c_store(j, row0, R, S, acc);
}

#endif
