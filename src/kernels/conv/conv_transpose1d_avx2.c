/* Transposed conv1d, avx2: the shared tiles in this ISA's vector vocabulary. */
#include "simd_avx2.h"

#include "conv_transpose1d_simd.h"
