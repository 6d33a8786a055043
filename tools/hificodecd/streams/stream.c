/* Stream lifetime: sizing every buffer at open from the model, the client's rate
 * and the message limit, and freeing it all with the last reference. */
#include "stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "utterance.h"

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

size_t hfcd_pcm_reply_bytes(const hfcd_stream *s, size_t n_samples)
{
    /* Each message: a 4-byte queue prefix, the header and the position. */
    size_t per_message = (s->max_payload - HFC_PROTO_POSITION_BYTES) / (size_t)s->bytes_per_sample;
    size_t n_messages = n_samples / per_message + 1;
    return n_samples * (size_t)s->bytes_per_sample +
           n_messages * (4 + HFC_PROTO_HEADER_BYTES + HFC_PROTO_POSITION_BYTES);
}

/* Sizes and allocates the per-request buffers: the largest request either way,
 * plus what a flush releases, at both rates. */
static int size_buffers(hfcd_stream *s)
{
    const hfcd_model *m = s->model;
    const size_t hop = (size_t)m->info.hop_samples, nc = (size_t)m->info.n_codebooks;
    size_t model_in = s->to_model ? hfcd_resampler_max_out(s->to_model, s->max_samples)
                                  : s->max_samples;
    size_t drain_in = s->to_model ? hfcd_resampler_max_out(s->to_model, 0) : 0;
    size_t dec_model = s->max_frames * hop + (size_t)m->decoder_latency_samples + hop;
    size_t dec_client = s->to_client ? hfcd_resampler_max_out(s->to_client, dec_model) +
                                           hfcd_resampler_max_out(s->to_client, 0)
                                     : dec_model;
    size_t enc_frames = (model_in + drain_in) / hop + (size_t)m->encoder_latency_samples / hop + 3;

    s->model_pcm_cap = max_size(model_in + drain_in, dec_model);
    s->client_pcm_cap = max_size(s->max_samples, dec_client);
    s->tokens_cap = max_size(enc_frames, s->max_frames);
    s->model_pcm = malloc(s->model_pcm_cap * sizeof *s->model_pcm);
    s->client_pcm = malloc(s->client_pcm_cap * sizeof *s->client_pcm);
    s->tokens = malloc(s->tokens_cap * nc * sizeof *s->tokens);

    /* The largest reply: a flush's tokens, PCM and FLUSHED, or an ERROR, each
     * message with its 4-byte queue prefix. An utterance piece is one message. */
    size_t msg = 4 + HFC_PROTO_HEADER_BYTES;
    size_t out = msg + HFC_PROTO_POSITION_BYTES + enc_frames * nc * 2 +
                 hfcd_pcm_reply_bytes(s, dec_client) + msg + HFC_PROTO_FLUSH_BYTES +
                 msg + HFC_PROTO_ERROR_MAX_BYTES;
    out = max_size(out, 4 + HFC_PROTO_HEADER_BYTES + s->max_payload + msg +
                            HFC_PROTO_ERROR_MAX_BYTES);
    if (!s->model_pcm || !s->client_pcm || !s->tokens || hfcd_outq_init(&s->out, out) != 0)
        return HFC_ERR_NO_MEMORY;
    return HFC_OK;
}

/* Everything a stream needs besides its codecs (which come from the stock): the
 * resamplers to and from the client's rate, the buffers, the utterance state. */
static int create_io(hfcd_stream *s, char *err, size_t n_err)
{
    const hfcd_model *m = s->model;
    int st = HFC_OK;
    if (s->rate_hz != (uint32_t)m->info.sample_rate_hz) {
        if ((s->direction & HFC_PROTO_DIR_ENCODE) &&
            !(s->to_model = hfcd_resampler_create(s->rate_hz, m->info.sample_rate_hz)))
            st = HFC_ERR_NO_MEMORY;
        if ((s->direction & HFC_PROTO_DIR_DECODE) &&
            !(s->to_client = hfcd_resampler_create(m->info.sample_rate_hz, s->rate_hz)))
            st = HFC_ERR_NO_MEMORY;
        if (st != HFC_OK) {
            snprintf(err, n_err, "cannot resample between %u Hz and %d Hz", s->rate_hz,
                     m->info.sample_rate_hz);
            return st;
        }
    }
    if (st == HFC_OK)
        st = size_buffers(s);
    if (st == HFC_OK && s->mode == HFC_PROTO_MODE_UTTERANCE &&
        !(s->utterance = hfcd_utterance_create(s)))
        st = HFC_ERR_NO_MEMORY;
    if (st != HFC_OK)
        snprintf(err, n_err, "cannot create the stream: %s", hfc_strerror(st));
    return st;
}

hfcd_stream *hfcd_stream_create(hfcd_daemon *d, hfcd_conn *conn, uint32_t id,
                                const hfc_proto_open *open, hfcd_model *model,
                                hfc_encoder *encoder, hfc_decoder *decoder, int *status,
                                char *err, size_t n_err)
{
    const hfcd_config *cfg = d->config;
    hfcd_stream *s = calloc(1, sizeof *s);
    if (!s) {
        hfcd_stock_put(&model->stock, encoder, decoder);
        *status = HFC_ERR_NO_MEMORY;
        snprintf(err, n_err, "out of memory");
        return NULL;
    }
    atomic_init(&s->refs, 1);
    atomic_fetch_add(&d->n_streams, 1);
    s->daemon = d;
    s->conn = conn;
    hfcd_conn_ref(conn);
    s->model = model;
    hfcd_model_ref(model);
    s->encoder = encoder;
    s->decoder = decoder;
    s->id = id;
    s->direction = open->direction;
    s->sample_format = open->sample_format;
    s->bytes_per_sample = hfc_proto_bytes_per_sample(open->sample_format);
    s->mode = open->mode;
    s->drop_when_full = (open->flags & HFC_PROTO_OPEN_DROP) != 0;
    s->rate_hz = open->sample_rate_hz ? open->sample_rate_hz : (uint32_t)model->info.sample_rate_hz;
    if (s->mode != HFC_PROTO_MODE_UTTERANCE)
        atomic_fetch_add(&d->n_rt_streams, 1);
    s->queue = hfcd_stream_queue(s);
    s->max_payload = (uint32_t)cfg->max_message_bytes - HFC_PROTO_HEADER_BYTES;
    s->max_samples = s->max_payload / (uint32_t)s->bytes_per_sample;
    /* Tokens per request: as many as fit, but no more than one PCM_OUT can answer
     * (a resampler's burst may still need a second). */
    uint32_t nc = (uint32_t)model->info.n_codebooks;
    uint32_t per_reply =
        (s->max_payload - HFC_PROTO_POSITION_BYTES) / (uint32_t)s->bytes_per_sample;
    uint32_t frame_out = (uint32_t)ceil(model->info.hop_samples * (double)s->rate_hz /
                                        model->info.sample_rate_hz);
    s->max_frames = s->max_payload / (2 * nc);
    if (per_reply / frame_out < s->max_frames)
        s->max_frames = per_reply / frame_out > 0 ? per_reply / frame_out : 1;
    uint32_t queue = open->queue_messages ? open->queue_messages : (uint32_t)cfg->queue_messages;
    if (queue > (uint32_t)cfg->max_queue_messages)
        queue = (uint32_t)cfg->max_queue_messages;

    *status = hfcd_ring_init(&s->ring, queue, s->max_payload) == 0 ? HFC_OK : HFC_ERR_NO_MEMORY;
    if (*status != HFC_OK)
        snprintf(err, n_err, "out of memory for a queue of %u messages", queue);
    else
        *status = create_io(s, err, n_err);
    if (*status != HFC_OK) {
        hfcd_stream_unref(s);
        return NULL;
    }
    return s;
}

void hfcd_stream_ref(hfcd_stream *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void hfcd_stream_unref(hfcd_stream *s)
{
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    hfcd_daemon *d = s->daemon;
    hfcd_utterance_destroy(s->utterance);
    if (s->mode == HFC_PROTO_MODE_UTTERANCE) {
        /* Their offline workspaces grew to the utterance: not worth keeping. */
        hfc_encoder_destroy(s->encoder);
        hfc_decoder_destroy(s->decoder);
    } else {
        hfcd_stock_put(&s->model->stock, s->encoder, s->decoder);
    }
    hfcd_resampler_destroy(s->to_model);
    hfcd_resampler_destroy(s->to_client);
    free(s->model_pcm);
    free(s->client_pcm);
    free(s->tokens);
    hfcd_outq_free(&s->out);
    hfcd_ring_free(&s->ring);
    hfcd_model_unref(s->model);
    hfcd_conn_unref(s->conn);
    if (s->mode != HFC_PROTO_MODE_UTTERANCE)
        atomic_fetch_sub(&d->n_rt_streams, 1);
    free(s);
    atomic_fetch_sub(&d->n_streams, 1);
}

hfcd_jobq *hfcd_stream_queue(const hfcd_stream *s)
{
    hfcd_daemon *d = s->daemon;
    if (s->mode != HFC_PROTO_MODE_UTTERANCE)
        return &d->rt_queue;
    return atomic_load(&d->n_rt_streams) > 0 ? &d->utt_queue : &d->utt_fast_queue;
}

void hfcd_stream_schedule(hfcd_stream *s)
{
    /* Orders the caller's store (a ring commit, `blocked` cleared) before the
     * exchange, against the worker's give-up in hfcd_stream_run_turn. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_exchange(&s->scheduled, 1))
        return;
    hfcd_stream_ref(s); /* the queue's */
    s->queue = hfcd_stream_queue(s);
    if (hfcd_jobq_push(s->queue, s) != 0) {
        /* Cannot happen: the queue holds max-streams, each stream at most once. */
        atomic_store(&s->scheduled, 0);
        hfcd_stream_unref(s);
    }
}

int hfcd_stream_queue_failure(hfcd_stream *s, uint32_t seq, int status, const char *text)
{
    hfcd_record *rec = hfcd_ring_reserve(&s->ring);
    if (!rec)
        return -1;
    size_t n = strnlen(text, HFC_PROTO_MAX_TEXT_BYTES);
    rec->type = HFCD_RECORD_FAIL;
    rec->seq = seq;
    rec->count = 0;
    rec->status = status;
    rec->received_ns = hfcd_now_ns();
    rec->n_bytes = (uint32_t)n;
    memcpy(rec->payload, text, n);
    hfcd_ring_commit(&s->ring);
    s->closing = 1;
    if (!atomic_load(&s->blocked)) /* else EPOLLOUT schedules it */
        hfcd_stream_schedule(s);
    return 0;
}

void hfcd_stream_open_ok(const hfcd_stream *s, hfc_proto_open_ok *ok)
{
    const hfc_model_info *info = &s->model->info;
    ok->sample_rate_hz = s->rate_hz;
    ok->model.sample_rate_hz = (uint32_t)info->sample_rate_hz;
    ok->model.hop_samples = (uint32_t)info->hop_samples;
    ok->model.n_codebooks = (uint32_t)info->n_codebooks;
    ok->model.codebook_size = (uint32_t)info->codebook_size;
    ok->model.flags = info->causal ? HFC_PROTO_MODEL_CAUSAL : 0;
    ok->model.model_id = info->model_id;
    ok->encoder_latency_samples =
        s->encoder ? (uint32_t)s->model->encoder_latency_samples : 0;
    ok->decoder_latency_samples =
        s->decoder ? (uint32_t)s->model->decoder_latency_samples : 0;
    ok->max_samples_per_message = s->max_samples;
    ok->max_frames_per_message = s->max_frames;
    ok->queue_messages = s->ring.n_slots;
}
