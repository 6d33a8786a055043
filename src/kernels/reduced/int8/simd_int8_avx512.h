/* The int8 tiles' vocabulary on AVX512-VNNI (conv_int8_tiles.h): int32 vectors, the
 * byte dot product VPDPBUSD, and the input conversion. Include only from a file
 * compiled with the avx512 and avx512vnni flags, before the templates. */
#ifndef HFC_KERNELS_SIMD_INT8_AVX512_H
#define HFC_KERNELS_SIMD_INT8_AVX512_H

#include <float.h>
#include <stddef.h>
#include <stdint.h>

#include "simd_avx512.h"

#undef HFC_SIMD_NAME
#define HFC_SIMD_NAME(op) op##_avx512vnni

/* Tiles twice as many accumulators deep as fp32 (an int32 sum per tap and the float
 * total): half the rows of tile A and tile C, half the columns of tile B. */
#undef HFC_TA_ROWS
#undef HFC_TB_COLS
#undef HFC_TB4_BLOCKS
#define HFC_TA_ROWS 4
#define HFC_TB_COLS 6
#define HFC_TB4_BLOCKS 3

typedef __m512i hfc_vi;
#define HFC_VI_INLINE static inline __attribute__((always_inline))
HFC_VI_INLINE hfc_vi hfc_vi_load(const uint32_t *p)
{
    return _mm512_loadu_si512(p);
}
/* p[0], p[2], ..., p[30] (reads p[31] too). */
HFC_VI_INLINE hfc_vi hfc_vi_load_even(const uint32_t *p)
{
    const __m512i even =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_epi32(_mm512_loadu_si512(p), even, _mm512_loadu_si512(p + 16));
}
HFC_VI_INLINE hfc_vi hfc_vi_set1(uint32_t v)
{
    return _mm512_set1_epi32((int)v);
}
/* acc + the four products of unsigned bytes u and signed bytes s, lane by lane.
 * In asm: GCC 12 moves the accumulator through a copy around every
 * _mm512_dpbusd_epi32 in a loop (the V16SI/V8DI modes of its builtin do not
 * coalesce), which halves the tiles' speed. */
HFC_VI_INLINE hfc_vi hfc_vi_dot(hfc_vi acc, hfc_vi u, hfc_vi s)
{
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "v"(s));
    return acc;
}
HFC_VI_INLINE hfc_vf hfc_vi_float(hfc_vi v)
{
    return _mm512_cvtepi32_ps(v);
}

/* Columns [0, n) of c_in float rows (x_ld apart) quantized (int8.h) into dst: quads
 * rows of byte quads (x8 + 128), then a row of the columns' scales; rows ld apart,
 * zero columns in [n, width) (width a multiple of 16). */
static void hfc_int8_convert(const float *x, ptrdiff_t x_ld, int c_in, int n, uint32_t *dst,
                             ptrdiff_t ld, int width)
{
    const int quads = (c_in + 3) / 4;
    float *scale = (float *)(dst + (ptrdiff_t)quads * ld);
    const __m512 sign = _mm512_set1_ps(-0.0f), limit = _mm512_set1_ps(127.0f);
    for (int t = 0; t < width; t += 16) {
        const __mmask16 m = n - t >= 16 ? 0xffff : n > t ? (__mmask16)((1u << (n - t)) - 1) : 0;
        __m512 big = _mm512_setzero_ps();
        for (int ci = 0; ci < c_in; ci++)
            big = _mm512_max_ps(big, _mm512_andnot_ps(sign, _mm512_maskz_loadu_ps(m, x + ci * x_ld + t)));
        const __mmask16 ok = _mm512_cmp_ps_mask(big, _mm512_set1_ps(FLT_MIN), _CMP_GE_OQ);
        const __m512 inv = _mm512_maskz_div_ps(ok, limit, big);
        _mm512_store_ps(scale + t, _mm512_maskz_div_ps(ok, big, limit));
        for (int q = 0; q < quads; q++) {
            __m512i quad = _mm512_setzero_si512();
            for (int b = 0; b < 4 && 4 * q + b < c_in; b++) {
                const __m512 v = _mm512_maskz_loadu_ps(m, x + (4 * q + b) * x_ld + t);
                const __m512i i8 = _mm512_and_si512(_mm512_cvtps_epi32(_mm512_mul_ps(v, inv)),
                                                    _mm512_set1_epi32(0xff));
                quad = _mm512_or_si512(quad, _mm512_slli_epi32(i8, 8 * b));
            }
            _mm512_store_si512(dst + q * ld + t,
                               _mm512_xor_si512(quad, _mm512_set1_epi32((int)0x80808080u)));
        }
    }
}

#endif
