/* The tiles' elements (conv_tiles_simd.h) for bf16 on AVX512-BF16: an element is a
 * pair of channels (two bf16 in 32 bits), hfc_mac one VDPBF16PS; plus the input
 * conversion the bf16 conv1d and transposed conv run per chunk. Include only from
 * a file compiled with the avx512 and avx512bf16 flags, before the templates. */
#ifndef HFC_KERNELS_SIMD_BF16_AVX512_H
#define HFC_KERNELS_SIMD_BF16_AVX512_H

#include <stdint.h>

#include "simd_avx512.h"
#include "bf16.h"
#include "reduced.h"

#undef HFC_SIMD_NAME
#define HFC_SIMD_NAME(op) op##_avx512bf16

#define HFC_TILE_ELEMENTS 1
#define HFC_TILE_CONVERTS_INPUT 1
typedef uint32_t hfc_tx;
typedef __m512bh hfc_vx;
#define HFC_X_ROWS(c_in) (((c_in) + 1) / 2)

static inline __attribute__((always_inline)) hfc_vx hfc_vx_load(const hfc_tx *p)
{
    return (hfc_vx)_mm512_loadu_si512(p);
}
/* p[0], p[2], ..., p[30] (reads p[31] too): a stride-2 row, as hfc_vf_load_even. */
static inline __attribute__((always_inline)) hfc_vx hfc_vx_load_even(const hfc_tx *p)
{
    const __m512i even =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return (hfc_vx)_mm512_permutex2var_epi32(_mm512_loadu_si512(p), even,
                                             _mm512_loadu_si512(p + 16));
}
static inline __attribute__((always_inline)) hfc_vx hfc_vx_set1(const hfc_tx *p)
{
    return (hfc_vx)_mm512_set1_epi32((int)*p);
}
static inline __attribute__((always_inline)) hfc_vf hfc_mac(hfc_vf acc, hfc_vx a, hfc_vx b)
{
    return _mm512_dpbf16_ps(acc, a, b);
}
static inline __attribute__((always_inline)) float hfc_mac1(float acc, hfc_tx a, hfc_tx b)
{
    return hfc_bf16_dot2(acc, a, b);
}

/* Columns [0, n) of c_in float rows (x_ld apart) as bf16 pairs into dst, rows ld
 * apart, zeros in [n, width) (width a multiple of 16): VCVTNE2PS2BF16 rounds as
 * hfc_bf16_round, then the two channels' halves are interleaved per column. */
static void hfc_bf16_convert(const float *x, ptrdiff_t x_ld, int c_in, int n, hfc_tx *dst,
                             ptrdiff_t ld, int width)
{
    /* Word 2t takes the even channel's column t (low half of bf16 0..15), word
     * 2t+1 the odd channel's (16..31). */
    const __m512i interleave =
        _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                         21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    for (int q = 0; q < (c_in + 1) / 2; q++) {
        const float *even = x + (ptrdiff_t)2 * q * x_ld, *odd = even + x_ld;
        const int has_odd = 2 * q + 1 < c_in;
        hfc_tx *row = dst + q * ld;
        for (int t = 0; t < width; t += 16) {
            const __mmask16 m = n - t >= 16 ? 0xffff : n > t ? (__mmask16)((1u << (n - t)) - 1) : 0;
            const __m512 a = _mm512_maskz_loadu_ps(m, even + t);
            const __m512 b = has_odd ? _mm512_maskz_loadu_ps(m, odd + t) : _mm512_setzero_ps();
            const __m512i halves = (__m512i)_mm512_cvtne2ps_pbh(b, a);
            _mm512_store_si512(row + t, _mm512_permutexvar_epi16(interleave, halves));
        }
    }
}

#endif
