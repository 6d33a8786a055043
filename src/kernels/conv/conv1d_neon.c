/* conv1d, neon: the shared tiles in this ISA's vector vocabulary. */
#include "simd_neon.h"

#include "conv1d_simd.h"
#include "conv1d_batch_simd.h"
