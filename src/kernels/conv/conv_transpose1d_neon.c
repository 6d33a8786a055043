/* Transposed conv1d, neon: the shared tiles in this ISA's vector vocabulary. */
#include "simd_neon.h"

#include "conv_transpose1d_simd.h"
