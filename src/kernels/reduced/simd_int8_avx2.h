/* The int8 tiles' vocabulary on AVX-VNNI (the VEX form of VPDPBUSD, 256 bits, on
 * AVX2 machines: Alder Lake and later, Zen 4 and later): int32 vectors, the byte dot
 * product and the input conversion, as simd_int8_avx512.h has them for 512 bits.
 * Include only from a file compiled with the avx2 and avxvnni flags, before the
 * templates. */
#ifndef HFC_KERNELS_SIMD_INT8_AVX2_H
#define HFC_KERNELS_SIMD_INT8_AVX2_H

#include <float.h>
#include <stddef.h>
#include <stdint.h>

#include "../simd_avx2.h"

#undef HFC_SIMD_NAME
#define HFC_SIMD_NAME(op) op##_avxvnni

/* 16 registers and two accumulators per output (the tap's int32 sum and the float
 * total): the fp32 tile shapes (simd_avx2.h) keep the int32 sums in registers, 12
 * of them, and the float totals, touched once per tap, on the stack; the weights
 * may come from memory (hfc_vi_dot). */

typedef __m256i hfc_vi;
#define HFC_VI_INLINE static inline __attribute__((always_inline))
HFC_VI_INLINE hfc_vi hfc_vi_load(const uint32_t *p)
{
    return _mm256_loadu_si256((const __m256i *)p);
}
/* p[0], p[2], ..., p[14] (reads p[15] too). */
HFC_VI_INLINE hfc_vi hfc_vi_load_even(const uint32_t *p)
{
    const __m256 pairs = _mm256_shuffle_ps(_mm256_loadu_ps((const float *)p),
                                           _mm256_loadu_ps((const float *)p + 8), 0x88);
    return _mm256_permute4x64_epi64(_mm256_castps_si256(pairs), 0xd8);
}
HFC_VI_INLINE hfc_vi hfc_vi_set1(uint32_t v)
{
    return _mm256_set1_epi32((int)v);
}
/* acc + the four products of unsigned bytes u and signed bytes s, lane by lane. In
 * asm for the reason simd_int8_avx512.h gives, and with {vex}: where AVX512-VL is
 * also enabled the assembler would otherwise pick the EVEX form, which an AVX2-only
 * CPU with AVX-VNNI faults on. "x": the VEX form reaches ymm0-15 only; the signed
 * operand may be a memory one. */
HFC_VI_INLINE hfc_vi hfc_vi_dot(hfc_vi acc, hfc_vi u, hfc_vi s)
{
    __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(u), "xm"(s));
    return acc;
}
HFC_VI_INLINE hfc_vf hfc_vi_float(hfc_vi v)
{
    return _mm256_cvtepi32_ps(v);
}

/* Columns [0, n) of c_in float rows (x_ld apart) quantized (int8.h) into dst: quads
 * rows of byte quads (x8 + 128), then a row of the columns' scales; rows ld apart,
 * zero columns in [n, width) (width a multiple of 8). The maximum keeps the
 * reference's `a > m ? a : m` (MAXPS returns its second operand unless the first is
 * greater), and the conversion rounds to nearest even, as lrintf. */
static void hfc_int8_convert(const float *x, ptrdiff_t x_ld, int c_in, int n, uint32_t *dst,
                             ptrdiff_t ld, int width)
{
    const int quads = (c_in + 3) / 4;
    float *scale = (float *)(dst + (ptrdiff_t)quads * ld);
    const __m256 sign = _mm256_set1_ps(-0.0f), limit = _mm256_set1_ps(127.0f);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int t = 0; t < width; t += 8) {
        const int left = n - t < 0 ? 0 : n - t > 8 ? 8 : n - t;
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), lanes);
        __m256 big = _mm256_setzero_ps();
        for (int ci = 0; ci < c_in; ci++)
            big = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_maskload_ps(x + ci * x_ld + t, m)),
                                big);
        const __m256 ok = _mm256_cmp_ps(big, _mm256_set1_ps(FLT_MIN), _CMP_GE_OQ);
        const __m256 inv = _mm256_and_ps(ok, _mm256_div_ps(limit, big));
        _mm256_storeu_ps(scale + t, _mm256_and_ps(ok, _mm256_div_ps(big, limit)));
        for (int q = 0; q < quads; q++) {
            __m256i quad = _mm256_setzero_si256();
            for (int b = 0; b < 4 && 4 * q + b < c_in; b++) {
                const __m256 v = _mm256_maskload_ps(x + (4 * q + b) * x_ld + t, m);
                const __m256i i8 = _mm256_and_si256(_mm256_cvtps_epi32(_mm256_mul_ps(v, inv)),
                                                    _mm256_set1_epi32(0xff));
                quad = _mm256_or_si256(quad, _mm256_slli_epi32(i8, 8 * b));
            }
            _mm256_storeu_si256((__m256i *)(dst + q * ld + t),
                                _mm256_xor_si256(quad, _mm256_set1_epi32((int)0x80808080u)));
        }
    }
}

#endif
