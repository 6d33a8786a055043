/* Transposed conv1d in int8 on AVX-VNNI: the int8 tiles, the inputs a chunk of
 * outputs reads quantized first (conv_chunks.h). */
#include "simd_int8_avx2.h"

#include "conv_int8_tiles.h"

#include "conv_transpose1d_simd.h"
#include "conv_int8.h"

#define HFC_CONVERT hfc_int8_convert
#define HFC_ROW_BYTES HFC_INT8_ROW_BYTES
#define HFC_CHUNKS_CONVT
#include "conv_chunks.h"
