/* The three networks' parameters (bound from the model file by model.c) and their
 * offline forward passes. Shapes follow AcademiCodec's models.py; see
 * models/FORMAT.md for the tensor names. */
#ifndef HFC_NETWORK_H
#define HFC_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#include "activation.h"
#include "kernels/kernels.h"
#include "model_config.h"
#include "threadpool.h"

/* Per-stage timing of an offline pass, for hificodec bench: when hfc_exec.profile is
 * set, the layer runners add each layer's wall time (and a conv's floating-point
 * operations) to stage[current], which the passes set as they go: 0 conv_pre,
 * 1..n_stages the stages (resampling conv and resblocks), n_stages + 1 conv_post,
 * n_stages + 2 the generator's istft head (polar step and inverse STFT). */
typedef struct hfc_profile {
    int current;
    struct {
        double conv_s, other_s, conv_flop;
    } stage[HFC_MAX_STAGES + 3];
    double (*clock)(void); /* seconds; NULL: hfc_seconds_now (monotonic wall time) */
} hfc_profile;

/* The profile's clock now: its own, else monotonic wall time. */
double hfc_profile_now(const hfc_profile *p);

/* Activations a GroupNorm stage works in, kept across stages to reuse memory. */
typedef struct hfc_stage_buffers {
    hfc_act x, ax, r, a, b, c, sum;
} hfc_stage_buffers;
void hfc_stage_buffers_free(hfc_stage_buffers *buf);

/* The working memory of offline passes, kept by an encoder or decoder from call to
 * call: a repeated call then neither allocates nor faults its pages in again (first
 * touch of fresh pages cost 8% of a pass, and far more when many threads of one
 * process fault at once). Grows to the largest input seen. */
typedef struct hfc_workspace {
    hfc_act x, a, b, out, latent;
    hfc_stage_buffers buf;
    float *local; /* the tiled stages' per-thread buffers */
    size_t local_floats;
} hfc_workspace;
void hfc_workspace_free(hfc_workspace *ws);

/* After a call: frees the workspace if it holds more than HFC_WORKSPACE_KEEP_BYTES,
 * so one long utterance does not pin its memory for the object's lifetime. */
#define HFC_WORKSPACE_KEEP_BYTES ((size_t)128 << 20)
void hfc_workspace_trim(hfc_workspace *ws);

/* What an offline pass runs on: the model's kernels, a thread pool (NULL: the
 * calling thread only), an optional profile, and an optional workspace (NULL: the
 * pass allocates and frees its own). Results depend on none of them. */
typedef struct hfc_exec {
    const hfc_kernels *kern;
    hfc_pool *pool;
    hfc_profile *profile;
    hfc_workspace *ws;
    int layer_by_layer; /* GroupNorm stages untiled: the order tests compare with */
} hfc_exec;

/* Tells a profiling run which stage the layers that follow belong to. */
static inline void hfc_profile_stage(const hfc_exec *ex, int stage)
{
    if (ex->profile)
        ex->profile->current = stage;
}

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

/* istft head (models/FORMAT.md): conv_post's rows are head_bins log magnitudes,
 * then head_bins phases; hfc_istft_polar makes them real and imaginary parts in
 * place, and `head` (stride head_hop, no bias, the fixed windowed inverse DFT of
 * the file) overlap-adds them into samples, cropped as a causal or centred
 * transposed conv. */
typedef struct hfc_generator_net {
    hfc_conv pre;
    int n_stages, n_resblocks, resblock_type;
    hfc_convt up[HFC_MAX_STAGES];
    hfc_resblock rb[HFC_MAX_STAGES][HFC_MAX_RESBLOCKS];
    hfc_conv post;
    float slope;
    int head_type; /* enum hfc_head_type */
    int head_bins; /* istft: n_fft / 2 + 1 */
    hfc_convt head;
} hfc_generator_net;

/* The istft head's cap on log magnitudes (e^4.6 ~ 100, Vocos's clip): the twin's
 * IstftHead.MAX_LOG_MAG. */
#define HFC_ISTFT_MAX_LOG_MAG 4.6f

/* In place on columns [0, n) of rows 0 .. 2*n_bins-1 (ld floats apart): log
 * magnitude m (row b) and phase p (row n_bins + b) become e^min(m, cap) cos p and
 * e^min(m, cap) sin p. Never allocates. */
void hfc_istft_polar(float *rows, ptrdiff_t ld, int n_bins, int64_t n);

/* The generator's output samples as PCM: tanh for the waveform head, clipped to
 * [-1, 1] for the istft head (the twin's HiFiCodec.decode). dst may equal src. */
void hfc_generator_net_pcm(const hfc_generator_net *net, const float *src, float *dst, int64_t n);

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
 * generator: latent (latent_dim x n_frames) -> pcm[n_frames * hop].
 * _run spreads each layer over ex->pool; hfc_encoder_net_forward runs on the calling
 * thread (the golden checker's entry point). */
int hfc_encoder_net_forward(const hfc_encoder_net *net, const hfc_kernels *kern, const float *pcm,
                            int64_t n_samples, hfc_act *latent);
int hfc_encoder_net_run(const hfc_encoder_net *net, const hfc_exec *ex, const float *pcm,
                        int64_t n_samples, hfc_act *latent);
int hfc_generator_net_run(const hfc_generator_net *net, const hfc_exec *ex, const hfc_act *latent,
                          float *pcm);

/* GRVQ. quantize: latent (latent_dim x n_frames) -> tokens[n_frames][layers*groups].
 * dequantize: tokens -> latent (sum of the layers' codewords); tokens must already
 * be validated. */
void hfc_quantizer_encode(const hfc_quantizer *q, const hfc_kernels *kern, const hfc_act *latent,
                          int32_t *tokens);
void hfc_quantizer_decode(const hfc_quantizer *q, const int32_t *tokens, int64_t n_frames,
                          hfc_act *latent);
/* One frame's latent (latent_dim values, written at out[c * stride]) from its
 * validated tokens: what hfc_quantizer_decode writes per column. */
void hfc_quantizer_frame_latent(const hfc_quantizer *q, const int32_t *frame_tokens, float *out,
                                ptrdiff_t stride);
/* HFC_OK, or HFC_ERR_BAD_TOKEN when any token is outside [0, codebook_size). */
int hfc_quantizer_check_tokens(const hfc_quantizer *q, const int32_t *tokens, int64_t n_frames);

/* Shared pieces. */
void hfc_group_norm_apply(const hfc_group_norm *gn, hfc_act *x);

/* Monotonic seconds, for the per-stage profile. */
double hfc_seconds_now(void);

/* Offline layers over whole activations (layer_run.c), split across ex->pool: convs
 * by columns, elementwise passes by rows.
 *
 * A conv's outputs go through the fused epilogue of kernels/conv/conv1d.h; here its
 * targets are activations (NULL: step skipped) of the conv's output shape. */
typedef struct hfc_conv_out {
    const hfc_act *res, *sum;
    hfc_act *out, *sum_out, *act;
    float divide, slope;
} hfc_conv_out;
void hfc_run_conv(const hfc_exec *ex, const hfc_conv *cv, const hfc_act *in, int64_t n_out,
                  const hfc_conv_out *to);
/* n_out columns of the transposed conv of in, after the layer's left crop. */
void hfc_run_convt(const hfc_exec *ex, const hfc_convt *cv, const hfc_act *in, int64_t n_out,
                   const hfc_conv_out *to);
enum hfc_rows_op {
    HFC_ROWS_COPY,   /* dst = src */
    HFC_ROWS_LRELU,  /* dst = leaky_relu(src, value) */
    HFC_ROWS_DIVIDE  /* dst /= value (src unused) */
};
void hfc_run_rows(const hfc_exec *ex, int op, hfc_act *dst, const hfc_act *src, float value);
/* x = group_norm(x + add) (add NULL: x alone), the sum rounded once per element, in
 * x's memory. */
void hfc_run_group_norm(const hfc_exec *ex, const hfc_group_norm *gn, hfc_act *x,
                        const hfc_act *add);

/* The layer that makes a stage's x from the previous stage's activated output in:
 * the encoder's strided conv (down) or the generator's transposed conv (up). */
typedef struct hfc_stage_input {
    const hfc_conv *down;
    const hfc_convt *up;
    const hfc_act *in;
} hfc_stage_input;

/* One stage: x from its input layer, then the parallel resblocks rbs[0..n) over x
 * (each starting from leaky_relu(x, slope)), averaged, and handed on as
 * next = leaky_relu(mean, next_slope) with the given margin: the next layer's input.
 * With norms (the official encoder) the running sum is normalised after each
 * resblock: s = GN_0(rb_0(x)); s = GN_j(s + rb_j(x)). Returns HFC_OK or
 * HFC_ERR_NO_MEMORY. */
int hfc_stage_run(const hfc_exec *ex, const hfc_stage_input *src, const hfc_resblock *rbs, int n,
                  int resblock_type, float slope, const hfc_group_norm *norms, float next_slope,
                  hfc_act *next, hfc_stage_buffers *buf, int margin);

#endif
