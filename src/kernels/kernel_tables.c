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
