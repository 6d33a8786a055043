/* Transposed conv1d for one ISA, from the shared tiles (conv_tiles_simd.h): include
 * after simd_<isa>.h. Needs cv->packed (pack.h).
 *
 * Polyphase: full output m = u*stride + p only sums taps k = p + j*stride, reading
 * input u - j. Each phase is thus a plain correlation over the input columns u,
 * written every stride-th output column, and runs through tile B. Strides 2 and 4
 * with kernel = taps * stride (the 2x and 4x upsamplers) take tile C on their wide
 * interior instead: all phases at once, interleaved in registers into contiguous
 * outputs, so the epilogue runs on vectors. Columns whose taps reach outside
 * [0, n_in) (the first and last few of a whole signal) are computed by hfc_edge_column
 * with zeros for the missing inputs. Every path sums in the tiles' order and
 * rounding, so an output does not depend on which one computed it.
 *
 * As for conv1d (conv1d_simd.h), convt_tiles works on x in the tiles' elements and
 * an includer with HFC_TILE_CONVERTS_INPUT supplies convt_run. */
#include "conv_transpose1d.h"
#ifndef HFC_TILES_DEFINED
#include "conv_tiles_simd.h"
#endif

/* Tile C over input columns [ua, ub) (a multiple of HFC_VW, all interior). */
static void tiles_c(const hfc_convt *cv, const hfc_tx *x, ptrdiff_t x_ld, int ua, int ub,
                    int out_offset, const hfc_conv_epilogue *e)
{
    const hfc_packed *p = cv->packed;
    const int s = cv->stride;
    hfc_tile_job j = {
        .x = x,
        .x_ld = x_ld,
        .c_in = HFC_X_ROWS(cv->c_in),
        .n_taps = cv->kernel / s,
        .w = (const hfc_tx *)p->w,
        .w_block = p->block_elems,
        .bias = p->bias,
        .c_out = cv->c_out,
        .n_blocks = p->n_blocks,
    };
    enum { CHUNK = 8 * HFC_VW };
    for (int c0 = ua; c0 < ub; c0 += CHUNK)
        for (int blk = 0; blk < p->n_blocks; blk++)
            for (int r0 = 0; r0 < HFC_PACK_BLOCK && blk * HFC_PACK_BLOCK + r0 < cv->c_out;
                 r0 += HFC_TC_ROWS(s))
                for (int u = c0; u < ub && u < c0 + CHUNK; u += HFC_VW) {
                    j.e = hfc_conv_epilogue_shift(e, (ptrdiff_t)u * s - out_offset);
                    if (s == 2)
                        hfc_tile_c(&j, blk, r0, u, 2);
                    else
                        hfc_tile_c(&j, blk, r0, u, 4);
                }
}

/* Phase columns [i_from, i_to) of job j (column i reads input u0 + i): interior
 * ones through tile B, the rest by hfc_edge_column. */
static void phase_columns(const hfc_tile_job *j, int i_from, int i_to, int u0, int n_in,
                          const hfc_conv_epilogue *e, ptrdiff_t n0, int s)
{
    int i_lo = j->n_taps - 1 - u0, i_hi = n_in - u0;
    i_lo = i_lo < i_from ? i_from : i_lo > i_to ? i_to : i_lo;
    i_hi = i_hi > i_to ? i_to : i_hi < i_lo ? i_lo : i_hi;
    for (int i = i_from; i < i_lo; i++)
        hfc_edge_column(j, i, u0 + i, n_in);
    if (i_hi > i_lo) {
        hfc_tile_job in = *j;
        in.x = j->x + u0 + i_lo;
        in.e = hfc_conv_epilogue_shift(e, n0 + (ptrdiff_t)i_lo * s);
        hfc_tiles_b(&in, 0, i_hi - i_lo);
    }
    for (int i = i_hi; i < i_to; i++)
        hfc_edge_column(j, i, u0 + i, n_in);
}

static void convt_run(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in, int n_out,
                      int out_offset, const hfc_conv_epilogue *e);

static void convt_tiles(const hfc_convt *cv, const hfc_tx *x, ptrdiff_t x_ld, int n_in, int n_out,
                        int out_offset, const hfc_conv_epilogue *e)
{
    const hfc_packed *p = cv->packed;
    const int s = cv->stride;
    /* Tile C's input columns [ua, ub): interior, and all their outputs in range. */
    int ua = 0, ub = 0;
    if ((s == 2 || s == 4) && cv->kernel % s == 0) {
        const int taps = cv->kernel / s;
        ua = (out_offset + s - 1) / s > taps - 1 ? (out_offset + s - 1) / s : taps - 1;
        const int u_end = (n_out + out_offset) / s < n_in ? (n_out + out_offset) / s : n_in;
        ub = u_end > ua ? ua + (u_end - ua) / HFC_VW * HFC_VW : ua;
        tiles_c(cv, x, x_ld, ua, ub, out_offset, e);
    }
    size_t phase_off = 0;
    for (int ph = 0; ph < s; ph++) {
        const int taps = hfc_convt_phase_taps(cv->kernel, s, ph);
        const size_t phase_elems = (size_t)HFC_X_ROWS(cv->c_in) * taps * HFC_PACK_BLOCK;
        /* First output n >= 0 with n + out_offset = ph (mod s), and its input column. */
        const int n0 = ((ph - out_offset) % s + s) % s;
        if (n0 < n_out) {
            const int u0 = (n0 + out_offset - ph) / s;
            const int n_cols = (n_out - 1 - n0) / s + 1;
            const hfc_tile_job j = {
                .x = x,
                .x_ld = x_ld,
                .col_step = 1,
                .tap_step = -1,
                .c_in = HFC_X_ROWS(cv->c_in),
                .n_taps = taps,
                .w = (const hfc_tx *)p->w + phase_off,
                .w_block = p->block_elems,
                .w_taps = taps,
                .bias = p->bias,
                .e = hfc_conv_epilogue_shift(e, n0),
                .y_step = s,
                .c_out = cv->c_out,
                .n_blocks = p->n_blocks,
            };
            /* The columns tile C did not cover: u outside [ua, ub). */
            const int i_a = ua - u0 < 0 ? 0 : ua - u0 > n_cols ? n_cols : ua - u0;
            const int i_b = ub - u0 < i_a ? i_a : ub - u0 > n_cols ? n_cols : ub - u0;
            phase_columns(&j, 0, i_a, u0, n_in, e, n0, s);
            phase_columns(&j, i_b, n_cols, u0, n_in, e, n0, s);
        }
        phase_off += phase_elems;
    }
}

#ifndef HFC_TILE_CONVERTS_INPUT
/* Frame form (pack.h): frames f[co * kernel + k][u] = sum_ci w[ci][co][k] x[ci][u]
 * come from this ISA's conv1d, a tile of input columns at a time, and output
 * m = u*stride + p is bias + sum over j of f[co * kernel + p + j*stride][u - j], j in
 * order, with inputs outside [0, n_in) left out. Each frame column is the same
 * whatever the call (conv1d's columns are independent of its range), so outputs do
 * not depend on the column range either. */
static void convt_frames(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                         int n_out, int out_offset, const hfc_conv_epilogue *e)
{
    const hfc_packed *p = cv->packed;
    const int s = cv->stride, taps = cv->kernel / s, rows = p->frame_rows;
    const hfc_conv frames = {.c_in = cv->c_in, .c_out = rows, .kernel = 1, .stride = 1,
                             .dilation = 1, .weight_taps = 1, .packed = cv->packed};
    /* Columns per tile: the new ones plus the taps - 1 before them the overlap reads. */
    const int ld = HFC_FRAME_TILE_FLOATS / rows, fresh = ld - (taps - 1);
    float f[HFC_FRAME_TILE_FLOATS] __attribute__((aligned(64)));
    if (n_out < 1)
        return;
    const int u_first = out_offset / s, u_last = (out_offset + n_out - 1) / s;
    for (int u0 = u_first; u0 <= u_last; u0 += fresh) {
        const int u1 = u0 + fresh - 1 < u_last ? u0 + fresh - 1 : u_last; /* inclusive */
        const int base = u0 - (taps - 1); /* the tile's column 0 */
        const int a = base > 0 ? base : 0, b = u1 + 1 < n_in ? u1 + 1 : n_in;
        if (b > a)
            HFC_SIMD_NAME(hfc_conv1d)(&frames, x + a, x_ld, f + (a - base), ld, b - a, 0);
        const int n_a = u0 * s - out_offset > 0 ? u0 * s - out_offset : 0;
        const int n_b = (u1 + 1) * s - out_offset < n_out ? (u1 + 1) * s - out_offset : n_out;
        for (int co = 0; co < cv->c_out; co++) {
            const float bias = cv->bias ? cv->bias[co] : 0.0f;
            for (int n = n_a; n < n_b; n++) {
                const int m = n + out_offset, u = m / s;
                const float *row = f + (ptrdiff_t)(co * cv->kernel + m - u * s) * ld - base;
                float v = bias;
                for (int j = 0; j < taps; j++)
                    if (u - j >= a && u - j < b)
                        v += row[(ptrdiff_t)j * s * ld + u - j];
                hfc_conv_epilogue_apply(e, co, n, v);
            }
        }
    }
}

static void convt_run(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in, int n_out,
                      int out_offset, const hfc_conv_epilogue *e)
{
    const hfc_packed *p = cv->packed;
    if (p->frame_rows)
        convt_frames(cv, x, x_ld, n_in, n_out, out_offset, e);
    else
        convt_tiles(cv, x, x_ld, n_in, n_out, out_offset, e);
}
#endif

void HFC_SIMD_NAME(hfc_conv_transpose1d)(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                         int n_in, float *y, ptrdiff_t y_ld, int n_out,
                                         int out_offset)
{
    const hfc_conv_epilogue e = {.out = y, .out_ld = y_ld};
    convt_run(cv, x, x_ld, n_in, n_out, out_offset, &e);
}

void HFC_SIMD_NAME(hfc_conv_transpose1d_fused)(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                               int n_in, int n_out, int out_offset,
                                               const hfc_conv_epilogue *e)
{
    convt_run(cv, x, x_ld, n_in, n_out, out_offset, e);
}
