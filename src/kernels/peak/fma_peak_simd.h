/* The FMA peak loop (fma_peak.h) in one ISA's vector vocabulary: include after
 * simd_<isa>.h. */
#include "fma_peak.h"

double HFC_SIMD_NAME(hfc_fma_peak)(long n_iter)
{
    enum { CHAINS = 12 };
    hfc_vf acc[CHAINS];
    for (int c = 0; c < CHAINS; c++)
        acc[c] = hfc_vf_set1((float)c);
    const hfc_vf a = hfc_vf_set1(0.999999f), b = hfc_vf_set1(1e-7f);
    for (long i = 0; i < n_iter; i++)
        for (int c = 0; c < CHAINS; c++)
            acc[c] = hfc_vf_fma(acc[c], a, b);
    /* Publish the sums so the loop cannot be dropped. */
    float sink[HFC_VW];
    hfc_vf total = acc[0];
    for (int c = 1; c < CHAINS; c++)
        total = hfc_vf_add(total, acc[c]);
    hfc_vf_store(sink, total);
    volatile float keep = sink[0];
    (void)keep;
    return 2.0 * CHAINS * HFC_VW * (double)n_iter;
}
