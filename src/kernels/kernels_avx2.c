#include "kernels.h"
#include "pack.h"
#include "conv_int8.h"

static const hfc_conv_ops conv_fp32 = {
    .name = "avx2",
    .needs = HFC_CPU_HAS_AVX2,
    .format = HFC_FORMAT_FP32,
    .prepare_conv = hfc_pack_conv,
    .prepare_convt = hfc_pack_convt,
    .conv1d = hfc_conv1d_avx2,
    .conv1d_batch = hfc_conv1d_batch_avx2,
    .conv1d_fused = hfc_conv1d_fused_avx2,
    .conv_transpose1d = hfc_conv_transpose1d_avx2,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_avx2,
};

const hfc_kernels hfc_kernels_avx2 = {
    .name = "avx2",
    .needs = HFC_CPU_HAS_AVX2,
    .conv =
        {
            [HFC_FORMAT_FP32] = &conv_fp32,
#ifdef HFC_KERNELS_HAVE_AVXVNNI
            [HFC_FORMAT_INT8] = &hfc_conv_ops_int8_avx2,
#endif
        },
    .vq_nearest = hfc_vq_nearest_avx2,
    .fma_peak = hfc_fma_peak_avx2,
#ifdef HFC_KERNELS_HAVE_AVXVNNI
    .dot_peak = {[HFC_FORMAT_INT8] = hfc_dot_peak_avxvnni},
#endif
};
