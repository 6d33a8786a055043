/* The worker's side of a stream: one turn sends what is queued, then handles a few
 * requests (a frame's PCM and tokens come as two), so that every ready stream gets
 * its turn in order and a deep queue cannot hog a worker, yet one frame's work
 * stays on one core with warm caches. Streaming-mode requests go straight through
 * the codec, and nothing on that path allocates, locks or logs; utterance mode
 * gathers and may allocate (utterance.c, on the low-priority utterance workers). */
#include <stdio.h>
#include <time.h>

#include "conn.h"
#include "notice.h"
#include "stream.h"
#include "utterance.h"

#define REQUESTS_PER_TURN 4

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fail_codec(hfcd_stream *s, uint32_t seq, const char *what, int64_t status)
{
    char text[128];
    snprintf(text, sizeof text, "%s: %s", what, hfc_strerror((int)status));
    hfcd_emit_error(s, seq, (int)status, text);
}

static void fail_sizing(hfcd_stream *s, uint32_t seq)
{
    hfcd_emit_error(s, seq, HFC_ERR_INTERNAL, "reply larger than the stream's output queue");
}

const float *hfcd_stream_input_pcm(hfcd_stream *s, const hfcd_record *rec, size_t *n)
{
    hfc_proto_read_samples(rec->payload, s->sample_format, rec->count, s->client_pcm);
    *n = rec->count;
    if (!s->to_model)
        return s->client_pcm;
    *n = hfcd_resampler_process(s->to_model, s->client_pcm, rec->count, s->model_pcm,
                                s->model_pcm_cap);
    return s->model_pcm;
}

void hfcd_stream_account(hfcd_stream *s, int direction, int64_t cpu_ns, uint64_t frames)
{
    hfcd_model *m = s->model;
    const int enc = direction == HFC_PROTO_DIR_ENCODE;
    atomic_fetch_add_explicit(enc ? &m->encode_ns : &m->decode_ns, (uint64_t)cpu_ns,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(enc ? &m->encode_frames : &m->decode_frames, frames,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(enc ? &s->daemon->frames_encoded : &s->daemon->frames_decoded,
                              frames, memory_order_relaxed);
}

/* Encodes n model-rate samples into tokens + *n_frames; returns 0 or a status. */
static int64_t encode(hfcd_stream *s, const float *pcm, size_t n, size_t *n_frames)
{
    hfcd_model *m = s->model;
    int64_t t0 = thread_cpu_ns();
    int64_t got = hfc_encoder_push(s->encoder, pcm, (int64_t)n,
                                   s->tokens + *n_frames * (size_t)m->info.n_codebooks,
                                   (int64_t)(s->tokens_cap - *n_frames));
    if (got < 0)
        return got;
    hfcd_stream_account(s, HFC_PROTO_DIR_ENCODE, thread_cpu_ns() - t0, (uint64_t)got);
    *n_frames += (size_t)got;
    return 0;
}

void hfcd_stream_encoded(hfcd_stream *s, uint32_t seq, int64_t n_frames)
{
    if (n_frames < 0)
        fail_codec(s, seq, "encode", n_frames);
    else if (hfcd_emit_tokens(s, seq, 0, s->tokens, (size_t)n_frames) != 0)
        fail_sizing(s, seq);
}

static void handle_pcm(hfcd_stream *s, const hfcd_record *rec)
{
    size_t n, n_frames = 0;
    const float *pcm = hfcd_stream_input_pcm(s, rec, &n);
    int64_t st = encode(s, pcm, n, &n_frames);
    hfcd_stream_encoded(s, rec->seq, st < 0 ? st : (int64_t)n_frames);
}

/* Model-rate PCM from the decoder to the client's rate and out, as one reply. */
static int emit_decoded(hfcd_stream *s, uint32_t seq, uint16_t flags, size_t n, int drain)
{
    const float *out = s->model_pcm;
    if (s->to_client) {
        size_t m = hfcd_resampler_process(s->to_client, s->model_pcm, n, s->client_pcm,
                                          s->client_pcm_cap);
        if (drain)
            m += hfcd_resampler_drain(s->to_client, s->client_pcm + m, s->client_pcm_cap - m);
        out = s->client_pcm;
        n = m;
    }
    return hfcd_emit_pcm(s, seq, flags, out, n);
}

void hfcd_stream_decoded(hfcd_stream *s, uint32_t seq, int64_t n_samples)
{
    if (n_samples < 0)
        fail_codec(s, seq, "decode", n_samples);
    else if (emit_decoded(s, seq, 0, (size_t)n_samples, 0) != 0)
        fail_sizing(s, seq);
}

static void handle_tokens(hfcd_stream *s, const hfcd_record *rec)
{
    hfcd_model *m = s->model;
    hfc_proto_read_tokens(rec->payload, (size_t)rec->count * (size_t)m->info.n_codebooks,
                          s->tokens);
    int64_t t0 = thread_cpu_ns();
    int64_t n = hfc_decoder_push(s->decoder, s->tokens, rec->count, s->model_pcm,
                                 (int64_t)s->model_pcm_cap);
    if (n >= 0)
        hfcd_stream_account(s, HFC_PROTO_DIR_DECODE, thread_cpu_ns() - t0, rec->count);
    hfcd_stream_decoded(s, rec->seq, n);
}

/* FLUSH in streaming mode: what each direction holds back, then FLUSHED. */
static void handle_flush(hfcd_stream *s, const hfcd_record *rec)
{
    uint32_t dirs = rec->count;
    if (dirs & HFC_PROTO_DIR_ENCODE) {
        size_t n_frames = 0;
        int64_t st = 0;
        if (s->to_model) {
            size_t n = hfcd_resampler_drain(s->to_model, s->model_pcm, s->model_pcm_cap);
            st = encode(s, s->model_pcm, n, &n_frames);
        }
        if (st == 0) {
            int64_t got = hfc_encoder_flush(
                s->encoder, s->tokens + n_frames * (size_t)s->model->info.n_codebooks,
                (int64_t)(s->tokens_cap - n_frames));
            st = got < 0 ? got : 0;
            n_frames += got > 0 ? (size_t)got : 0;
        }
        if (st < 0) {
            fail_codec(s, rec->seq, "encoder flush", st);
            return;
        }
        if (hfcd_emit_tokens(s, rec->seq, HFC_PROTO_FLAG_MORE, s->tokens, n_frames) != 0) {
            fail_sizing(s, rec->seq);
            return;
        }
    }
    if (dirs & HFC_PROTO_DIR_DECODE) {
        int64_t n = hfc_decoder_flush(s->decoder, s->model_pcm, (int64_t)s->model_pcm_cap);
        if (n < 0) {
            fail_codec(s, rec->seq, "decoder flush", n);
            return;
        }
        if (emit_decoded(s, rec->seq, HFC_PROTO_FLAG_MORE, (size_t)n, 1) != 0) {
            fail_sizing(s, rec->seq);
            return;
        }
    }
    uint8_t body[HFC_PROTO_FLUSH_BYTES];
    if (hfcd_emit(s, HFC_MSG_FLUSHED, rec->seq, body, hfc_proto_write_flush(body, dirs)) != 0)
        fail_sizing(s, rec->seq);
}

static void handle(hfcd_stream *s, const hfcd_record *rec)
{
    s->reply_received_ns = rec->received_ns;
    switch (rec->type) {
    case HFCD_RECORD_FAIL: {
        char text[HFC_PROTO_MAX_TEXT_BYTES + 1];
        snprintf(text, sizeof text, "%.*s", (int)rec->n_bytes, (const char *)rec->payload);
        hfcd_emit_error(s, rec->seq, rec->status, text);
        return;
    }
    case HFC_MSG_CLOSE:
        if (hfcd_emit(s, HFC_MSG_CLOSED, rec->seq, NULL, 0) != 0)
            fail_sizing(s, rec->seq);
        atomic_store(&s->ending, 1);
        return;
    default:
        break;
    }
    if (s->utterance) {
        hfcd_utterance_handle(s, rec);
        return;
    }
    switch (rec->type) {
    case HFC_MSG_PCM_IN: handle_pcm(s, rec); break;
    case HFC_MSG_TOKENS_IN: handle_tokens(s, rec); break;
    case HFC_MSG_FLUSH: handle_flush(s, rec); break;
    default: break;
    }
}

void hfcd_stream_pop_request(hfcd_stream *s)
{
    hfcd_ring_pop(&s->ring);
    atomic_thread_fence(memory_order_seq_cst); /* pairs with hold() in dispatch.c */
    if (atomic_exchange(&s->wake_loop, 0))
        hfcd_notice(s->conn);
}

/* One turn. Returns with the stream blocked, finished, killed, idle, or after
 * REQUESTS_PER_TURN requests. */
static void run(hfcd_stream *s)
{
    int handled = 0;
    for (;;) {
        if (atomic_load_explicit(&s->killed, memory_order_acquire))
            return;
        switch (hfcd_outq_send(&s->out, s->conn->watch.fd)) {
        case HFCD_OUTQ_GONE:
            atomic_store(&s->killed, 1); /* the loop sees the hang-up and cleans up */
            return;
        case HFCD_OUTQ_BLOCKED:
            atomic_store(&s->blocked, 1);
            hfcd_notice(s->conn);
            return;
        default:
            break;
        }
        if (s->reply_received_ns) {
            hfcd_latency_add(&s->daemon->latency, hfcd_now_ns() - s->reply_received_ns);
            s->reply_received_ns = 0;
        }
        if (atomic_load(&s->ending)) {
            atomic_store(&s->finished, 1);
            hfcd_notice(s->conn);
            return;
        }
        if (s->utterance && hfcd_utterance_next_piece(s))
            continue;
        hfcd_record *rec = handled < REQUESTS_PER_TURN ? hfcd_ring_peek(&s->ring) : NULL;
        if (!rec)
            return;
        handle(s, rec);
        hfcd_stream_pop_request(s);
        handled++;
    }
}

void hfcd_stream_run_turn(hfcd_stream *s)
{
    /* An utterance taken at normal priority after a real-time stream opened moves
     * to the low-priority pool (taking the queue's reference with it). */
    hfcd_jobq *q = hfcd_stream_queue(s);
    if (q != s->queue) {
        s->queue = q;
        if (hfcd_jobq_push(q, s) == 0)
            return;
    }
    run(s);
    /* Work of our own that is left (read while the stream is still ours). */
    int own = !hfcd_outq_empty(&s->out) || atomic_load(&s->ending) ||
              (s->utterance && hfcd_utterance_pending(s));
    /* Give the stream up, then look again: a request the loop queued after our
     * last look, or an EPOLLOUT that cleared `blocked` while we ran, must not be
     * missed. The fence orders our store before our loads, against the loop's
     * store-then-exchange on the other side (Dekker's pattern). */
    atomic_store(&s->scheduled, 0);
    atomic_thread_fence(memory_order_seq_cst);
    int more = !atomic_load(&s->killed) && !atomic_load(&s->finished) &&
               !atomic_load(&s->blocked) && (own || hfcd_ring_count(&s->ring) > 0);
    if (more && !atomic_exchange(&s->scheduled, 1)) {
        s->queue = hfcd_stream_queue(s);
        if (hfcd_jobq_push(s->queue, s) == 0)
            return; /* the queue takes over our reference */
        atomic_store(&s->scheduled, 0);
    }
    hfcd_stream_unref(s);
}
