#include "kernels.h"
#include "pack.h"

static const hfc_conv_ops conv_fp32 = {
    .name = "neon",
    .needs = HFC_CPU_HAS_NEON,
    .format = HFC_FORMAT_FP32,
    .prepare_conv = hfc_pack_conv,
    .prepare_convt = hfc_pack_convt,
    .conv1d = hfc_conv1d_neon,
    .conv1d_batch = hfc_conv1d_batch_neon,
    .conv1d_fused = hfc_conv1d_fused_neon,
    .conv_transpose1d = hfc_conv_transpose1d_neon,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_neon,
};

const hfc_kernels hfc_kernels_neon = {
    .name = "neon",
    .needs = HFC_CPU_HAS_NEON,
    .conv = {[HFC_FORMAT_FP32] = &conv_fp32},
    .vq_nearest = hfc_vq_nearest_neon,
    .fma_peak = hfc_fma_peak_neon,
};
