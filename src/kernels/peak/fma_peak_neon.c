/* The FMA peak loop, neon. */
#include "simd_neon.h"

#include "fma_peak_simd.h"
