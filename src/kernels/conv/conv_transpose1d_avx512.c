/* Transposed conv1d, avx512: the shared tiles in this ISA's vector vocabulary. */
#include "simd_avx512.h"

#include "conv_transpose1d_simd.h"
