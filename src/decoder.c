/* hfc_decoder: one stream's decoder. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct hfc_decoder {
    const hfc_model *model;
    hfc_decoder_options options;
};

void hfc_decoder_options_init(hfc_decoder_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof *options);
    options->n_threads = 1;
    options->lookahead_frames = -1;
}

hfc_decoder *hfc_decoder_create(const hfc_model *model, const hfc_decoder_options *options,
                                int *status)
{
    int st = HFC_OK;
    hfc_decoder *dec = NULL;
    if (!model || (options && options->n_threads < 0))
        st = HFC_ERR_INVALID_ARG;
    else if (!(dec = calloc(1, sizeof *dec)))
        st = HFC_ERR_NO_MEMORY;
    if (dec) {
        dec->model = model;
        if (options)
            dec->options = *options;
        else
            hfc_decoder_options_init(&dec->options);
    }
    if (status)
        *status = st;
    return dec;
}

void hfc_decoder_destroy(hfc_decoder *decoder)
{
    free(decoder);
}

void hfc_decoder_reset(hfc_decoder *decoder)
{
    (void)decoder;
}

int64_t hfc_decoder_decode(hfc_decoder *decoder, const hfc_token *tokens, int64_t n_frames,
                           float *pcm, int64_t max_samples)
{
    if (!decoder || n_frames < 0 || (!tokens && n_frames > 0) || (!pcm && max_samples > 0))
        return HFC_ERR_INVALID_ARG;
    const hfc_model *m = decoder->model;
    const int64_t n_samples = hfc_model_samples_for_frames(m, n_frames);
    if (n_frames == 0)
        return 0;
    const int n_codebooks = m->cfg.groups * m->cfg.layers;
    for (int64_t i = 0; i < n_frames * n_codebooks; i++)
        if (tokens[i] < 0 || tokens[i] >= m->cfg.codebook_size)
            return HFC_ERR_BAD_TOKEN;
    if (max_samples < n_samples)
        return HFC_ERR_BUFFER_TOO_SMALL;
    hfc_act latent = {0};
    int st = hfc_act_alloc(&latent, m->cfg.latent_dim, n_frames, 0);
    if (st == HFC_OK) {
        hfc_quantizer_decode(&m->vq, tokens, n_frames, &latent);
        st = hfc_generator_net_forward(&m->gen, m->kern, &latent, pcm);
    }
    hfc_act_free(&latent);
    return st == HFC_OK ? n_samples : st;
}
