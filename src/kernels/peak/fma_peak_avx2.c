/* The FMA peak loop, avx2. */
#include "simd_avx2.h"

#include "fma_peak_simd.h"
