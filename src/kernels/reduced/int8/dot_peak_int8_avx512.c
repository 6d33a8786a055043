/* The int8 peak loop (conv_int8.h): 12 independent VPDPBUSD chains. */
#include <immintrin.h>

#include "conv_int8.h"

double hfc_dot_peak_avx512vnni(long n_iter)
{
    enum { CHAINS = 12 };
    __m512i acc[CHAINS];
    for (int c = 0; c < CHAINS; c++)
        acc[c] = _mm512_set1_epi32(c);
    const __m512i a = _mm512_set1_epi32(0x01010101), b = _mm512_set1_epi32(0x01ff01ff);
    for (long i = 0; i < n_iter; i++)
        for (int c = 0; c < CHAINS; c++)
            acc[c] = _mm512_dpbusd_epi32(acc[c], a, b);
    __m512i sum = acc[0];
    for (int c = 1; c < CHAINS; c++)
        sum = _mm512_add_epi32(sum, acc[c]);
    volatile int sink = _mm512_reduce_add_epi32(sum);
    (void)sink;
    return 8.0 * 16 * CHAINS * (double)n_iter;
}
