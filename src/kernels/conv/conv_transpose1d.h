/* Transposed conv1d (ConvTranspose1d) in gather form:
 *   y[co][n] = bias[co] + sum over ci, k, t with t*stride + k == n + out_offset
 *                                           of w[ci][co][k] * x[ci][t],
 * for n in [0, n_out) and t in [0, n_in); inputs outside that range count as zero.
 * out_offset is the number of leading outputs of the full transposed conv that are
 * skipped: the layer's crop (padding) offline, or the stream position when
 * streaming. x rows are x_ld apart, y rows y_ld apart; they must not overlap.
 * Never allocates: safe on per-frame paths. */
#ifndef HFC_KERNELS_CONV_TRANSPOSE1D_H
#define HFC_KERNELS_CONV_TRANSPOSE1D_H

#include <stddef.h>

#include "conv1d.h"
#include "layers.h"

typedef void (*hfc_conv_transpose1d_fn)(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                        int n_in, float *y, ptrdiff_t y_ld, int n_out,
                                        int out_offset);

/* The same with the fused epilogue of conv1d.h (output column n at offset n). */
typedef void (*hfc_conv_transpose1d_fused_fn)(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                              int n_in, int n_out, int out_offset,
                                              const hfc_conv_epilogue *e);

void hfc_conv_transpose1d_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                 float *y, ptrdiff_t y_ld, int n_out, int out_offset);
void hfc_conv_transpose1d_avx2(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                               float *y, ptrdiff_t y_ld, int n_out, int out_offset);
void hfc_conv_transpose1d_avx512(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                 float *y, ptrdiff_t y_ld, int n_out, int out_offset);
void hfc_conv_transpose1d_neon(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                               float *y, ptrdiff_t y_ld, int n_out, int out_offset);

void hfc_conv_transpose1d_fused_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                       int n_in, int n_out, int out_offset,
                                       const hfc_conv_epilogue *e);
void hfc_conv_transpose1d_fused_avx2(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                     int n_out, int out_offset, const hfc_conv_epilogue *e);
void hfc_conv_transpose1d_fused_avx512(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                       int n_in, int n_out, int out_offset,
                                       const hfc_conv_epilogue *e);
void hfc_conv_transpose1d_fused_neon(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                     int n_out, int out_offset, const hfc_conv_epilogue *e);
#endif
