/* The kernel table: one set of function pointers per instruction-set path, chosen
 * once per model at load (src/cpu.c) and read on every call. */
#ifndef HFC_KERNELS_H
#define HFC_KERNELS_H

#include "conv1d.h"
#include "conv_transpose1d.h"
#include "cpu_features.h"
#include "fma_peak.h"
#include "vq_search.h"

/* The numeric formats a convolution can run in. fp32: the model's weights and
 * float arithmetic. bf16: weights and activations rounded to bfloat16, products
 * summed in fp32 (reduced/bf16/conv_bf16.h). int8: weights per output channel and
 * activations per column quantized to 8 bits, summed in int32 per tap
 * (reduced/int8/conv_int8.h). */
enum hfc_format { HFC_FORMAT_FP32 = 0, HFC_FORMAT_BF16, HFC_FORMAT_INT8, HFC_FORMAT_COUNT };

/* "fp32", "bf16", "int8". */
const char *hfc_format_name(int format);

/* One format's convolutions on one instruction set. A model layer points at the
 * set it runs with (hfc_conv.ops), chosen at load. */
struct hfc_conv_ops {
    const char *name; /* e.g. "avx512", "avx512-bf16", "scalar-int8" */
    unsigned needs;   /* HFC_CPU_HAS_* bits the CPU must have */
    int format;       /* enum hfc_format */
    /* Called once per layer at model load to put its weights into this set's
     * layout in cv->packed (owned by the model, released with free()); NULL when
     * the kernels read the model's layout. Return 0, or -1 when out of memory. */
    int (*prepare_conv)(hfc_conv *cv);
    int (*prepare_convt)(hfc_convt *cv);
    /* Whether these kernels take the layer (exactly one of cv, cvt set); NULL:
     * every layer. */
    int (*takes)(const hfc_conv *cv, const hfc_convt *cvt);
    hfc_conv1d_fn conv1d;
    hfc_conv1d_batch_fn conv1d_batch; /* NULL: the caller loops over conv1d */
    hfc_conv1d_fused_fn conv1d_fused;
    hfc_conv_transpose1d_fn conv_transpose1d;
    hfc_conv_transpose1d_fused_fn conv_transpose1d_fused;
};

/* A reduced format's peak micro-benchmark (hificodec bench): returns the
 * operations done (2 per multiply-add) in n_iter rounds of independent chains. */
typedef double (*hfc_dot_peak_fn)(long n_iter);

typedef struct hfc_kernels {
    const char *name; /* "scalar", "avx2", "avx512", "neon": the HFC_CPU value */
    unsigned needs;   /* HFC_CPU_HAS_* bits the CPU must have */
    /* Convolutions per format: fp32 always; bf16 and int8 where this path has
     * them (NULL otherwise), each with its own CPU needs. The scalar path has all
     * three: the references the SIMD ones are tested against. */
    const hfc_conv_ops *conv[HFC_FORMAT_COUNT];
    hfc_vq_nearest_fn vq_nearest;
    hfc_fma_peak_fn fma_peak; /* the bench's peak measurement; NULL for scalar */
    hfc_dot_peak_fn dot_peak[HFC_FORMAT_COUNT]; /* bf16, int8 peaks; NULL where none */
} hfc_kernels;

extern const hfc_kernels hfc_kernels_scalar;
extern const hfc_kernels hfc_kernels_avx2;
extern const hfc_kernels hfc_kernels_avx512;
extern const hfc_kernels hfc_kernels_neon;

/* The reduced formats' SIMD convolutions, each in a library of its own ISA flags
 * (defined where meson builds them: HFC_KERNELS_HAVE_<ISA>). */
extern const hfc_conv_ops hfc_conv_ops_bf16_avx512;
extern const hfc_conv_ops hfc_conv_ops_int8_avx512;
extern const hfc_conv_ops hfc_conv_ops_int8_avx2;

/* The paths this build has, best first, scalar last, NULL-terminated. */
extern const hfc_kernels *const hfc_kernel_tables[];

/* The conv kernels of format on path kern when this CPU (HFC_CPU_HAS_* bits in
 * have) runs them, else NULL. */
const hfc_conv_ops *hfc_kernels_conv(const hfc_kernels *kern, int format, unsigned have);

#endif
