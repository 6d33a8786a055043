/* The model configuration (__metadata__["hificodec_config"], see models/FORMAT.md):
 * parsed into plain structs and checked against the limits before anything is sized
 * from it, so a hostile file cannot ask for absurd allocations. */
#ifndef HFC_MODEL_CONFIG_H
#define HFC_MODEL_CONFIG_H

#include "log.h"

#define HFC_MAX_STAGES 8
#define HFC_MAX_RESBLOCKS 8
#define HFC_MAX_DILATIONS 4
#define HFC_MAX_CHANNELS 4096
#define HFC_MAX_KERNEL 64
#define HFC_MAX_STRIDE 64
#define HFC_MAX_DILATION 64
#define HFC_MAX_GROUPS 16
#define HFC_MAX_LAYERS 8
#define HFC_MAX_CODEBOOK 65536
#define HFC_MAX_HEAD_N_FFT 4096

/* What renders the generator's last stage into samples (models/FORMAT.md). */
enum hfc_head_type {
    HFC_HEAD_WAVEFORM = 0, /* conv_post to one channel, tanh */
    HFC_HEAD_ISTFT = 1     /* conv_post to log magnitudes and phases, a fixed inverse STFT */
};

enum hfc_resblock_type { HFC_RESBLOCK_1 = 1, HFC_RESBLOCK_2 = 2 };

typedef struct hfc_net_config {
    int n_stages;
    int channels[HFC_MAX_STAGES + 1]; /* [0]: conv_pre output; [i+1]: stage i output */
    int strides[HFC_MAX_STAGES];
    int kernels[HFC_MAX_STAGES];
    int pre_kernel, post_kernel;
    int n_resblocks;
    int rb_kernels[HFC_MAX_RESBLOCKS];
    int rb_n_dilations[HFC_MAX_RESBLOCKS];
    int rb_dilations[HFC_MAX_RESBLOCKS][HFC_MAX_DILATIONS];
} hfc_net_config;

typedef struct hfc_config {
    int format_version;
    char name[128];
    int sample_rate;
    int hop;
    int latent_dim;
    int causal;
    int resblock_type; /* enum hfc_resblock_type */
    float lrelu_slope;
    float encoder_final_slope;
    hfc_net_config enc, dec;
    int enc_group_norm; /* 1: GroupNorm after each encoder resblock (official) */
    int norm_channels_per_group;
    float norm_eps;
    int groups, layers, codebook_size;
    int head;          /* enum hfc_head_type */
    int head_n_fft;    /* istft: the inverse STFT's size; 0 for the waveform head */
    int head_hop;      /* samples per column of the generator's last stage */
} hfc_config;

/* Parses and validates. Returns HFC_OK, HFC_ERR_FORMAT (bad JSON, missing or mistyped
 * field) or HFC_ERR_UNSUPPORTED (valid JSON outside the supported limits). */
int hfc_config_parse(const char *json, hfc_config *out, const hfc_logger *logger);

#endif
