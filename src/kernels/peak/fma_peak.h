/* The FMA peak micro-benchmark (hificodec bench): n_iter rounds of 12 independent
 * vector FMA chains, enough to cover the FMA latency times the FMA units on every
 * core this targets, so the loop runs at the core's FMA throughput. Returns the
 * floating-point operations done (2 per lane per FMA). */
#ifndef HFC_KERNELS_FMA_PEAK_H
#define HFC_KERNELS_FMA_PEAK_H

typedef double (*hfc_fma_peak_fn)(long n_iter);

double hfc_fma_peak_avx2(long n_iter);
double hfc_fma_peak_avx512(long n_iter);
double hfc_fma_peak_neon(long n_iter);

#endif
