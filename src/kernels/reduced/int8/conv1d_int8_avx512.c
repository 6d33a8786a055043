/* conv1d in int8 on AVX512-VNNI: the int8 tiles, the input quantized a chunk at a
 * time (conv_chunks.h). */
#include "simd_int8_avx512.h"

#include "conv_int8_tiles.h"

#include "conv1d_simd.h"
#include "conv_int8.h"

#define HFC_CONVERT hfc_int8_convert
#define HFC_ROW_BYTES HFC_INT8_ROW_BYTES
#define HFC_CHUNKS_CONV1D
#include "conv_chunks.h"
#include "conv1d_batch_simd.h"
