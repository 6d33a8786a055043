/* The kernel table: one set of function pointers per instruction-set path, chosen
 * once per model at load (src/cpu.c) and read on every call. */
#ifndef HFC_KERNELS_H
#define HFC_KERNELS_H

#include "conv1d.h"
#include "conv_transpose1d.h"
#include "vq_search.h"

typedef struct hfc_kernels {
    const char *name; /* "scalar", "avx2", "avx512", "neon" */
    hfc_conv1d_fn conv1d;
    hfc_conv_transpose1d_fn conv_transpose1d;
    hfc_vq_nearest_fn vq_nearest;
} hfc_kernels;

extern const hfc_kernels hfc_kernels_scalar;

#endif
