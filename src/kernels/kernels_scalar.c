#include "kernels.h"

static const hfc_conv_ops conv_fp32 = {
    .name = "scalar",
    .format = HFC_FORMAT_FP32,
    .conv1d = hfc_conv1d_scalar,
    .conv1d_fused = hfc_conv1d_fused_scalar,
    .conv_transpose1d = hfc_conv_transpose1d_scalar,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_scalar,
};

const hfc_kernels hfc_kernels_scalar = {
    .name = "scalar",
    .needs = 0,
    .conv = {[HFC_FORMAT_FP32] = &conv_fp32},
    .vq_nearest = hfc_vq_nearest_scalar,
};
