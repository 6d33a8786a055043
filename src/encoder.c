/* hfc_encoder: one stream's encoder. Offline calls run the whole-utterance networks
 * (network.h); push/flush run the streaming networks (stream_net.h), whose state is
 * allocated here, at create. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "model.h"
#include "stream_net.h"

struct hfc_encoder {
    const hfc_model *model;
    hfc_encoder_options options;
    hfc_encoder_stream stream;
    int pending; /* samples in stream.pre.in since the last run */
    hfc_pool *pool;  /* offline workers, started by the first hfc_encoder_encode */
    int pool_started;
    hfc_workspace ws; /* offline working memory, kept for the next call */
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

static int encoder_lookahead(const void *net, const hfc_stream_plan *plan)
{
    return hfc_encoder_stream_lookahead(net, plan);
}

hfc_encoder *hfc_encoder_create(const hfc_model *model, const hfc_encoder_options *options,
                                int *status)
{
    int st = HFC_OK;
    hfc_encoder *enc = NULL;
    if (!model || (options && (options->n_threads < 0 || options->lookahead_frames < -1 ||
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
        const int hop = model->cfg.hop;
        int max_lookahead = enc->options.lookahead_frames < 0 ? -1
                                                              : enc->options.lookahead_frames * hop;
        hfc_stream_plan plan = hfc_stream_plan_for(max_lookahead, encoder_lookahead, &model->enc);
        st = hfc_encoder_stream_init(&enc->stream, &model->enc, hop, &plan);
        if (st != HFC_OK) {
            hfc_encoder_destroy(enc);
            enc = NULL;
        }
    }
    if (status)
        *status = st;
    return enc;
}

void hfc_encoder_destroy(hfc_encoder *encoder)
{
    if (!encoder)
        return;
    hfc_encoder_stream_free(&encoder->stream);
    hfc_pool_destroy(encoder->pool);
    hfc_workspace_free(&encoder->ws);
    free(encoder);
}

void hfc_encoder_reset(hfc_encoder *encoder)
{
    if (!encoder)
        return;
    hfc_encoder_stream_reset(&encoder->stream);
    encoder->pending = 0;
}

int hfc_encoder_latency(const hfc_encoder *encoder)
{
    return encoder ? encoder->model->cfg.hop + encoder->stream.lookahead_samples : 0;
}

typedef struct quantize_job {
    const hfc_model *model;
    const hfc_act *latent;
    hfc_token *tokens;
    int64_t chunk;
} quantize_job;

static void quantize_task(void *ctx, int task, int thread)
{
    (void)thread;
    const quantize_job *j = ctx;
    const int64_t f0 = task * j->chunk;
    hfc_act frames = *j->latent; /* a view of columns [f0, f0 + chunk) */
    frames.data += f0;
    frames.n = j->latent->n - f0 < j->chunk ? j->latent->n - f0 : j->chunk;
    hfc_quantizer_encode(&j->model->vq, j->model->kern, &frames,
                         j->tokens + f0 * j->model->cfg.groups * j->model->cfg.layers);
}

/* Frames are quantized independently: split them over the pool. */
static void quantize(const hfc_model *m, const hfc_exec *ex, const hfc_act *latent,
                     hfc_token *tokens)
{
    const int64_t n_tasks = 4 * (int64_t)hfc_pool_threads(ex->pool);
    quantize_job j = {m, latent, tokens, (latent->n + n_tasks - 1) / n_tasks};
    hfc_pool_run(ex->pool, (int)((latent->n + j.chunk - 1) / j.chunk), quantize_task, &j);
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
    if (!encoder->pool_started) { /* no pool (one thread, or none could start): inline */
        encoder->pool = hfc_pool_create(encoder->options.n_threads);
        encoder->pool_started = 1;
    }
    const hfc_exec ex = {.kern = m->kern, .pool = encoder->pool, .ws = &encoder->ws};
    int st = hfc_encoder_net_run(&m->enc, &ex, input, n_samples, &encoder->ws.latent);
    if (st == HFC_OK)
        quantize(m, &ex, &encoder->ws.latent, tokens);
    hfc_workspace_trim(&encoder->ws);
    free(sanitised);
    return st == HFC_OK ? n_frames : st;
}

/* Quantizes the latent frames the stream produced into tokens and drops them. */
static int64_t take_frames(hfc_encoder *enc, hfc_token *tokens)
{
    hfc_colbuf *latent = &enc->stream.latent;
    if (latent->n == 0)
        return 0;
    /* A view of the buffer's columns as an activation: no copy, no allocation. */
    hfc_act view = {0};
    view.data = hfc_colbuf_at(latent, 0, latent->t0);
    view.channels = latent->channels;
    view.n = latent->n;
    view.ld = latent->ld;
    hfc_quantizer_encode(&enc->model->vq, enc->model->kern, &view, tokens);
    int64_t n = latent->n;
    hfc_colbuf_drop_before(latent, hfc_colbuf_end(latent));
    return n;
}

int64_t hfc_encoder_push(hfc_encoder *encoder, const float *pcm, int64_t n_samples,
                         hfc_token *tokens_out, int64_t max_frames)
{
    if (!encoder || n_samples < 0 || (!pcm && n_samples > 0) || (!tokens_out && max_frames > 0))
        return HFC_ERR_INVALID_ARG;
    const hfc_model *m = encoder->model;
    const int hop = m->cfg.hop, n_codebooks = m->cfg.groups * m->cfg.layers;
    if (max_frames < n_samples / hop + 1)
        return HFC_ERR_BUFFER_TOO_SMALL;
    const int zero_bad = encoder->options.bad_sample_policy == HFC_BAD_SAMPLE_ZERO;
    for (int64_t i = 0; i < n_samples && !zero_bad; i++)
        if (!isfinite(pcm[i]))
            return HFC_ERR_BAD_SAMPLE;
    hfc_sconv *pre = &encoder->stream.pre;
    int64_t produced = 0;
    while (n_samples > 0) {
        /* Fill the frame being assembled, straight into conv_pre's input. */
        int take = hop - encoder->pending;
        if (take > n_samples)
            take = (int)n_samples;
        int64_t at = hfc_colbuf_end(&pre->in);
        if (!hfc_colbuf_grow(&pre->in, take))
            return HFC_ERR_INTERNAL;
        float *dst = hfc_colbuf_at(&pre->in, 0, at);
        for (int i = 0; i < take; i++)
            dst[i] = isfinite(pcm[i]) ? pcm[i] : 0.0f;
        pcm += take;
        n_samples -= take;
        encoder->pending += take;
        if (encoder->pending < hop)
            break;
        encoder->pending = 0;
        int st = hfc_encoder_stream_run(&encoder->stream, 0);
        if (st != HFC_OK)
            return st;
        produced += take_frames(encoder, tokens_out + produced * n_codebooks);
    }
    return produced;
}

int64_t hfc_encoder_flush(hfc_encoder *encoder, hfc_token *tokens_out, int64_t max_frames)
{
    if (!encoder || (!tokens_out && max_frames > 0))
        return HFC_ERR_INVALID_ARG;
    const hfc_model *m = encoder->model;
    if (max_frames < hfc_encoder_latency(encoder) / m->cfg.hop + 2)
        return HFC_ERR_BUFFER_TOO_SMALL;
    int st = hfc_encoder_stream_run(&encoder->stream, 1);
    int64_t produced = st == HFC_OK ? take_frames(encoder, tokens_out) : st;
    hfc_encoder_reset(encoder);
    return produced;
}

int hfc_encoders_push_frame(hfc_encoder *const *enc, int n, const float *const *pcm,
                            hfc_token *const *tokens, int64_t *n_frames)
{
    if (!enc || !pcm || !tokens || !n_frames || n < 0)
        return HFC_ERR_INVALID_ARG;
    for (int i = 0; i < n; i++)
        if (!enc[i] || !pcm[i] || !tokens[i] || enc[i]->model != enc[0]->model)
            return HFC_ERR_INVALID_ARG;
    for (int i0 = 0; i0 < n; i0 += HFC_STREAM_BATCH_MAX) {
        const int i1 = n - i0 < HFC_STREAM_BATCH_MAX ? n : i0 + HFC_STREAM_BATCH_MAX;
        hfc_encoder_stream *batch[HFC_STREAM_BATCH_MAX];
        int index[HFC_STREAM_BATCH_MAX], k = 0;
        for (int i = i0; i < i1; i++) {
            hfc_encoder *e = enc[i];
            const int hop = e->model->cfg.hop;
            int clean = e->pending == 0;
            for (int t = 0; t < hop && clean; t++)
                clean = isfinite(pcm[i][t]);
            hfc_sconv *pre = &e->stream.pre;
            const int64_t at = hfc_colbuf_end(&pre->in);
            if (!clean || !hfc_colbuf_grow(&pre->in, hop)) {
                n_frames[i] = hfc_encoder_push(e, pcm[i], hop, tokens[i], 2);
                continue;
            }
            memcpy(hfc_colbuf_at(&pre->in, 0, at), pcm[i], (size_t)hop * sizeof(float));
            batch[k] = &e->stream;
            index[k++] = i;
        }
        const int st = k ? hfc_encoder_stream_run_many(batch, k, 0) : HFC_OK;
        for (int b = 0; b < k; b++)
            n_frames[index[b]] = st != HFC_OK ? st : take_frames(enc[index[b]], tokens[index[b]]);
    }
    return HFC_OK;
}
