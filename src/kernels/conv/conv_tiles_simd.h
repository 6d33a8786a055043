/* Register tiles shared by the SIMD conv1d and transposed conv, written once in the
 * vector vocabulary of simd_<isa>.h (include that first) and compiled once per ISA.
 *
 * A tile job is a correlation over packed weights (pack.h):
 *   out(co, i) = bias[co] + sum over ci, then tap k, of
 *                w(co, ci, k) * x[ci*x_ld + i*col_step + k*tap_step]
 * for columns i in [0, n_cols), handed to the fused epilogue (conv1d.h) at column
 * offset i*y_step.
 *
 * Every tile (tiles A, B, the transposed conv's tile C and scalar edge column) evaluates each
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
 * Tile C (transposed conv, strides 2 and 4, time-vectorised over input columns):
 *   every phase at once, interleaved into contiguous outputs (conv_transpose1d_simd.h).
 * Edge column: one output column of a transposed conv in scalar code, missing
 *   inputs read as zero.
 *
 * The conv1d and transposed-conv dispatch (conv1d_simd.h, conv_transpose1d_simd.h)
 * call these tiles by name; an includer with tiles of its own (int8) defines
 * HFC_TILES_DEFINED and its own set before including them.
 *
 * Elements. The tiles multiply x and weight *elements* into float accumulators
 * through a vocabulary the includer may replace before including this file
 * (defining HFC_TILE_ELEMENTS): hfc_tx, one element of x and of the packed
 * weights; hfc_vx, a vector of them; hfc_vx_load / hfc_vx_load_even / hfc_vx_set1;
 * hfc_mac(acc, a, b), acc plus the products of a and b lane by lane; hfc_mac1, its
 * scalar twin; HFC_X_ROWS(c_in), the element rows of c_in channels. By default an
 * element is one float and hfc_mac one FMA (fp32). The bf16 kernels
 * (reduced/bf16/simd_bf16_avx512.h) make an element a pair of channels in bf16 and
 * hfc_mac one vdpbf16ps, the rest of every tile unchanged. */
#ifndef HFC_KERNELS_CONV_TILES_SIMD_H
#define HFC_KERNELS_CONV_TILES_SIMD_H
#define HFC_TILES_DEFINED 1

#include "conv_tile_job.h"

/* Rows of tile C for stride S: its 2*HFC_TA_ROWS/S rows x S phases of accumulators. */
#define HFC_TC_ROWS(S) (2 * HFC_TA_ROWS / (S))

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

/* Tile B: columns [i0, i0 + mt) of blocks [blk, blk + nb); with gathered, column i
 * reads x from offset j->col_x[i] instead of i * col_step (a batch of streams). */
HFC_TILE_INLINE void hfc_tile_b(const hfc_tile_job *j, int blk, int i0, const int mt, const int nb,
                                const int gathered)
{
    enum { MT = HFC_TB_MAX_COLS, NQ = HFC_TB_MAX_VECS };
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
        const hfc_tx *xr = j->x + ci * j->x_ld + (gathered ? 0 : i0 * j->col_step);
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
                const hfc_vx xb =
                    hfc_vx_set1(xk + (gathered ? j->col_x[i0 + m] : m * j->col_step));
                HFC_UNROLL
                for (int q = 0; q < nq; q++)
                    acc[m][q] = hfc_mac(acc[m][q], wv[q], xb);
            }
        }
    }
    hfc_tile_b_store(j, blk, nb, i0, mt, NQ, &acc[0][0]);
}

#include "conv_tile_loops.h"

static inline void hfc_edge_column(const hfc_tile_job *j, int i, int u, int n_in)
{
    for (int co = 0; co < j->c_out; co++) {
        const hfc_tx *w = j->w + (size_t)(co / HFC_PACK_BLOCK) * j->w_block + co % HFC_PACK_BLOCK;
        float acc = j->bias[co];
        for (int ci = 0; ci < j->c_in; ci++)
            for (int k = 0; k < j->n_taps; k++) {
                const int t = u - k;
                const hfc_tx xv = t >= 0 && t < n_in ? j->x[ci * j->x_ld + t] : 0;
                acc = hfc_mac1(acc, w[((size_t)ci * j->w_taps + k) * HFC_PACK_BLOCK], xv);
            }
        hfc_conv_epilogue_apply(&j->e, co, i * j->y_step, acc);
    }
}

/* Tile C: rows [r0, r0 + 2*HFC_TA_ROWS/S) of block blk for input columns
 * [u0, u0 + HFC_VW), all S phases (S = 2 or 4, `taps` each) at once: each x vector
 * serves every phase. e is at the output column of full output u0 * S. */
HFC_TILE_INLINE void hfc_tile_c(const hfc_tile_job *j, int blk, int r0, int u0, const int S)
{
    enum { R_MAX = HFC_TA_ROWS };
    const int R = 2 * HFC_TA_ROWS / S;
    hfc_vf acc[4][R_MAX];
    const int row0 = blk * HFC_PACK_BLOCK + r0;
    const size_t phase_elems = (size_t)j->c_in * j->n_taps * HFC_PACK_BLOCK;
    HFC_UNROLL
    for (int r = 0; r < R; r++) {
        const hfc_vf b = hfc_vf_set1(j->bias[row0 + r]);
        HFC_UNROLL
        for (int ph = 0; ph < S; ph++)
            acc[ph][r] = b;
    }
    const hfc_tx *wb = j->w + (size_t)blk * j->w_block + r0;
    for (int ci = 0; ci < j->c_in; ci++) {
        const hfc_tx *xr = j->x + ci * j->x_ld + u0;
        const hfc_tx *wr = wb + (size_t)ci * j->n_taps * HFC_PACK_BLOCK;
        for (int k = 0; k < j->n_taps; k++) {
            const hfc_vx xv = hfc_vx_load(xr - k);
            HFC_UNROLL
            for (int ph = 0; ph < S; ph++)
                HFC_UNROLL
            for (int r = 0; r < R; r++)
                acc[ph][r] = hfc_mac(acc[ph][r], xv,
                                     hfc_vx_set1(wr + ph * phase_elems + k * HFC_PACK_BLOCK + r));
        }
    }
    hfc_tile_c_store(j, row0, R, S, acc);
}

#endif
