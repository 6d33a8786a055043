/* hfc_encoder: one stream's encoder. The offline call runs the whole-utterance
 * networks; streaming state is added by the streaming layer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct hfc_encoder {
    const hfc_model *model;
    hfc_encoder_options options;
};

void hfc_encoder_options_init(hfc_encoder_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof *options);
    options->n_threads = 1;
    options->bad_sample_policy = HFC_BAD_SAMPLE_REJECT;
    options->lookahead_frames = -1;
}

hfc_encoder *hfc_encoder_create(const hfc_model *model, const hfc_encoder_options *options,
                                int *status)
{
    int st = HFC_OK;
    hfc_encoder *enc = NULL;
    if (!model || (options && (options->n_threads < 0 ||
                               (options->bad_sample_policy != HFC_BAD_SAMPLE_REJECT &&
                                options->bad_sample_policy != HFC_BAD_SAMPLE_ZERO))))
        st = HFC_ERR_INVALID_ARG;
    else if (!(enc = calloc(1, sizeof *enc)))
        st = HFC_ERR_NO_MEMORY;
    if (enc) {
        enc->model = model;
        if (options)
            enc->options = *options;
        else
            hfc_encoder_options_init(&enc->options);
    }
    if (status)
        *status = st;
    return enc;
}

void hfc_encoder_destroy(hfc_encoder *encoder)
{
    free(encoder);
}

void hfc_encoder_reset(hfc_encoder *encoder)
{
    (void)encoder;
}

int64_t hfc_encoder_encode(hfc_encoder *encoder, const float *pcm, int64_t n_samples,
                           hfc_token *tokens, int64_t max_frames)
{
    if (!encoder || (!pcm && n_samples > 0) || n_samples < 0 || (!tokens && max_frames > 0))
        return HFC_ERR_INVALID_ARG;
    const hfc_model *m = encoder->model;
    int64_t n_frames = hfc_model_frames_for_samples(m, n_samples);
    if (n_frames < 1)
        return HFC_ERR_TOO_SHORT;
    if (max_frames < n_frames)
        return HFC_ERR_BUFFER_TOO_SMALL;
    const float *input = pcm;
    float *sanitised = NULL;
    for (int64_t i = 0; i < n_samples; i++) {
        if (isfinite(pcm[i]))
            continue;
        if (encoder->options.bad_sample_policy == HFC_BAD_SAMPLE_REJECT)
            return HFC_ERR_BAD_SAMPLE;
        if (!sanitised) {
            sanitised = malloc((size_t)n_samples * sizeof *sanitised);
            if (!sanitised)
                return HFC_ERR_NO_MEMORY;
            memcpy(sanitised, pcm, (size_t)n_samples * sizeof *sanitised);
            input = sanitised;
        }
        sanitised[i] = 0.0f;
    }
    hfc_act latent = {0};
    int st = hfc_encoder_net_forward(&m->enc, m->kern, input, n_samples, &latent);
    if (st == HFC_OK)
        hfc_quantizer_encode(&m->vq, m->kern, &latent, tokens);
    hfc_act_free(&latent);
    free(sanitised);
    return st == HFC_OK ? n_frames : st;
}
