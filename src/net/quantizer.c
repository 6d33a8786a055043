/* Group-residual vector quantization (AcademiCodec models.py `Quantizer`).
 * Layer l quantizes the residual left by layers 0..l-1; within a layer the latent
 * is split into `groups` equal slices along channels, each with its own codebook.
 * Token k = layer * groups + group, the official [T, 4] order. */
#include <string.h>

#include "hificodec.h"
#include "network.h"

static const float *codebook(const hfc_quantizer *q, int layer, int group)
{
    return q->codebooks + ((size_t)layer * q->groups + group) * q->codebook_size * q->dim;
}

static const float *code_norms(const hfc_quantizer *q, int layer, int group)
{
    return q->code_norms + ((size_t)layer * q->groups + group) * q->codebook_size;
}

void hfc_quantizer_encode(const hfc_quantizer *q, const hfc_kernels *kern, const hfc_act *latent,
                          int32_t *tokens)
{
    const int n_codebooks = q->groups * q->layers;
    const int latent_dim = q->groups * q->dim;
    float residual[HFC_MAX_CHANNELS];
    for (int64_t t = 0; t < latent->n; t++) {
        for (int c = 0; c < latent_dim; c++)
            residual[c] = hfc_act_row(latent, c)[t];
        for (int l = 0; l < q->layers; l++)
            for (int g = 0; g < q->groups; g++) {
                float *x = residual + g * q->dim;
                const float *book = codebook(q, l, g);
                int best = kern->vq_nearest(book, code_norms(q, l, g), q->codebook_size, q->dim, x,
                                            hfc_vq_sum_squares(x, q->dim));
                tokens[t * n_codebooks + l * q->groups + g] = best;
                /* The official straight-through step computes quantized = x + (e - x) in
                 * float and subtracts that; its rounding differs from x - e by an ulp,
                 * which decides near-ties in the next layer, so follow it exactly. */
                const float *e = book + (size_t)best * q->dim;
                for (int i = 0; i < q->dim; i++) {
                    float quantized = x[i] + (e[i] - x[i]);
                    x[i] = x[i] - quantized;
                }
            }
    }
}

void hfc_quantizer_frame_latent(const hfc_quantizer *q, const int32_t *frame_tokens, float *out,
                                ptrdiff_t stride)
{
    for (int g = 0; g < q->groups; g++)
        for (int i = 0; i < q->dim; i++) {
            float v = 0.0f;
            for (int l = 0; l < q->layers; l++)
                v += codebook(q, l, g)[(size_t)frame_tokens[l * q->groups + g] * q->dim + i];
            out[(g * q->dim + i) * stride] = v;
        }
}

void hfc_quantizer_decode(const hfc_quantizer *q, const int32_t *tokens, int64_t n_frames,
                          hfc_act *latent)
{
    const int n_codebooks = q->groups * q->layers;
    for (int64_t t = 0; t < n_frames; t++)
        hfc_quantizer_frame_latent(q, tokens + t * n_codebooks, latent->data + t, latent->ld);
}

int hfc_quantizer_check_tokens(const hfc_quantizer *q, const int32_t *tokens, int64_t n_frames)
{
    const int64_t n_tokens = n_frames * q->groups * q->layers;
    for (int64_t i = 0; i < n_tokens; i++)
        if (tokens[i] < 0 || tokens[i] >= q->codebook_size)
            return HFC_ERR_BAD_TOKEN;
    return HFC_OK;
}
