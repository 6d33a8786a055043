/* The vector vocabulary of the shared SIMD templates for AVX2 + FMA: 8 floats per
 * vector, 16 registers. Include only from a file compiled with the avx2 flags. */
#ifndef HFC_KERNELS_SIMD_AVX2_H
#define HFC_KERNELS_SIMD_AVX2_H

#include <immintrin.h>

typedef __m256 hfc_vf;
#define HFC_VW 8
#define HFC_SIMD_NAME(op) op##_avx2

/* Register tiles (see conv_tiles_simd.h), 12 accumulators each, leaving room for
 * the operands: 4 channels x 3 vectors of 8 columns; 6 columns x 2 vectors of 8
 * channels; single columns over 4 blocks of 16 channels (8 chains). */
#define HFC_TA_ROWS 4
#define HFC_TA_VECS 3
#define HFC_TB_COLS 6
#define HFC_TB_BLOCKS 1
#define HFC_TB1_BLOCKS 4
#define HFC_TB4_BLOCKS 1 /* a stream's few columns: 4 columns x 2 vectors */

static inline hfc_vf hfc_vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void hfc_vf_store(float *p, hfc_vf v) { _mm256_storeu_ps(p, v); }
/* p[0], p[2], ..., p[14]: a stride-2 row as one vector (reads p[15] too). */
static inline hfc_vf hfc_vf_load_even(const float *p)
{
    const __m256 pairs = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(pairs), 0xd8));
}
static inline hfc_vf hfc_vf_set1(float f) { return _mm256_set1_ps(f); }
static inline hfc_vf hfc_vf_add(hfc_vf a, hfc_vf b) { return _mm256_add_ps(a, b); }
static inline hfc_vf hfc_vf_div(hfc_vf a, hfc_vf b) { return _mm256_div_ps(a, b); }
static inline hfc_vf hfc_vf_fma(hfc_vf a, hfc_vf b, hfc_vf c) { return _mm256_fmadd_ps(a, b, c); }
/* Interleave: zip_lo(a, b) = a0 b0 a1 b1 a2 b2 a3 b3, zip_hi = a4 b4 ... a7 b7. */
static inline hfc_vf hfc_vf_zip_lo(hfc_vf a, hfc_vf b)
{
    return _mm256_permute2f128_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b), 0x20);
}
static inline hfc_vf hfc_vf_zip_hi(hfc_vf a, hfc_vf b)
{
    return _mm256_permute2f128_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b), 0x31);
}
static inline hfc_vf hfc_vf_lrelu(hfc_vf v, hfc_vf slope)
{
    __m256 keep = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GE_OQ);
    return _mm256_blendv_ps(_mm256_mul_ps(v, slope), v, keep);
}

#endif
