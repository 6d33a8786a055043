/* The int8 peak loop on AVX-VNNI (conv_int8.h): 12 independent VPDPBUSD chains of
 * 256 bits in the VEX form the kernels run. Twelve named accumulators, each through
 * the kernels' asm (simd_int8_avx2.h): with an array, or with the intrinsic, GCC 12
 * copies every accumulator out to the stack each round, and the loop measures the
 * stores. */
#include <immintrin.h>

#include "conv_int8.h"

#define HFC_DOT(acc) __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(b))

double hfc_dot_peak_avxvnni(long n_iter)
{
    __m256i c0 = _mm256_set1_epi32(0), c1 = _mm256_set1_epi32(1), c2 = _mm256_set1_epi32(2),
            c3 = _mm256_set1_epi32(3), c4 = _mm256_set1_epi32(4), c5 = _mm256_set1_epi32(5),
            c6 = _mm256_set1_epi32(6), c7 = _mm256_set1_epi32(7), c8 = _mm256_set1_epi32(8),
            c9 = _mm256_set1_epi32(9), c10 = _mm256_set1_epi32(10), c11 = _mm256_set1_epi32(11);
    const __m256i a = _mm256_set1_epi32(0x01010101), b = _mm256_set1_epi32(0x01ff01ff);
    for (long i = 0; i < n_iter; i++) {
        HFC_DOT(c0);
        HFC_DOT(c1);
        HFC_DOT(c2);
        HFC_DOT(c3);
        HFC_DOT(c4);
        HFC_DOT(c5);
        HFC_DOT(c6);
        HFC_DOT(c7);
        HFC_DOT(c8);
        HFC_DOT(c9);
        HFC_DOT(c10);
        HFC_DOT(c11);
    }
    const __m256i sum = _mm256_add_epi32(
        _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3)),
                         _mm256_add_epi32(_mm256_add_epi32(c4, c5), _mm256_add_epi32(c6, c7))),
        _mm256_add_epi32(_mm256_add_epi32(c8, c9), _mm256_add_epi32(c10, c11)));
    volatile int sink = _mm256_extract_epi32(sum, 0) + _mm256_extract_epi32(sum, 7);
    (void)sink;
    return 8.0 * 8 * 12 * (double)n_iter;
}
