/* The bf16 peak loop (conv_bf16.h): 12 independent VDPBF16PS chains, enough for
 * the instruction's latency times its throughput on current cores. */
#include <immintrin.h>

#include "conv_bf16.h"

double hfc_dot_peak_avx512bf16(long n_iter)
{
    enum { CHAINS = 12 };
    __m512 acc[CHAINS];
    for (int c = 0; c < CHAINS; c++)
        acc[c] = _mm512_set1_ps((float)c);
    const __m512bh a = (__m512bh)_mm512_set1_epi32(0x3f803f80),
                   b = (__m512bh)_mm512_set1_epi32(0x33d633d6);
    for (long i = 0; i < n_iter; i++)
        for (int c = 0; c < CHAINS; c++)
            acc[c] = _mm512_dpbf16_ps(acc[c], a, b);
    __m512 sum = acc[0];
    for (int c = 1; c < CHAINS; c++)
        sum = _mm512_add_ps(sum, acc[c]);
    volatile float sink = _mm512_reduce_add_ps(sum);
    (void)sink;
    return 4.0 * 16 * CHAINS * (double)n_iter;
}
