/* The AVX512-VNNI path's int8 convolutions, for the avx512 table (kernels.h). */
#include "kernels.h"
#include "conv_int8.h"

const hfc_conv_ops hfc_conv_ops_int8_avx512 = {
    .name = "avx512-vnni-int8",
    .needs = HFC_CPU_HAS_AVX512 | HFC_CPU_HAS_AVX512_VNNI,
    .format = HFC_FORMAT_INT8,
    .prepare_conv = hfc_pack_conv_int8,
    .prepare_convt = hfc_pack_convt_int8,
    .takes = hfc_int8_takes,
    .conv1d = hfc_conv1d_avx512vnni,
    .conv1d_batch = hfc_conv1d_batch_avx512vnni,
    .conv1d_fused = hfc_conv1d_fused_avx512vnni,
    .conv_transpose1d = hfc_conv_transpose1d_avx512vnni,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_avx512vnni,
};
