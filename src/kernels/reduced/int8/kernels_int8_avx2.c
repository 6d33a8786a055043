/* The AVX-VNNI path's int8 convolutions, for the avx2 table (kernels.h). */
#include "kernels.h"
#include "conv_int8.h"

const hfc_conv_ops hfc_conv_ops_int8_avx2 = {
    .name = "avx2-vnni-int8",
    .needs = HFC_CPU_HAS_AVX2 | HFC_CPU_HAS_AVX_VNNI,
    .format = HFC_FORMAT_INT8,
    .prepare_conv = hfc_pack_conv_int8,
    .prepare_convt = hfc_pack_convt_int8,
    .takes = hfc_int8_takes,
    .conv1d = hfc_conv1d_avxvnni,
    .conv1d_batch = hfc_conv1d_batch_avxvnni,
    .conv1d_fused = hfc_conv1d_fused_avxvnni,
    .conv_transpose1d = hfc_conv_transpose1d_avxvnni,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_avxvnni,
};
