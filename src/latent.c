/* The latent calls for TTS models: codebook read access and tokens to the summed
 * latents the generator sees (hfc_decoder_decode_latents, the way back to PCM,
 * lives with the decoder). They read the immutable model only. */
#include <string.h>

#include "model.h"

int64_t hfc_model_get_codebook(const hfc_model *model, int k, float *entries, int64_t max_floats)
{
    if (!model || k < 0 || k >= model->vq.groups * model->vq.layers || (!entries && max_floats > 0))
        return HFC_ERR_INVALID_ARG;
    const hfc_quantizer *q = &model->vq;
    const int64_t n_floats = (int64_t)q->codebook_size * q->dim;
    if (max_floats < n_floats)
        return HFC_ERR_BUFFER_TOO_SMALL;
    /* Codebook k = layer * groups + group is also the storage order. */
    memcpy(entries, q->codebooks + (size_t)k * (size_t)n_floats,
           (size_t)n_floats * sizeof *entries);
    return n_floats;
}

int64_t hfc_model_tokens_to_latents(const hfc_model *model, const hfc_token *tokens,
                                    int64_t n_frames, float *latents, int64_t max_frames)
{
    if (!model || n_frames < 0 || (!tokens && n_frames > 0) || (!latents && max_frames > 0))
        return HFC_ERR_INVALID_ARG;
    const hfc_quantizer *q = &model->vq;
    if (hfc_quantizer_check_tokens(q, tokens, n_frames) != HFC_OK)
        return HFC_ERR_BAD_TOKEN;
    if (max_frames < n_frames)
        return HFC_ERR_BUFFER_TOO_SMALL;
    const int n_codebooks = q->groups * q->layers, latent_dim = q->groups * q->dim;
    for (int64_t t = 0; t < n_frames; t++)
        hfc_quantizer_frame_latent(q, tokens + t * n_codebooks, latents + t * latent_dim, 1);
    return n_frames;
}
