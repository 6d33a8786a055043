/* The three networks' parameters (bound from the model file by model.c) and their
 * offline forward passes. Shapes follow AcademiCodec's models.py; see
 * models/FORMAT.md for the tensor names. */
#ifndef HFC_NETWORK_H
#define HFC_NETWORK_H

#include <stdint.h>

#include "activation.h"
#include "kernels/kernels.h"
#include "model_config.h"

typedef struct hfc_resblock {
    int n_convs;                          /* one per dilation */
    hfc_conv convs1[HFC_MAX_DILATIONS];   /* dilated convs (ResBlock1) or the only convs (2) */
    hfc_conv convs2[HFC_MAX_DILATIONS];   /* dilation-1 convs, ResBlock1 only */
} hfc_resblock;

typedef struct hfc_group_norm {
    int channels, groups;
    float eps;
    float *gamma, *beta;
} hfc_group_norm;

typedef struct hfc_encoder_net {
    hfc_conv pre;
    int n_stages, n_resblocks, resblock_type;
    hfc_conv down[HFC_MAX_STAGES];
    hfc_resblock rb[HFC_MAX_STAGES][HFC_MAX_RESBLOCKS];
    int group_norm;
    hfc_group_norm norm[HFC_MAX_STAGES][HFC_MAX_RESBLOCKS];
    hfc_conv post;
    float slope, final_slope;
} hfc_encoder_net;

typedef struct hfc_quantizer {
    int groups, layers, codebook_size, dim; /* dim = latent_dim / groups */
    float *codebooks;  /* [layers][groups][codebook_size][dim] */
    float *code_norms; /* [layers][groups][codebook_size], |e|^2 */
} hfc_quantizer;

typedef struct hfc_generator_net {
    hfc_conv pre;
    int n_stages, n_resblocks, resblock_type;
    hfc_convt up[HFC_MAX_STAGES];
    hfc_resblock rb[HFC_MAX_STAGES][HFC_MAX_RESBLOCKS];
    hfc_conv post;
    float slope;
} hfc_generator_net;

/* Output columns of a conv over n_in input columns with its offline padding. */
int64_t hfc_conv_out_len(const hfc_conv *cv, int64_t n_in);
int64_t hfc_convt_out_len(const hfc_convt *cv, int64_t n_in);

/* Frames the encoder produces for n_samples (0 if the input is too short). */
int64_t hfc_encoder_net_frames(const hfc_encoder_net *net, int64_t n_samples);

/* Largest padding any conv in the network needs: the margin of its activations. */
int hfc_encoder_net_margin(const hfc_encoder_net *net);
int hfc_generator_net_margin(const hfc_generator_net *net);

/* Offline passes. They allocate their activations (returning HFC_ERR_NO_MEMORY on
 * failure) and are independent of any streaming state.
 * encoder: pcm[n_samples] -> latent, an activation of latent_dim x n_frames.
 * generator: latent (latent_dim x n_frames) -> pcm[n_frames * hop]. */
int hfc_encoder_net_forward(const hfc_encoder_net *net, const hfc_kernels *kern, const float *pcm,
                            int64_t n_samples, hfc_act *latent);
int hfc_generator_net_forward(const hfc_generator_net *net, const hfc_kernels *kern,
                              const hfc_act *latent, float *pcm);

/* GRVQ. quantize: latent (latent_dim x n_frames) -> tokens[n_frames][layers*groups].
 * dequantize: tokens -> latent (sum of the layers' codewords); tokens must already
 * be validated. */
void hfc_quantizer_encode(const hfc_quantizer *q, const hfc_kernels *kern, const hfc_act *latent,
                          int32_t *tokens);
void hfc_quantizer_decode(const hfc_quantizer *q, const int32_t *tokens, int64_t n_frames,
                          hfc_act *latent);

/* Shared pieces. */
int hfc_resblock_forward(const hfc_resblock *rb, int resblock_type, float slope,
                         const hfc_kernels *kern, const hfc_act *x, hfc_act *out, hfc_act *tmp_a,
                         hfc_act *tmp_b);
void hfc_group_norm_apply(const hfc_group_norm *gn, hfc_act *x);
void hfc_run_conv(const hfc_kernels *kern, const hfc_conv *cv, const hfc_act *in, hfc_act *out,
                  int accumulate);

#endif
