/* The precision plan: which numeric format (kernels.h, enum hfc_format) each
 * convolution of a model runs in, and pointing every layer at its kernels. */
#ifndef HFC_PRECISION_H
#define HFC_PRECISION_H

#include "model.h"

/* What a layer is in its network, for the plan and for tools that walk the layers. */
enum hfc_layer_kind {
    HFC_LAYER_PRE,
    HFC_LAYER_RESAMPLE,
    HFC_LAYER_RESBLOCK,
    HFC_LAYER_POST,
    HFC_LAYER_HEAD /* the generator's istft head (after conv_post, same stage) */
};

typedef struct hfc_layer_role {
    int net;   /* 0: encoder, 1: generator */
    int stage; /* 0: conv_pre, 1..n_stages: a stage, n_stages + 1: conv_post */
    int kind;  /* enum hfc_layer_kind */
} hfc_layer_role;

/* Calls fn on every convolution of the model (exactly one of cv, cvt set), in
 * network order, stopping at the first non-zero return, which it returns. */
typedef int (*hfc_layer_fn)(void *ctx, hfc_conv *cv, hfc_convt *cvt, const hfc_layer_role *role);
int hfc_model_for_each_layer(hfc_model *m, hfc_layer_fn fn, void *ctx);

/* Resolves the requested precision (enum hfc_precision; AUTO reads HFC_PRECISION,
 * then picks the fastest this CPU runs within the accuracy bar), records it in
 * m->precision and gives every layer the kernels and weight layout of the plan's
 * format for it. A format the CPU or the build lacks is logged and falls back to
 * the next wider one. HFC_OK or HFC_ERR_NO_MEMORY. */
int hfc_model_prepare_layers(hfc_model *m, int precision);

/* Moves one layer to format (its kernels on the model's path, repacking its
 * weights): for calibration tools. HFC_OK, HFC_ERR_UNSUPPORTED (not on this CPU
 * or path, or its kernels do not take the layer's shape) or HFC_ERR_NO_MEMORY.
 * Not while encoders or decoders use the model. */
int hfc_layer_set_format(const hfc_model *m, hfc_conv *cv, hfc_convt *cvt, int format);

/* Frees every layer's repacked weights. */
void hfc_model_release_layers(hfc_model *m);

#endif
