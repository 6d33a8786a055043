/* hfc_decoder: one stream's decoder. Offline decode runs the whole-utterance
 * generator; push/flush run the streaming generator, allocated at create. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conceal.h"
#include "model.h"
#include "stream_net.h"

struct hfc_decoder {
    const hfc_model *model;
    hfc_decoder_options options;
    hfc_generator_stream stream;
    hfc_pool *pool;  /* offline workers, started by the first hfc_decoder_decode */
    int pool_started;
    hfc_workspace ws; /* offline working memory, kept for the next call */
    hfc_conceal conceal; /* packet-loss concealment (conceal.c) */
};

void hfc_decoder_options_init(hfc_decoder_options *options)
{
    if (!options)
        return;
    memset(options, 0, sizeof *options);
    options->n_threads = 1;
    options->lookahead_frames = -1;
}

static int generator_lookahead(const void *net, const hfc_stream_plan *plan)
{
    return hfc_generator_stream_lookahead(net, plan);
}

hfc_decoder *hfc_decoder_create(const hfc_model *model, const hfc_decoder_options *options,
                                int *status)
{
    int st = HFC_OK;
    hfc_decoder *dec = NULL;
    if (!model || (options && (options->n_threads < 0 || options->lookahead_frames < -1)))
        st = HFC_ERR_INVALID_ARG;
    else if (!(dec = calloc(1, sizeof *dec)))
        st = HFC_ERR_NO_MEMORY;
    if (dec) {
        dec->model = model;
        if (options)
            dec->options = *options;
        else
            hfc_decoder_options_init(&dec->options);
        int max_lookahead = dec->options.lookahead_frames < 0
                                ? -1
                                : dec->options.lookahead_frames * model->cfg.hop;
        hfc_stream_plan plan = hfc_stream_plan_for(max_lookahead, generator_lookahead, &model->gen);
        st = hfc_generator_stream_init(&dec->stream, &model->gen, 1, &plan);
        if (st == HFC_OK)
            st = hfc_conceal_init(&dec->conceal, model->cfg.latent_dim, model->cfg.hop,
                                  model->cfg.sample_rate, dec->stream.lookahead_samples,
                                  model->cfg.causal);
        if (st != HFC_OK) {
            hfc_decoder_destroy(dec);
            dec = NULL;
        }
    }
    if (status)
        *status = st;
    return dec;
}

void hfc_decoder_destroy(hfc_decoder *decoder)
{
    if (!decoder)
        return;
    hfc_generator_stream_free(&decoder->stream);
    hfc_conceal_free(&decoder->conceal);
    hfc_pool_destroy(decoder->pool);
    hfc_workspace_free(&decoder->ws);
    free(decoder);
}

void hfc_decoder_reset(hfc_decoder *decoder)
{
    if (decoder) {
        hfc_generator_stream_reset(&decoder->stream);
        hfc_conceal_reset(&decoder->conceal);
    }
}

int hfc_decoder_latency(const hfc_decoder *decoder)
{
    return decoder ? decoder->stream.lookahead_samples : 0;
}

/* Runs the offline generator on a latent of n_frames columns into pcm. */
static int run_generator(hfc_decoder *decoder, const hfc_act *latent, float *pcm)
{
    if (!decoder->pool_started) { /* no pool (one thread, or none could start): inline */
        decoder->pool = hfc_pool_create(decoder->options.n_threads);
        decoder->pool_started = 1;
    }
    const hfc_exec ex = {.kern = decoder->model->kern, .pool = decoder->pool, .ws = &decoder->ws};
    return hfc_generator_net_run(&decoder->model->gen, &ex, latent, pcm);
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
    if (hfc_quantizer_check_tokens(&m->vq, tokens, n_frames) != HFC_OK)
        return HFC_ERR_BAD_TOKEN;
    if (max_samples < n_samples)
        return HFC_ERR_BUFFER_TOO_SMALL;
    hfc_act *latent = &decoder->ws.latent;
    int st = hfc_act_reshape(latent, m->cfg.latent_dim, n_frames, 0);
    if (st == HFC_OK) {
        hfc_quantizer_decode(&m->vq, tokens, n_frames, latent);
        st = run_generator(decoder, latent, pcm);
    }
    hfc_workspace_trim(&decoder->ws);
    return st == HFC_OK ? n_samples : st;
}

int64_t hfc_decoder_decode_latents(hfc_decoder *decoder, const float *latents, int64_t n_frames,
                                   float *pcm, int64_t max_samples)
{
    if (!decoder || n_frames < 0 || (!latents && n_frames > 0) || (!pcm && max_samples > 0))
        return HFC_ERR_INVALID_ARG;
    const hfc_model *m = decoder->model;
    const int latent_dim = m->cfg.latent_dim;
    const int64_t n_samples = hfc_model_samples_for_frames(m, n_frames);
    if (n_frames == 0)
        return 0;
    for (int64_t i = 0; i < n_frames * latent_dim; i++)
        if (!isfinite(latents[i]))
            return HFC_ERR_BAD_SAMPLE;
    if (max_samples < n_samples)
        return HFC_ERR_BUFFER_TOO_SMALL;
    hfc_act *latent = &decoder->ws.latent;
    int st = hfc_act_reshape(latent, latent_dim, n_frames, 0);
    if (st == HFC_OK) {
        /* Frame-major in, channel rows for the generator. */
        for (int c = 0; c < latent_dim; c++) {
            float *row = hfc_act_row(latent, c);
            for (int64_t t = 0; t < n_frames; t++)
                row[t] = latents[t * latent_dim + c];
        }
        st = run_generator(decoder, latent, pcm);
    }
    hfc_workspace_trim(&decoder->ws);
    return st == HFC_OK ? n_samples : st;
}

/* Moves the audio the stream produced to pcm through tanh (or the istft head's
 * clip) and the concealment's gain envelope (1 while no frame was lost). */
static int64_t take_samples(hfc_decoder *dec, float *pcm)
{
    hfc_colbuf *audio = &dec->stream.audio;
    const float *src = hfc_colbuf_at(audio, 0, audio->t0);
    hfc_generator_net_pcm(&dec->model->gen, src, pcm, audio->n);
    int64_t n = audio->n;
    hfc_colbuf_drop_before(audio, hfc_colbuf_end(audio));
    hfc_conceal_apply_gain(&dec->conceal, pcm, n);
    return n;
}

/* Appends one latent column to the generator's input; its rows are at the
 * returned pointer, ld apart. NULL if the buffer is full (a sizing bug). */
static float *next_latent_column(hfc_decoder *dec, ptrdiff_t *ld)
{
    hfc_colbuf *in = &dec->stream.pre.in;
    int64_t at = hfc_colbuf_end(in);
    if (!hfc_colbuf_grow(in, 1))
        return NULL;
    *ld = in->ld;
    return hfc_colbuf_at(in, 0, at);
}

int64_t hfc_decoder_push(hfc_decoder *decoder, const hfc_token *tokens, int64_t n_frames,
                         float *pcm_out, int64_t max_samples)
{
    if (!decoder || n_frames < 0 || (!tokens && n_frames > 0) || (!pcm_out && max_samples > 0))
        return HFC_ERR_INVALID_ARG;
    const hfc_model *m = decoder->model;
    if (hfc_quantizer_check_tokens(&m->vq, tokens, n_frames) != HFC_OK)
        return HFC_ERR_BAD_TOKEN;
    if (max_samples < n_frames * m->cfg.hop)
        return HFC_ERR_BUFFER_TOO_SMALL;
    const int n_codebooks = m->cfg.groups * m->cfg.layers;
    hfc_sconv *pre = &decoder->stream.pre;
    int64_t produced = 0;
    for (int64_t f = 0; f < n_frames; f++) {
        /* One frame per run keeps every buffer at its create-time size. */
        hfc_act view = {0};
        if (!(view.data = next_latent_column(decoder, &view.ld)))
            return HFC_ERR_INTERNAL;
        view.channels = pre->in.channels;
        view.n = 1;
        hfc_quantizer_decode(&m->vq, tokens + f * n_codebooks, 1, &view);
        hfc_conceal_received(&decoder->conceal, view.data, view.ld);
        int st = hfc_generator_stream_run(&decoder->stream, 0);
        if (st != HFC_OK)
            return st;
        produced += take_samples(decoder, pcm_out + produced);
    }
    return produced;
}

int64_t hfc_decoder_flush(hfc_decoder *decoder, float *pcm_out, int64_t max_samples)
{
    if (!decoder || (!pcm_out && max_samples > 0))
        return HFC_ERR_INVALID_ARG;
    if (max_samples < hfc_decoder_latency(decoder) + decoder->model->cfg.hop)
        return HFC_ERR_BUFFER_TOO_SMALL;
    int st = hfc_generator_stream_run(&decoder->stream, 1);
    int64_t produced = st == HFC_OK ? take_samples(decoder, pcm_out) : st;
    hfc_decoder_reset(decoder);
    return produced;
}

int hfc_decoders_push_frame(hfc_decoder *const *dec, int n, const hfc_token *const *tokens,
                            float *const *pcm, int64_t *n_samples)
{
    if (!dec || !tokens || !pcm || !n_samples || n < 0)
        return HFC_ERR_INVALID_ARG;
    for (int i = 0; i < n; i++)
        if (!dec[i] || !tokens[i] || !pcm[i] || dec[i]->model != dec[0]->model)
            return HFC_ERR_INVALID_ARG;
    for (int i0 = 0; i0 < n; i0 += HFC_STREAM_BATCH_MAX) {
        const int i1 = n - i0 < HFC_STREAM_BATCH_MAX ? n : i0 + HFC_STREAM_BATCH_MAX;
        hfc_generator_stream *batch[HFC_STREAM_BATCH_MAX];
        int index[HFC_STREAM_BATCH_MAX], k = 0;
        for (int i = i0; i < i1; i++) {
            const hfc_model *m = dec[i]->model;
            hfc_sconv *pre = &dec[i]->stream.pre;
            const int64_t at = hfc_colbuf_end(&pre->in);
            if (hfc_quantizer_check_tokens(&m->vq, tokens[i], 1) != HFC_OK ||
                !hfc_colbuf_grow(&pre->in, 1)) {
                n_samples[i] = hfc_decoder_push(dec[i], tokens[i], 1, pcm[i], m->cfg.hop);
                continue;
            }
            hfc_act view = {0};
            view.data = hfc_colbuf_at(&pre->in, 0, at);
            view.channels = pre->in.channels;
            view.n = 1;
            view.ld = pre->in.ld;
            hfc_quantizer_decode(&m->vq, tokens[i], 1, &view);
            hfc_conceal_received(&dec[i]->conceal, view.data, view.ld);
            batch[k] = &dec[i]->stream;
            index[k++] = i;
        }
        const int st = k ? hfc_generator_stream_run_many(batch, k, 0) : HFC_OK;
        for (int b = 0; b < k; b++)
            n_samples[index[b]] = st != HFC_OK ? st : take_samples(dec[index[b]], pcm[index[b]]);
    }
    return HFC_OK;
}

int hfc_decoder_set_conceal_options(hfc_decoder *decoder, const hfc_conceal_options *options)
{
    if (!decoder || hfc_conceal_check_options(options) != HFC_OK)
        return HFC_ERR_INVALID_ARG;
    decoder->conceal.options = *options;
    return HFC_OK;
}

int64_t hfc_decoder_conceal(hfc_decoder *decoder, int64_t n_frames, float *pcm_out,
                            int64_t max_samples)
{
    if (!decoder || n_frames < 0 || (!pcm_out && max_samples > 0))
        return HFC_ERR_INVALID_ARG;
    const int hop = decoder->model->cfg.hop;
    if (max_samples < n_frames * hop)
        return HFC_ERR_BUFFER_TOO_SMALL;
    int64_t produced = 0;
    for (int64_t f = 0; f < n_frames; f++) {
        const float *latent = NULL;
        int action = hfc_conceal_lost(&decoder->conceal, &latent);
        if (action != HFC_CONCEAL_RUN) { /* causal and silent: skip the generator */
            if (action == HFC_CONCEAL_RESET_ZEROS)
                hfc_generator_stream_reset(&decoder->stream);
            memset(pcm_out + produced, 0, (size_t)hop * sizeof *pcm_out);
            hfc_conceal_apply_gain(&decoder->conceal, pcm_out + produced, hop);
            produced += hop;
            continue;
        }
        ptrdiff_t ld = 0;
        float *column = next_latent_column(decoder, &ld);
        if (!column)
            return HFC_ERR_INTERNAL;
        for (int i = 0; i < decoder->conceal.latent_dim; i++)
            column[i * ld] = latent[i];
        int st = hfc_generator_stream_run(&decoder->stream, 0);
        if (st != HFC_OK)
            return st;
        produced += take_samples(decoder, pcm_out + produced);
    }
    return produced;
}
