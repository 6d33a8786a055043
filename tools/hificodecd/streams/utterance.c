#include "utterance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hfcd_utterance {
    float *pcm;             /* gathered input, model rate */
    size_t n_pcm, cap_pcm, max_pcm;
    hfc_token *tokens;      /* gathered input, frames x n_codebooks */
    size_t n_frames, cap_frames, max_frames;

    int sending;            /* a flush's result is going out */
    uint32_t seq, directions;
    hfc_token *out_tokens;
    size_t out_frames, sent_frames;
    float *out_pcm;         /* client rate */
    size_t out_samples, sent_samples;
};

hfcd_utterance *hfcd_utterance_create(hfcd_stream *s)
{
    hfcd_utterance *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    const hfc_model_info *info = &s->model->info;
    double seconds = s->daemon->config->max_utterance_seconds;
    u->max_pcm = (size_t)(seconds * info->sample_rate_hz);
    u->max_frames = (size_t)(seconds * info->frame_rate_hz) + 1;
    return u;
}

static void free_result(hfcd_utterance *u)
{
    free(u->out_tokens);
    free(u->out_pcm);
    u->out_tokens = NULL;
    u->out_pcm = NULL;
    u->out_frames = u->sent_frames = u->out_samples = u->sent_samples = 0;
    u->sending = 0;
}

void hfcd_utterance_destroy(hfcd_utterance *u)
{
    if (!u)
        return;
    free_result(u);
    free(u->pcm);
    free(u->tokens);
    free(u);
}

/* Makes room for n more items of item_bytes in *buf (doubling); 0 or -1. */
static int reserve(void **buf, size_t *cap, size_t used, size_t n, size_t item_bytes)
{
    if (used + n <= *cap)
        return 0;
    size_t want = *cap ? *cap : 16384;
    while (want < used + n)
        want *= 2;
    void *p = realloc(*buf, want * item_bytes);
    if (!p)
        return -1;
    *buf = p;
    *cap = want;
    return 0;
}

static int add_pcm(hfcd_stream *s, uint32_t seq, const float *pcm, size_t n)
{
    hfcd_utterance *u = s->utterance;
    char text[128];
    if (u->n_pcm + n > u->max_pcm) {
        snprintf(text, sizeof text, "utterance longer than max-utterance-seconds (%d s)",
                 s->daemon->config->max_utterance_seconds);
        hfcd_emit_error(s, seq, HFC_ERR_REFUSED, text);
        return -1;
    }
    if (reserve((void **)&u->pcm, &u->cap_pcm, u->n_pcm, n, sizeof *u->pcm) != 0) {
        hfcd_emit_error(s, seq, HFC_ERR_NO_MEMORY, "out of memory for the utterance");
        return -1;
    }
    memcpy(u->pcm + u->n_pcm, pcm, n * sizeof *pcm);
    u->n_pcm += n;
    return 0;
}

static void add_tokens(hfcd_stream *s, const hfcd_record *rec)
{
    hfcd_utterance *u = s->utterance;
    size_t nc = (size_t)s->model->info.n_codebooks;
    if (u->n_frames + rec->count > u->max_frames) {
        hfcd_emit_error(s, rec->seq, HFC_ERR_REFUSED,
                        "utterance longer than max-utterance-seconds");
        return;
    }
    if (reserve((void **)&u->tokens, &u->cap_frames, u->n_frames, rec->count,
                nc * sizeof *u->tokens) != 0) {
        hfcd_emit_error(s, rec->seq, HFC_ERR_NO_MEMORY, "out of memory for the utterance");
        return;
    }
    hfc_proto_read_tokens(rec->payload, rec->count * nc, u->tokens + u->n_frames * nc);
    u->n_frames += rec->count;
}

static void fail(hfcd_stream *s, uint32_t seq, const char *what, int64_t status)
{
    char text[128];
    snprintf(text, sizeof text, "%s: %s", what, hfc_strerror((int)status));
    hfcd_emit_error(s, seq, (int)status, text);
}

/* Each utterance worker keeps a one-thread offline encoder and decoder for the
 * model it served last: their working memory (the library keeps it between offline
 * calls) then serves job after job, where a fresh codec per stream faulted every
 * page of it in again, all workers at once. Freed when the thread ends. */
typedef struct worker_codec {
    hfcd_model *model; /* referenced */
    hfc_encoder *encoder;
    hfc_decoder *decoder;
} worker_codec;

static _Thread_local worker_codec own_codec;

void hfcd_utterance_thread_done(void)
{
    hfc_encoder_destroy(own_codec.encoder);
    hfc_decoder_destroy(own_codec.decoder);
    hfcd_model_unref(own_codec.model);
    memset(&own_codec, 0, sizeof own_codec);
}

/* The calling worker's codec for m, or NULL when it cannot be made. */
static worker_codec *worker_codec_for(hfcd_model *m)
{
    if (own_codec.model != m) {
        hfcd_utterance_thread_done();
        hfcd_model_ref(m);
        own_codec.model = m;
        own_codec.encoder = hfc_encoder_create(m->model, NULL, NULL);
        own_codec.decoder = hfc_decoder_create(m->model, NULL, NULL);
    }
    return own_codec.encoder && own_codec.decoder ? &own_codec : NULL;
}

/* An utterance computed while no other is and no real-time stream is open borrows
 * the model's wide codec and uses every core; otherwise the worker's own one-thread
 * codec (the stream's if that cannot be made), so concurrent utterances spread over
 * the workers without oversubscribing them. Offline results depend neither on the
 * codec object nor on the thread count, so all give the same bits. */
static int borrow_wide(hfcd_stream *s)
{
    hfcd_daemon *d = s->daemon;
    return d->n_rt_workers > 1 && atomic_load(&d->n_rt_streams) == 0 &&
           atomic_load(&d->n_utt_running) == 1 &&
           hfcd_model_borrow_wide(s->model, d->n_rt_workers);
}

static int encode(hfcd_stream *s, uint32_t seq)
{
    hfcd_utterance *u = s->utterance;
    if (s->to_model) {
        size_t n = hfcd_resampler_drain(s->to_model, s->model_pcm, s->model_pcm_cap);
        if (add_pcm(s, seq, s->model_pcm, n) != 0)
            return -1;
    }
    int64_t frames = hfc_model_frames_for_samples(s->model->model, (int64_t)u->n_pcm);
    size_t nc = (size_t)s->model->info.n_codebooks;
    u->out_tokens = malloc((frames > 0 ? (size_t)frames : 1) * nc * sizeof *u->out_tokens);
    if (!u->out_tokens) {
        fail(s, seq, "encode", HFC_ERR_NO_MEMORY);
        return -1;
    }
    static const float no_samples[1];
    const int wide = borrow_wide(s);
    const worker_codec *own = wide ? NULL : worker_codec_for(s->model);
    int64_t got = hfc_encoder_encode(wide  ? s->model->wide_encoder
                                     : own ? own->encoder
                                           : s->encoder,
                                     u->pcm ? u->pcm : no_samples, (int64_t)u->n_pcm,
                                     u->out_tokens, frames);
    if (wide)
        hfcd_model_return_wide(s->model);
    u->n_pcm = 0;
    if (got < 0) {
        fail(s, seq, "encode", got);
        return -1;
    }
    u->out_frames = (size_t)got;
    return 0;
}

static int decode(hfcd_stream *s, uint32_t seq)
{
    hfcd_utterance *u = s->utterance;
    int64_t n = hfc_model_samples_for_frames(s->model->model, (int64_t)u->n_frames);
    float *pcm = malloc((n > 0 ? (size_t)n : 1) * sizeof *pcm);
    static const hfc_token no_tokens[1];
    const int wide = pcm && borrow_wide(s);
    const worker_codec *own = wide ? NULL : worker_codec_for(s->model);
    int64_t got = pcm ? hfc_decoder_decode(wide  ? s->model->wide_decoder
                                           : own ? own->decoder
                                                 : s->decoder,
                                           u->tokens ? u->tokens : no_tokens,
                                           (int64_t)u->n_frames, pcm, n)
                      : HFC_ERR_NO_MEMORY;
    if (wide)
        hfcd_model_return_wide(s->model);
    u->n_frames = 0;
    if (got < 0) {
        free(pcm);
        fail(s, seq, "decode", got);
        return -1;
    }
    u->out_pcm = pcm;
    u->out_samples = (size_t)got;
    if (!s->to_client)
        return 0;
    size_t cap = hfcd_resampler_max_out(s->to_client, (size_t)got) +
                 hfcd_resampler_max_out(s->to_client, 0);
    u->out_pcm = malloc(cap * sizeof *u->out_pcm);
    if (!u->out_pcm) {
        free(pcm);
        fail(s, seq, "decode", HFC_ERR_NO_MEMORY);
        return -1;
    }
    size_t m = hfcd_resampler_process(s->to_client, pcm, (size_t)got, u->out_pcm, cap);
    m += hfcd_resampler_drain(s->to_client, u->out_pcm + m, cap - m);
    free(pcm);
    u->out_samples = m;
    return 0;
}

void hfcd_utterance_handle(hfcd_stream *s, const hfcd_record *rec)
{
    hfcd_utterance *u = s->utterance;
    size_t n;
    switch (rec->type) {
    case HFC_MSG_PCM_IN: {
        const float *pcm = hfcd_stream_input_pcm(s, rec, &n);
        add_pcm(s, rec->seq, pcm, n);
        break;
    }
    case HFC_MSG_TOKENS_IN:
        add_tokens(s, rec);
        break;
    case HFC_MSG_FLUSH: {
        atomic_fetch_add(&s->daemon->n_utt_running, 1);
        int st = (rec->count & HFC_PROTO_DIR_ENCODE) ? encode(s, rec->seq) : 0;
        if (st == 0 && (rec->count & HFC_PROTO_DIR_DECODE))
            st = decode(s, rec->seq);
        atomic_fetch_sub(&s->daemon->n_utt_running, 1);
        if (st != 0)
            break;
        u->sending = 1;
        u->seq = rec->seq;
        u->directions = rec->count;
        break;
    }
    default:
        break;
    }
    if (atomic_load(&s->ending))
        free_result(u);
}

int hfcd_utterance_next_piece(hfcd_stream *s)
{
    hfcd_utterance *u = s->utterance;
    if (!u->sending)
        return 0;
    size_t per_message = s->max_payload - HFC_PROTO_POSITION_BYTES;
    size_t nc = (size_t)s->model->info.n_codebooks;
    int st;
    if (u->sent_frames < u->out_frames) {
        size_t n = u->out_frames - u->sent_frames;
        if (n > per_message / (2 * nc))
            n = per_message / (2 * nc);
        st = hfcd_emit_tokens(s, u->seq, HFC_PROTO_FLAG_MORE, u->out_tokens + u->sent_frames * nc,
                              n);
        u->sent_frames += n;
    } else if (u->sent_samples < u->out_samples) {
        size_t n = u->out_samples - u->sent_samples;
        if (n > per_message / (size_t)s->bytes_per_sample)
            n = per_message / (size_t)s->bytes_per_sample;
        st = hfcd_emit_pcm(s, u->seq, HFC_PROTO_FLAG_MORE, u->out_pcm + u->sent_samples, n);
        u->sent_samples += n;
    } else {
        uint8_t body[HFC_PROTO_FLUSH_BYTES];
        st =
            hfcd_emit(s, HFC_MSG_FLUSHED, u->seq, body, hfc_proto_write_flush(body, u->directions));
        free_result(u);
    }
    if (st != 0) {
        free_result(u);
        hfcd_emit_error(s, u->seq, HFC_ERR_INTERNAL, "reply larger than the stream's output queue");
    }
    return 1;
}

int hfcd_utterance_pending(const hfcd_stream *s)
{
    return s->utterance->sending;
}
