#include "kernels.h"
#include "pack.h"

const hfc_kernels hfc_kernels_neon = {
    .name = "neon",
    .needs = HFC_CPU_HAS_NEON,
    .prepare_conv = hfc_pack_conv,
    .prepare_convt = hfc_pack_convt,
    .conv1d = hfc_conv1d_neon,
    .conv1d_fused = hfc_conv1d_fused_neon,
    .conv_transpose1d = hfc_conv_transpose1d_neon,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_neon,
    .vq_nearest = hfc_vq_nearest_neon,
    .fma_peak = hfc_fma_peak_neon,
};
