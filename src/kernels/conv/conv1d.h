/* conv1d: y[co][t] = bias[co] + sum_{ci,k} w[co][ci][k] * x[ci][t*stride + k*dilation]
 * for t in [0, n_out), k in [0, cv->kernel) (a streaming layer may use fewer taps
 * than the weights hold: cv->weight_taps).
 *
 * x points at the first input column the first output reads (the caller has put
 * the layer's padding in front), rows x_ld floats apart; y rows are y_ld apart.
 * With accumulate != 0 the result is added to y (the resblocks' residual), bias
 * included. x and y must not overlap. Never allocates: safe on per-frame paths. */
#ifndef HFC_KERNELS_CONV1D_H
#define HFC_KERNELS_CONV1D_H

#include <stddef.h>

#include "layers.h"

typedef void (*hfc_conv1d_fn)(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                              ptrdiff_t y_ld, int n_out, int accumulate);

/* One stream's part of a batched call (the daemon's streams, frame by frame): its
 * input as for conv1d (rows x_ld apart) and n_out outputs stored into y (rows y_ld
 * apart). */
typedef struct hfc_conv_item {
    const float *x;
    ptrdiff_t x_ld;
    float *y;
    ptrdiff_t y_ld;
    int n_out;
} hfc_conv_item;

/* conv1d (plain store) of one layer for n items: the same bits as n conv1d calls,
 * but items of a few columns share each pass over the weights, which on a low-rate
 * layer is what a call costs (its weights stream from L2 or L3 for one column).
 * Never allocates. */
typedef void (*hfc_conv1d_batch_fn)(const hfc_conv *cv, int n, const hfc_conv_item *items);

/* What a fused conv does with each output v = bias + sum over its taps, in this
 * order (a NULL pointer or a zero divide skips its step):
 *   v = res + v        the residual (res may equal out: an in-place add)
 *   out = v
 *   v = sum + v        a running sum across parallel branches (may equal sum_out)
 *   v = v / divide     their mean
 *   sum_out = v
 *   act = v >= 0 ? v : v * slope     the next layer's input
 * so one pass does what the offline networks would otherwise do in four or five.
 * Pointers are column 0 of the call; rows *_ld floats apart; column i of a
 * transposed conv's phase lands i * stride further on, as for y. */
typedef struct hfc_conv_epilogue {
    const float *res, *sum;
    float *out, *sum_out, *act;
    ptrdiff_t res_ld, sum_ld, out_ld, sum_out_ld, act_ld;
    float divide, slope;
} hfc_conv_epilogue;

/* The same conv with a fused epilogue instead of y. */
typedef void (*hfc_conv1d_fused_fn)(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                                    const hfc_conv_epilogue *e);

/* e with every pointer moved t columns on. */
static inline hfc_conv_epilogue hfc_conv_epilogue_shift(const hfc_conv_epilogue *e, ptrdiff_t t)
{
    hfc_conv_epilogue s = *e;
    s.res = s.res ? s.res + t : NULL;
    s.sum = s.sum ? s.sum + t : NULL;
    s.out = s.out ? s.out + t : NULL;
    s.sum_out = s.sum_out ? s.sum_out + t : NULL;
    s.act = s.act ? s.act + t : NULL;
    return s;
}

/* The epilogue chain on one output (channel co, column offset t from column 0). */
static inline void hfc_conv_epilogue_apply(const hfc_conv_epilogue *e, int co, ptrdiff_t t, float v)
{
    if (e->res)
        v = e->res[co * e->res_ld + t] + v;
    if (e->out)
        e->out[co * e->out_ld + t] = v;
    if (e->sum)
        v = e->sum[co * e->sum_ld + t] + v;
    if (e->divide != 0.0f)
        v = v / e->divide;
    if (e->sum_out)
        e->sum_out[co * e->sum_out_ld + t] = v;
    if (e->act)
        e->act[co * e->act_ld + t] = v >= 0.0f ? v : v * e->slope;
}

void hfc_conv1d_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y, ptrdiff_t y_ld,
                       int n_out, int accumulate);
void hfc_conv1d_fused_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                             const hfc_conv_epilogue *e);
void hfc_conv1d_avx2(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y, ptrdiff_t y_ld,
                     int n_out, int accumulate);
void hfc_conv1d_batch_avx2(const hfc_conv *cv, int n, const hfc_conv_item *items);
void hfc_conv1d_fused_avx2(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                           const hfc_conv_epilogue *e);
void hfc_conv1d_avx512(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y, ptrdiff_t y_ld,
                       int n_out, int accumulate);
void hfc_conv1d_batch_avx512(const hfc_conv *cv, int n, const hfc_conv_item *items);
void hfc_conv1d_fused_avx512(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                             const hfc_conv_epilogue *e);
void hfc_conv1d_neon(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y, ptrdiff_t y_ld,
                     int n_out, int accumulate);
void hfc_conv1d_batch_neon(const hfc_conv *cv, int n, const hfc_conv_item *items);
void hfc_conv1d_fused_neon(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                           const hfc_conv_epilogue *e);

#endif
