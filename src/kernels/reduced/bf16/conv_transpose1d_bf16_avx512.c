/* Transposed conv1d in bf16 on AVX512-BF16: the shared tiles over bf16 pairs, the
 * inputs a chunk of outputs reads converted first (conv_chunks.h). */
#include "simd_bf16_avx512.h"

#include "conv_transpose1d_simd.h"
#include "conv_bf16.h"

#define HFC_CONVERT hfc_bf16_convert
#define HFC_ROW_BYTES HFC_BF16_ROW_BYTES
#define HFC_CHUNKS_CONVT
#include "conv_chunks.h"
