/* The paths this build has (meson defines HFC_KERNELS_HAVE_<ISA> for each ISA
 * library it compiles), best first. */
#include "kernels.h"

const hfc_kernels *const hfc_kernel_tables[] = {
#ifdef HFC_KERNELS_HAVE_AVX512
    &hfc_kernels_avx512,
#endif
#ifdef HFC_KERNELS_HAVE_AVX2
    &hfc_kernels_avx2,
#endif
#ifdef HFC_KERNELS_HAVE_NEON
    &hfc_kernels_neon,
#endif
    &hfc_kernels_scalar,
    NULL,
};

const char *hfc_format_name(int format)
{
    static const char *const names[HFC_FORMAT_COUNT] = {"fp32", "bf16", "int8"};
    return format >= 0 && format < HFC_FORMAT_COUNT ? names[format] : "unknown";
}

const hfc_conv_ops *hfc_kernels_conv(const hfc_kernels *kern, int format, unsigned have)
{
    if (format < 0 || format >= HFC_FORMAT_COUNT)
        return NULL;
    const hfc_conv_ops *ops = kern->conv[format];
    return ops && (ops->needs & have) == ops->needs ? ops : NULL;
}
