/* The vector vocabulary the shared SIMD templates (conv_tiles_simd.h and friends)
 * are written in, for AVX-512F: 16 floats per vector, 32 registers. Include only
 * from a file compiled with the avx512 flags. */
#ifndef HFC_KERNELS_SIMD_AVX512_H
#define HFC_KERNELS_SIMD_AVX512_H

#include <immintrin.h>

typedef __m512 hfc_vf;
#define HFC_VW 16
#define HFC_SIMD_NAME(op) op##_avx512

/* Register tiles (see conv_tiles_simd.h). Time-vectorised: 8 output channels x 3
 * vectors of 16 columns = 24 accumulators. Channel-vectorised: 12 columns x 2 blocks
 * of 16 channels = 24; single columns: 8 blocks, 8 independent FMA chains. */
#define HFC_TA_ROWS 8
#define HFC_TA_VECS 3
#define HFC_TB_COLS 12
#define HFC_TB_BLOCKS 2
#define HFC_TB1_BLOCKS 8
#define HFC_TB4_BLOCKS 4 /* a stream's few columns: 4 columns x 4 blocks */

static inline hfc_vf hfc_vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void hfc_vf_store(float *p, hfc_vf v) { _mm512_storeu_ps(p, v); }
/* p[0], p[2], ..., p[30]: a stride-2 row as one vector (reads p[31] too). */
static inline hfc_vf hfc_vf_load_even(const float *p)
{
    const __m512i even =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 16));
}
static inline hfc_vf hfc_vf_set1(float f) { return _mm512_set1_ps(f); }
static inline hfc_vf hfc_vf_add(hfc_vf a, hfc_vf b) { return _mm512_add_ps(a, b); }
static inline hfc_vf hfc_vf_div(hfc_vf a, hfc_vf b) { return _mm512_div_ps(a, b); }
/* a * b + c, rounded once, as fmaf. */
static inline hfc_vf hfc_vf_fma(hfc_vf a, hfc_vf b, hfc_vf c) { return _mm512_fmadd_ps(a, b, c); }
/* v >= 0 ? v : v * slope, as the scalar code writes it (NaN takes the product). */
/* Interleave: zip_lo(a, b) = a0 b0 a1 b1 ... a7 b7, zip_hi = a8 b8 ... a15 b15. */
static inline hfc_vf hfc_vf_zip_lo(hfc_vf a, hfc_vf b)
{
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    return _mm512_permutex2var_ps(a, lo, b);
}
static inline hfc_vf hfc_vf_zip_hi(hfc_vf a, hfc_vf b)
{
    const __m512i hi =
        _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    return _mm512_permutex2var_ps(a, hi, b);
}
static inline hfc_vf hfc_vf_lrelu(hfc_vf v, hfc_vf slope)
{
    __mmask16 keep = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GE_OQ);
    return _mm512_mask_blend_ps(keep, _mm512_mul_ps(v, slope), v);
}

#endif
