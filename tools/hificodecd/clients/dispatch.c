#include "dispatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "maker.h"
#include "stream.h"

#define MAX_BAD_REQUESTS 64 /* per connection, before it is cut off */

/* A handler's outcome: done, or the request waits for room in this stream's ring
 * (wait_for), or for codecs from the maker (wait_codec). */
typedef struct outcome {
    hfcd_stream *wait_for;
    int wait_codec;
} outcome;

static const outcome done = {NULL, 0};

/* A bad request about stream id: fails that stream when it exists (in order,
 * after its earlier replies), else answers with an ERROR naming the id. */
static outcome reject(hfcd_conn *c, uint32_t id, uint32_t seq, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static outcome reject(hfcd_conn *c, uint32_t id, uint32_t seq, int status, const char *fmt, ...)
{
    char text[HFC_PROTO_MAX_TEXT_BYTES + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (++c->n_bad_requests > MAX_BAD_REQUESTS) {
        hfcd_conn_drop(c, HFC_ERR_PROTOCOL, "too many bad requests");
        return done;
    }
    hfcd_stream *s = id ? hfcd_conn_find_stream(c, id) : NULL;
    if (s && !s->closing) {
        if (hfcd_stream_queue_failure(s, seq, status, text) != 0)
            return (outcome){s, 0};
        return done;
    }
    hfcd_conn_send_error(c, id, seq, status, "%s", text);
    return done;
}

static void hello(hfcd_conn *c, const hfc_proto_header *h, const uint8_t *body)
{
    hfcd_daemon *d = c->daemon;
    hfc_proto_hello hello;
    if (h->type != HFC_MSG_HELLO || hfc_proto_parse_hello(body, h->body_bytes, &hello) != HFC_OK) {
        hfcd_conn_drop(c, HFC_ERR_PROTOCOL, "the first message must be a valid HELLO");
        return;
    }
    if (c->refusal != HFC_OK) {
        hfcd_conn_drop(c, c->refusal, c->refusal_text);
        return;
    }
    int version = hfc_proto_negotiate(&hello);
    if (!version) {
        char why[128];
        snprintf(why, sizeof why, "protocol version %d..%d wanted, hificodecd speaks %d..%d",
                 hello.min_version, hello.max_version, HFC_PROTO_VERSION_MIN,
                 HFC_PROTO_VERSION_MAX);
        hfcd_conn_drop(c, HFC_ERR_UNSUPPORTED, why);
        return;
    }
    snprintf(c->name, sizeof c->name, "%s", hello.name);
    c->state = HFCD_CONN_READY;
    const hfc_model_info *info = &d->model->info;
    hfc_proto_hello_ok ok = {
        .version = (uint16_t)version,
        .max_message_bytes = (uint32_t)d->config->max_message_bytes,
        .max_streams = (uint32_t)d->config->max_streams_per_client,
        .idle_timeout_ms = (uint32_t)d->config->idle_timeout_ms,
        .model = {(uint32_t)info->sample_rate_hz, (uint32_t)info->hop_samples,
                  (uint32_t)info->n_codebooks, (uint32_t)info->codebook_size,
                  info->causal ? HFC_PROTO_MODEL_CAUSAL : 0, info->model_id},
    };
    uint8_t reply[HFC_PROTO_HELLO_OK_BYTES];
    hfcd_conn_send_control(c, HFC_MSG_HELLO_OK, 0, h->seq, reply,
                           hfc_proto_write_hello_ok(reply, &ok));
    hfcd_log(HFCD_LOG_INFO, "client pid %d uid %u: '%s', protocol %d", (int)c->peer.pid,
             (unsigned)c->peer.uid, c->name, version);
}

/* Admission control: the CPU the open real-time streams need, as measured, must
 * stay within the budget with the new one. */
static int admit(hfcd_conn *c, const hfc_proto_open *open, double cost, uint32_t id, uint32_t seq)
{
    hfcd_daemon *d = c->daemon;
    if (d->cpu_budget <= 0 || cost <= 0 || d->cpu_committed + cost <= d->cpu_budget)
        return 1;
    const hfcd_model *m = d->model;
    hfcd_conn_send_error(c, id, seq, HFC_ERR_REFUSED,
                         "CPU budget exhausted: open streams need %.2f of %.2f CPUs; this one "
                         "needs %.2f (%s %.2f ms per %.0f ms frame)",
                         d->cpu_committed, d->cpu_budget, cost,
                         open->direction == HFC_PROTO_DIR_BOTH     ? "encode + decode"
                         : open->direction == HFC_PROTO_DIR_ENCODE ? "encode"
                                                                   : "decode",
                         hfcd_model_stream_cost(m, open->direction) / m->info.frame_rate_hz * 1e3,
                         1e3 / m->info.frame_rate_hz);
    return 0;
}

static outcome open_stream(hfcd_conn *c, const hfc_proto_header *h, const uint8_t *body)
{
    hfcd_daemon *d = c->daemon;
    const hfcd_config *cfg = d->config;
    hfc_proto_open open;
    if (hfcd_conn_find_stream(c, h->stream))
        return reject(c, h->stream, h->seq, HFC_ERR_STATE, "stream %u is already open", h->stream);
    if (hfc_proto_parse_open(body, h->body_bytes, &open) != HFC_OK)
        return reject(c, h->stream, h->seq, HFC_ERR_PROTOCOL, "malformed OPEN");
    if (d->draining) {
        hfcd_conn_send_error(c, h->stream, h->seq, HFC_ERR_REFUSED, "hificodecd is shutting down");
        return done;
    }
    hfcd_conn_reap(c); /* a stream just ended may still hold a slot */
    if (c->n_streams >= cfg->max_streams_per_client) {
        hfcd_conn_send_error(c, h->stream, h->seq, HFC_ERR_REFUSED,
                             "this connection has %d streams, the limit (max-streams-per-client)",
                             c->n_streams);
        return done;
    }
    if (atomic_load(&d->n_streams) >= cfg->max_streams) {
        hfcd_conn_send_error(c, h->stream, h->seq, HFC_ERR_REFUSED,
                             "hificodecd serves %d streams, the limit (max-streams)",
                             cfg->max_streams);
        return done;
    }
    /* Utterance mode runs on the low-priority utterance workers: no real-time cost. */
    double cost =
        open.mode == HFC_PROTO_MODE_STREAM ? hfcd_model_stream_cost(d->model, open.direction) : 0.0;
    if (!admit(c, &open, cost, h->stream, h->seq))
        return done;
    /* Made ahead by the maker: creating them here would hold up every stream's
     * requests for the ~11 ms each takes (stock.h). */
    hfc_encoder *encoder;
    hfc_decoder *decoder;
    if (!hfcd_stock_take(&d->model->stock, open.direction, &encoder, &decoder)) {
        if (hfcd_maker_wait(d->maker, c) == 0)
            return (outcome){NULL, 1};
        hfcd_conn_send_error(c, h->stream, h->seq, HFC_ERR_NO_MEMORY,
                             "cannot create the stream: %s", hfc_strerror(HFC_ERR_NO_MEMORY));
        return done;
    }
    hfcd_maker_poke(d->maker);
    int status;
    char err[HFC_PROTO_MAX_TEXT_BYTES + 1];
    hfcd_stream *s = hfcd_stream_create(d, c, h->stream, &open, d->model, encoder, decoder,
                                        &status, err, sizeof err);
    if (!s) {
        hfcd_conn_send_error(c, h->stream, h->seq, status, "%s", err);
        return done;
    }
    s->cost = cost;
    d->cpu_committed += cost;
    c->streams[c->n_streams++] = s;
    hfc_proto_open_ok ok;
    hfcd_stream_open_ok(s, &ok);
    uint8_t reply[HFC_PROTO_OPEN_OK_BYTES];
    hfcd_conn_send_control(c, HFC_MSG_OPEN_OK, h->stream, h->seq, reply,
                           hfc_proto_write_open_ok(reply, &ok));
    hfcd_log(HFCD_LOG_DEBUG, "client pid %d: stream %u open (%s%s, %u Hz, %s)", (int)c->peer.pid,
             h->stream, open.direction & HFC_PROTO_DIR_ENCODE ? "encode" : "",
             open.direction & HFC_PROTO_DIR_DECODE ? " decode" : "", s->rate_hz,
             open.mode == HFC_PROTO_MODE_UTTERANCE ? "utterance" : "streaming");
    return done;
}

/* Validates a stream request; stores what the record carries in *count. */
static int check_request(hfcd_stream *s, const hfc_proto_header *h, const uint8_t *body,
                         uint32_t *count, char *why, size_t n_why)
{
    int st;
    *count = 0;
    switch (h->type) {
    case HFC_MSG_PCM_IN:
        if (!(s->direction & HFC_PROTO_DIR_ENCODE)) {
            snprintf(why, n_why, "PCM sent to a stream that does not encode");
            return HFC_ERR_PROTOCOL;
        }
        st = hfc_proto_check_pcm(h->body_bytes, s->sample_format, s->max_samples, count);
        if (st != HFC_OK)
            snprintf(why, n_why, "PCM of %u bytes is not whole samples or exceeds %u samples",
                     h->body_bytes, s->max_samples);
        return st;
    case HFC_MSG_TOKENS_IN:
        if (!(s->direction & HFC_PROTO_DIR_DECODE)) {
            snprintf(why, n_why, "tokens sent to a stream that does not decode");
            return HFC_ERR_PROTOCOL;
        }
        st = hfc_proto_check_tokens(body, h->body_bytes, (uint32_t)s->model->info.n_codebooks,
                                    (uint32_t)s->model->info.codebook_size, s->max_frames, count);
        if (st == HFC_ERR_BAD_TOKEN)
            snprintf(why, n_why, "a token is not below the codebook size %d",
                     s->model->info.codebook_size);
        else if (st != HFC_OK)
            snprintf(why, n_why,
                     "tokens of %u bytes are not whole frames of %d or exceed %u frames",
                     h->body_bytes, s->model->info.n_codebooks, s->max_frames);
        return st;
    case HFC_MSG_FLUSH:
        if (hfc_proto_parse_flush(body, h->body_bytes, count) != HFC_OK ||
            (*count & ~(uint32_t)s->direction) != 0) {
            snprintf(why, n_why, "FLUSH of directions the stream does not have");
            return HFC_ERR_PROTOCOL;
        }
        return HFC_OK;
    case HFC_MSG_CLOSE:
        if (h->body_bytes != 0) {
            snprintf(why, n_why, "CLOSE with a body");
            return HFC_ERR_PROTOCOL;
        }
        return HFC_OK;
    default:
        return HFC_ERR_PROTOCOL;
    }
}

static outcome stream_request(hfcd_conn *c, const hfc_proto_header *h, const uint8_t *body,
                              int64_t received_ns)
{
    hfcd_daemon *d = c->daemon;
    hfcd_stream *s = hfcd_conn_find_stream(c, h->stream);
    if (!s)
        return reject(c, h->stream, h->seq, HFC_ERR_STATE, "no stream %u", h->stream);
    if (s->closing) /* the client closed it, or it failed: what follows is moot */
        return done;
    uint32_t count;
    char why[HFC_PROTO_MAX_TEXT_BYTES + 1];
    int st = check_request(s, h, body, &count, why, sizeof why);
    if (st != HFC_OK)
        return reject(c, h->stream, h->seq, st, "%s", why);
    hfcd_record *rec = hfcd_ring_reserve(&s->ring);
    if (!rec) {
        int data = h->type == HFC_MSG_PCM_IN || h->type == HFC_MSG_TOKENS_IN;
        if (!(s->drop_when_full && data))
            return (outcome){s, 0}; /* back-pressure: the connection waits */
        atomic_fetch_add_explicit(&s->n_dropped, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&d->inputs_dropped, 1, memory_order_relaxed);
        hfcd_conn_send_control(c, HFC_MSG_DROPPED, h->stream, h->seq, NULL, 0);
        return done;
    }
    rec->type = h->type;
    rec->seq = h->seq;
    rec->count = count;
    rec->status = HFC_OK;
    rec->received_ns = received_ns;
    rec->n_bytes = h->body_bytes;
    memcpy(rec->payload, body, h->body_bytes);
    hfcd_ring_commit(&s->ring);
    atomic_fetch_add_explicit(&s->n_inputs, 1, memory_order_relaxed);
    if (h->type == HFC_MSG_CLOSE)
        s->closing = 1;
    if (!atomic_load(&s->blocked)) /* else EPOLLOUT schedules it */
        hfcd_stream_schedule(s);
    return done;
}

static void stats(hfcd_conn *c, const hfc_proto_header *h)
{
    hfcd_daemon *d = c->daemon;
    hfcd_stream *s = h->stream ? hfcd_conn_find_stream(c, h->stream) : NULL;
    if (h->body_bytes != 0) {
        reject(c, h->stream, h->seq, HFC_ERR_PROTOCOL, "STATS_REQUEST with a body");
        return;
    }
    if (h->stream && !s) {
        reject(c, h->stream, h->seq, HFC_ERR_STATE, "no stream %u", h->stream);
        return;
    }
    uint64_t v[HFC_STAT_COUNT] = {0};
    v[HFC_STAT_CONNECTIONS] = (uint64_t)d->n_conns;
    v[HFC_STAT_STREAMS] = (uint64_t)atomic_load(&d->n_streams);
    v[HFC_STAT_WORKERS] = (uint64_t)d->n_rt_workers;
    v[HFC_STAT_CPU_BUDGET_PERMILLE] = (uint64_t)(d->cpu_budget * 1000 + 0.5);
    v[HFC_STAT_CPU_COMMITTED_PERMILLE] = (uint64_t)(d->cpu_committed * 1000 + 0.5);
    v[HFC_STAT_ENCODE_US_PER_FRAME] = (uint64_t)(d->model->encode_us + 0.5);
    v[HFC_STAT_DECODE_US_PER_FRAME] = (uint64_t)(d->model->decode_us + 0.5);
    v[HFC_STAT_FRAMES_ENCODED] = atomic_load(&d->frames_encoded);
    v[HFC_STAT_FRAMES_DECODED] = atomic_load(&d->frames_decoded);
    v[HFC_STAT_INPUTS_DROPPED] = atomic_load(&d->inputs_dropped);
    v[HFC_STAT_LATENCY_P50_US] = hfcd_latency_percentile_us(&d->latency, 50);
    v[HFC_STAT_LATENCY_P99_US] = hfcd_latency_percentile_us(&d->latency, 99);
    if (s) {
        v[HFC_STAT_STREAM_INPUTS] = atomic_load(&s->n_inputs);
        v[HFC_STAT_STREAM_FRAMES_OUT] = atomic_load(&s->n_frames_out);
        v[HFC_STAT_STREAM_SAMPLES_OUT] = atomic_load(&s->n_samples_out);
        v[HFC_STAT_STREAM_DROPPED] = atomic_load(&s->n_dropped);
        v[HFC_STAT_STREAM_QUEUED] = hfcd_ring_count(&s->ring);
    }
    uint8_t body[HFC_PROTO_STATS_BYTES];
    hfcd_conn_send_control(c, HFC_MSG_STATS, h->stream, h->seq, body,
                           hfc_proto_write_stats(body, v));
}

static outcome handle(hfcd_conn *c, const uint8_t *msg, size_t n_bytes, int64_t received_ns)
{
    size_t max = (size_t)c->daemon->config->max_message_bytes;
    hfc_proto_header h;
    uint32_t id, seq;
    hfc_proto_peek_ids(msg, n_bytes, &id, &seq);
    if (n_bytes > max) {
        if (c->state == HFCD_CONN_HELLO) {
            hfcd_conn_drop(c, HFC_ERR_PROTOCOL, "the first message must be a valid HELLO");
            return done;
        }
        return reject(c, id, seq, HFC_ERR_PROTOCOL, "message of %zu bytes exceeds the limit of %zu",
                      n_bytes, max);
    }
    if (hfc_proto_parse_header(msg, n_bytes, &h) != HFC_OK ||
        hfc_proto_check_direction(&h, 0) != HFC_OK) {
        if (c->state == HFCD_CONN_HELLO) {
            hfcd_conn_drop(c, HFC_ERR_PROTOCOL, "the first message must be a valid HELLO");
            return done;
        }
        return reject(c, id, seq, HFC_ERR_PROTOCOL, "malformed message header (%zu bytes)",
                      n_bytes);
    }
    const uint8_t *body = msg + HFC_PROTO_HEADER_BYTES;
    if (c->state == HFCD_CONN_HELLO) {
        hello(c, &h, body);
        return done;
    }
    switch (h.type) {
    case HFC_MSG_HELLO:
        return reject(c, 0, h.seq, HFC_ERR_STATE, "HELLO was already received");
    case HFC_MSG_OPEN:
        return open_stream(c, &h, body);
    case HFC_MSG_STATS_REQUEST:
        stats(c, &h);
        return done;
    default:
        return stream_request(c, &h, body, received_ns);
    }
}

/* The request waits in c->held; the stream's worker notices the loop after its
 * next pop. The flag is set before the ring is looked at again, with a fence
 * (pairing with the worker's pop-then-exchange), so the wake-up cannot be lost. */
static void hold(hfcd_conn *c, hfcd_stream *s, const uint8_t *msg, size_t n_bytes,
                 int64_t received_ns)
{
    size_t max = (size_t)c->daemon->config->max_message_bytes;
    if (!c->held && !(c->held = malloc(max))) {
        hfcd_conn_drop(c, HFC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    if (msg != c->held)
        memcpy(c->held, msg, n_bytes < max ? n_bytes : max);
    c->n_held = n_bytes;
    c->held_received_ns = received_ns;
    atomic_store(&s->wake_loop, 1);
    atomic_thread_fence(memory_order_seq_cst);
    hfcd_conn_update_events(c);
    if (hfcd_ring_count(&s->ring) < s->ring.n_slots)
        hfcd_dispatch_held(c); /* room appeared meanwhile */
}

/* The OPEN waits in c->held until the maker notices the connection. */
static void hold_for_codec(hfcd_conn *c, const uint8_t *msg, size_t n_bytes, int64_t received_ns)
{
    if (!c->held && !(c->held = malloc((size_t)c->daemon->config->max_message_bytes))) {
        hfcd_conn_drop(c, HFC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    if (msg != c->held)
        memcpy(c->held, msg, n_bytes); /* an OPEN: within max_message_bytes */
    c->n_held = n_bytes;
    c->held_received_ns = received_ns;
    hfcd_conn_update_events(c);
}

void hfcd_dispatch(hfcd_conn *c, const uint8_t *msg, size_t n_bytes, int64_t received_ns)
{
    outcome o = handle(c, msg, n_bytes, received_ns);
    if (c->state == HFCD_CONN_DEAD)
        return;
    if (o.wait_for)
        hold(c, o.wait_for, msg, n_bytes, received_ns);
    else if (o.wait_codec)
        hold_for_codec(c, msg, n_bytes, received_ns);
}

void hfcd_dispatch_held(hfcd_conn *c)
{
    size_t n = c->n_held;
    c->n_held = 0;
    hfcd_dispatch(c, c->held, n, c->held_received_ns);
    hfcd_conn_update_events(c);
}
