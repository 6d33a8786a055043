/* conv1d, avx512: the shared tiles in this ISA's vector vocabulary. */
#include "simd_avx512.h"

#include "conv1d_simd.h"
#include "conv1d_batch_simd.h"
