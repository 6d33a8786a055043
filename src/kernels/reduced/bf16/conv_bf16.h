/* Convolutions in bf16: weights and activations rounded to bfloat16 (round to
 * nearest even), products summed into fp32 two channels at a time in the order of
 * VDPBF16PS (bf16.h): per output, acc = bias, then for each pair of input
 * channels, for each tap, acc = dot2(acc, x pair, w pair). The epilogue (conv1d.h)
 * runs in fp32. The scalar kernels are the reference: every SIMD kernel gives the
 * same bits, for any column range of a call.
 *
 * Weights are packed as for fp32 (pack.h) with a pair of channels (hfc_bf16_pair)
 * in place of each float, an odd channel count padded with a zero channel. The
 * signatures are those of conv1d.h and conv_transpose1d.h. */
#ifndef HFC_KERNELS_CONV_BF16_H
#define HFC_KERNELS_CONV_BF16_H

#include "conv1d.h"
#include "conv_transpose1d.h"

/* A column of the converted input: a 32-bit pair per two channels. */
#define HFC_BF16_ROW_BYTES(c_in) ((size_t)(((c_in) + 1) / 2) * 4)

int hfc_pack_conv_bf16(hfc_conv *cv);
int hfc_pack_convt_bf16(hfc_convt *cv);
/* Whether a layer's input chunks fit the kernels' buffer (reduced.h). */
int hfc_bf16_takes(const hfc_conv *cv, const hfc_convt *cvt);

void hfc_conv1d_bf16_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                            ptrdiff_t y_ld, int n_out, int accumulate);
void hfc_conv1d_fused_bf16_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                                  const hfc_conv_epilogue *e);
void hfc_conv_transpose1d_bf16_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                      float *y, ptrdiff_t y_ld, int n_out, int out_offset);
void hfc_conv_transpose1d_fused_bf16_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                            int n_in, int n_out, int out_offset,
                                            const hfc_conv_epilogue *e);

void hfc_conv1d_avx512bf16(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                           ptrdiff_t y_ld, int n_out, int accumulate);
void hfc_conv1d_batch_avx512bf16(const hfc_conv *cv, int n, const hfc_conv_item *items);
void hfc_conv1d_fused_avx512bf16(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                                 const hfc_conv_epilogue *e);
void hfc_conv_transpose1d_avx512bf16(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                     float *y, ptrdiff_t y_ld, int n_out, int out_offset);
void hfc_conv_transpose1d_fused_avx512bf16(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                           int n_in, int n_out, int out_offset,
                                           const hfc_conv_epilogue *e);

/* The bf16 peak loop: 12 independent VDPBF16PS chains; returns the operations
 * done (4 per lane per instruction). */
double hfc_dot_peak_avx512bf16(long n_iter);

#endif
