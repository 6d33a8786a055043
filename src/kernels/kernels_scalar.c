#include "kernels.h"
#include "conv_bf16.h"
#include "conv_int8.h"

static const hfc_conv_ops conv_fp32 = {
    .name = "scalar",
    .format = HFC_FORMAT_FP32,
    .conv1d = hfc_conv1d_scalar,
    .conv1d_fused = hfc_conv1d_fused_scalar,
    .conv_transpose1d = hfc_conv_transpose1d_scalar,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_scalar,
};

/* The references of the reduced formats: the SIMD kernels give their bits. */
static const hfc_conv_ops conv_bf16 = {
    .name = "scalar-bf16",
    .format = HFC_FORMAT_BF16,
    .prepare_conv = hfc_pack_conv_bf16,
    .prepare_convt = hfc_pack_convt_bf16,
    .takes = hfc_bf16_takes,
    .conv1d = hfc_conv1d_bf16_scalar,
    .conv1d_fused = hfc_conv1d_fused_bf16_scalar,
    .conv_transpose1d = hfc_conv_transpose1d_bf16_scalar,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_bf16_scalar,
};

static const hfc_conv_ops conv_int8 = {
    .name = "scalar-int8",
    .format = HFC_FORMAT_INT8,
    .prepare_conv = hfc_pack_conv_int8,
    .prepare_convt = hfc_pack_convt_int8,
    .takes = hfc_int8_takes,
    .conv1d = hfc_conv1d_int8_scalar,
    .conv1d_fused = hfc_conv1d_fused_int8_scalar,
    .conv_transpose1d = hfc_conv_transpose1d_int8_scalar,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_int8_scalar,
};

const hfc_kernels hfc_kernels_scalar = {
    .name = "scalar",
    .needs = 0,
    .conv = {[HFC_FORMAT_FP32] = &conv_fp32,
             [HFC_FORMAT_BF16] = &conv_bf16,
             [HFC_FORMAT_INT8] = &conv_int8},
    .vq_nearest = hfc_vq_nearest_scalar,
};
