/* Layer parameter structs shared by the networks and the kernels. Weights keep the
 * file's layout (the scalar reference reads them directly); a SIMD path may add a
 * repacked copy in `packed` at load. */
#ifndef HFC_KERNELS_LAYERS_H
#define HFC_KERNELS_LAYERS_H

#include <stddef.h>

typedef struct hfc_conv_ops hfc_conv_ops; /* kernels.h */

typedef struct hfc_conv {
    int c_in, c_out, kernel, stride, dilation;
    int pad_left, pad_right; /* zero columns the offline path puts around the input */
    int weight_taps;         /* taps stored per (co, ci) in weight: a streaming layer may
                                use only the first `kernel` of them (cut look-ahead) */
    float *weight;           /* [c_out][c_in][weight_taps] */
    float *bias;             /* [c_out] */
    void *packed;            /* per-ISA layout, owned by the model; NULL if none */
    const hfc_conv_ops *ops; /* the kernels it runs with, set at model load */
} hfc_conv;

typedef struct hfc_convt {
    int c_in, c_out, kernel, stride;
    int crop_left;           /* leading outputs the layer drops: (k-s)/2, or 0 if causal */
    int crop_right;          /* trailing outputs it drops: (k-s)/2, or k-s if causal */
    float *weight;           /* [c_in][c_out][kernel] (ConvTranspose1d layout) */
    float *bias;             /* [c_out] */
    void *packed;
    const hfc_conv_ops *ops;
} hfc_convt;

#endif
