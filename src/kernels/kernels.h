/* The kernel table: one set of function pointers per instruction-set path, chosen
 * once per model at load (src/cpu.c) and read on every call. */
#ifndef HFC_KERNELS_H
#define HFC_KERNELS_H

#include "conv1d.h"
#include "conv_transpose1d.h"
#include "cpu_features.h"
#include "fma_peak.h"
#include "vq_search.h"

typedef struct hfc_kernels {
    const char *name; /* "scalar", "avx2", "avx512", "neon": the HFC_CPU value */
    unsigned needs;   /* HFC_CPU_HAS_* bits the CPU must have */
    /* Called once per layer at model load to repack its weights into cv->packed
     * (owned by the model, released with free()); NULL when the kernels read the
     * model's layout. Return 0, or -1 when out of memory. */
    int (*prepare_conv)(hfc_conv *cv);
    int (*prepare_convt)(hfc_convt *cv);
    hfc_conv1d_fn conv1d;
    hfc_conv1d_fused_fn conv1d_fused;
    hfc_conv_transpose1d_fn conv_transpose1d;
    hfc_conv_transpose1d_fused_fn conv_transpose1d_fused;
    hfc_vq_nearest_fn vq_nearest;
    hfc_fma_peak_fn fma_peak; /* the bench's peak measurement; NULL for scalar */
} hfc_kernels;

extern const hfc_kernels hfc_kernels_scalar;
extern const hfc_kernels hfc_kernels_avx2;
extern const hfc_kernels hfc_kernels_avx512;
extern const hfc_kernels hfc_kernels_neon;

/* The paths this build has, best first, scalar last, NULL-terminated. */
extern const hfc_kernels *const hfc_kernel_tables[];

#endif
