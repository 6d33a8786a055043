/* conv1d, avx2: the shared tiles in this ISA's vector vocabulary. */
#include "simd_avx2.h"

#include "conv1d_simd.h"
#include "conv1d_batch_simd.h"
