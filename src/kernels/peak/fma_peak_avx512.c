/* The FMA peak loop, avx512. */
#include "simd_avx512.h"

#include "fma_peak_simd.h"
