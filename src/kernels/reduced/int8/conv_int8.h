/* Convolutions in int8. Weights: per output channel co, scale ws[co] = max |w| / 127
 * over its channels and taps, w8 = round(w / ws). Activations: per input column t
 * (a time step), scale s[t] = max over channels |x| / 127, x8 = round(x / s[t]),
 * computed from that column alone, so a column quantizes the same whatever call
 * reads it. Per output, in this order:
 *   acc = 0; for each tap k: acc = fma((float)sum over ci of w8 * x8, s[col(k)], acc)
 *   v = fma(acc, ws[co], bias[co])
 * then the fp32 epilogue (conv1d.h). The int32 sums are exact (|sum| < 2^24 for up
 * to 1040 channels), so every kernel that sums the same products in any order gives
 * the scalar reference's bits. The SIMD kernels use VPDPBUSD (unsigned x signed
 * bytes): x8 + 128 as unsigned, the excess 128 * sum of w8 cancelled by a per-tap
 * compensation that starts each sum.
 *
 * Packed layout (pack.h, 32-bit elements): per block of 16 output channels and tap
 * k (per phase for a transposed conv), a row of the compensations -128 * sum of
 * w8[co][.][k], then rows of four channels' w8 as a byte quad, channels padded to a
 * multiple of 4 with zero weights: [tap][1 + quads][16]. bias, then ws, precede the
 * weights (hfc_packed.bias, .extra = ws). */
#ifndef HFC_KERNELS_CONV_INT8_H
#define HFC_KERNELS_CONV_INT8_H

#include "conv1d.h"
#include "conv_transpose1d.h"

/* A column of the converted input: a quad per four channels, and the scale. */
#define HFC_INT8_ROW_BYTES(c_in) ((size_t)(((c_in) + 3) / 4 + 1) * 4)

int hfc_pack_conv_int8(hfc_conv *cv);
int hfc_pack_convt_int8(hfc_convt *cv);
/* Whether a layer's input chunks fit the kernels' buffer (reduced.h). */
int hfc_int8_takes(const hfc_conv *cv, const hfc_convt *cvt);

void hfc_conv1d_int8_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                            ptrdiff_t y_ld, int n_out, int accumulate);
void hfc_conv1d_fused_int8_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                                  const hfc_conv_epilogue *e);
void hfc_conv_transpose1d_int8_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                      float *y, ptrdiff_t y_ld, int n_out, int out_offset);
void hfc_conv_transpose1d_fused_int8_scalar(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                            int n_in, int n_out, int out_offset,
                                            const hfc_conv_epilogue *e);

void hfc_conv1d_avx512vnni(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                           ptrdiff_t y_ld, int n_out, int accumulate);
void hfc_conv1d_batch_avx512vnni(const hfc_conv *cv, int n, const hfc_conv_item *items);
void hfc_conv1d_fused_avx512vnni(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                                 const hfc_conv_epilogue *e);
void hfc_conv_transpose1d_avx512vnni(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                     float *y, ptrdiff_t y_ld, int n_out, int out_offset);
void hfc_conv_transpose1d_fused_avx512vnni(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                           int n_in, int n_out, int out_offset,
                                           const hfc_conv_epilogue *e);

/* The same on AVX-VNNI (256 bits, the VEX encoding): AVX2 machines. */
void hfc_conv1d_avxvnni(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                        ptrdiff_t y_ld, int n_out, int accumulate);
void hfc_conv1d_batch_avxvnni(const hfc_conv *cv, int n, const hfc_conv_item *items);
void hfc_conv1d_fused_avxvnni(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, int n_out,
                              const hfc_conv_epilogue *e);
void hfc_conv_transpose1d_avxvnni(const hfc_convt *cv, const float *x, ptrdiff_t x_ld, int n_in,
                                  float *y, ptrdiff_t y_ld, int n_out, int out_offset);
void hfc_conv_transpose1d_fused_avxvnni(const hfc_convt *cv, const float *x, ptrdiff_t x_ld,
                                        int n_in, int n_out, int out_offset,
                                        const hfc_conv_epilogue *e);

/* The int8 peak loops: 12 independent VPDPBUSD chains; return the operations done
 * (8 per lane per instruction: four multiply-adds). */
double hfc_dot_peak_avx512vnni(long n_iter);
double hfc_dot_peak_avxvnni(long n_iter);

#endif
