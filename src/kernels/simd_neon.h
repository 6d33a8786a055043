/* The vector vocabulary of the shared SIMD templates for AArch64 NEON: 4 floats per
 * vector, 32 registers. */
#ifndef HFC_KERNELS_SIMD_NEON_H
#define HFC_KERNELS_SIMD_NEON_H

#include <arm_neon.h>

typedef float32x4_t hfc_vf;
#define HFC_VW 4
#define HFC_SIMD_NAME(op) op##_neon

/* Register tiles (see conv_tiles_simd.h), 24 accumulators: 8 channels x 3 vectors
 * of 4 columns; 6 columns x 4 vectors of 4 channels; single columns over 2 blocks
 * of 16 channels. */
#define HFC_TA_ROWS 8
#define HFC_TA_VECS 3
#define HFC_TB_COLS 6
#define HFC_TB_BLOCKS 1
#define HFC_TB1_BLOCKS 2
#define HFC_TB4_BLOCKS 1 /* a stream's few columns: 4 columns x 4 vectors */

static inline hfc_vf hfc_vf_load(const float *p) { return vld1q_f32(p); }
static inline void hfc_vf_store(float *p, hfc_vf v) { vst1q_f32(p, v); }
/* p[0], p[2], p[4], p[6]: a stride-2 row as one vector (reads p[7] too). */
static inline hfc_vf hfc_vf_load_even(const float *p) { return vld2q_f32(p).val[0]; }
static inline hfc_vf hfc_vf_set1(float f) { return vdupq_n_f32(f); }
static inline hfc_vf hfc_vf_add(hfc_vf a, hfc_vf b) { return vaddq_f32(a, b); }
static inline hfc_vf hfc_vf_div(hfc_vf a, hfc_vf b) { return vdivq_f32(a, b); }
/* vfmaq_f32(c, a, b) = c + a * b, fused. */
static inline hfc_vf hfc_vf_fma(hfc_vf a, hfc_vf b, hfc_vf c) { return vfmaq_f32(c, a, b); }
/* Interleave: zip_lo(a, b) = a0 b0 a1 b1, zip_hi = a2 b2 a3 b3. */
static inline hfc_vf hfc_vf_zip_lo(hfc_vf a, hfc_vf b) { return vzip1q_f32(a, b); }
static inline hfc_vf hfc_vf_zip_hi(hfc_vf a, hfc_vf b) { return vzip2q_f32(a, b); }
static inline hfc_vf hfc_vf_lrelu(hfc_vf v, hfc_vf slope)
{
    uint32x4_t keep = vcgeq_f32(v, vdupq_n_f32(0.0f));
    return vbslq_f32(keep, v, vmulq_f32(v, slope));
}

#endif
