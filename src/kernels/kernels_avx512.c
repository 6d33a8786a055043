#include "kernels.h"
#include "pack.h"
#include "conv_bf16.h"
#include "conv_int8.h"

static const hfc_conv_ops conv_fp32 = {
    .name = "avx512",
    .needs = HFC_CPU_HAS_AVX512,
    .format = HFC_FORMAT_FP32,
    .prepare_conv = hfc_pack_conv,
    .prepare_convt = hfc_pack_convt,
    .conv1d = hfc_conv1d_avx512,
    .conv1d_batch = hfc_conv1d_batch_avx512,
    .conv1d_fused = hfc_conv1d_fused_avx512,
    .conv_transpose1d = hfc_conv_transpose1d_avx512,
    .conv_transpose1d_fused = hfc_conv_transpose1d_fused_avx512,
};

const hfc_kernels hfc_kernels_avx512 = {
    .name = "avx512",
    .needs = HFC_CPU_HAS_AVX512,
    .conv =
        {
            [HFC_FORMAT_FP32] = &conv_fp32,
#ifdef HFC_KERNELS_HAVE_AVX512BF16
            [HFC_FORMAT_BF16] = &hfc_conv_ops_bf16_avx512,
#endif
#ifdef HFC_KERNELS_HAVE_AVX512VNNI
            [HFC_FORMAT_INT8] = &hfc_conv_ops_int8_avx512,
#endif
        },
    .vq_nearest = hfc_vq_nearest_avx512,
    .fma_peak = hfc_fma_peak_avx512,
    .dot_peak =
        {
#ifdef HFC_KERNELS_HAVE_AVX512BF16
            [HFC_FORMAT_BF16] = hfc_dot_peak_avx512bf16,
#endif
#ifdef HFC_KERNELS_HAVE_AVX512VNNI
            [HFC_FORMAT_INT8] = hfc_dot_peak_avx512vnni,
#endif
        },
};
