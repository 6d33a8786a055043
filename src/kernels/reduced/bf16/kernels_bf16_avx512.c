/* The AVX512-BF16 path's bf16 convolutions, for the avx512 table (kernels.h). */
#include "kernels.h"
#include "conv_bf16.h"

const hfc_conv_ops hfc_conv_ops_bf16_avx512 = {
    .name = "avx512-bf16",
    .needs = HFC_CPU_HAS_AVX512 | HFC_CPU_HAS_AVX512_BF16,
    .format = HFC_FORMAT_BF16,
    .prepare_conv = hfc_pack_conv_bf16,
    .prepare_convt = hfc_pack_convt_bf16,
    .takes = hfc_bf16_takes,
    .conv1d = hfc_conv1d_avx512bf16,
    .conv1d_batch = hfc_conv1d_batch_avx512bf16,
    .conv1d_fused = hfc_conv1d_fused_avx512bf16,
    .conv_transpose1d = hfc_conv_transpose1d_avx512bf16,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_avx512bf16,
};
