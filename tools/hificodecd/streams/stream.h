/* A stream: one client's encoder and/or decoder with everything it needs, sized at
 * open so that handling a request allocates nothing (utterance mode aside).
 *
 * Ownership and threads. The event loop creates a stream, fills its input ring and
 * schedules it; one worker at a time runs it (the `scheduled` flag makes sure), and
 * only that worker touches the codec, the buffers and the output queue. The stream
 * is reference-counted: the loop holds one while the stream is in its
 * connection's table, a run queue entry or running worker holds another. The last
 * reference frees it, on whichever thread drops it. */
#ifndef HFCD_STREAM_H
#define HFCD_STREAM_H

#include <stdatomic.h>
#include <stdint.h>

#include "client/protocol.h"
#include "daemon.h"
#include "hificodec.h"
#include "outq.h"
#include "resampler.h"
#include "ring.h"

typedef struct hfcd_utterance hfcd_utterance;

struct hfcd_stream {
    _Atomic int refs;
    _Atomic int scheduled;   /* queued or running; whoever sets it queues the stream */
    _Atomic int killed;      /* discard everything: the connection or stream is gone */
    _Atomic int blocked;     /* replies wait for the socket; the loop watches EPOLLOUT */
    _Atomic int ending;      /* CLOSED or ERROR is queued: the stream is gone for new
                                requests (its id may be opened again) */
    _Atomic int finished;    /* and sent: the loop removes the stream */
    _Atomic int wake_loop;   /* the loop holds a request for the full ring: notice on pop */

    hfcd_daemon *daemon;
    hfcd_conn *conn;         /* referenced */
    hfcd_model *model;       /* referenced */
    hfcd_jobq *queue;        /* the queue it was last put on (hfcd_stream_queue) */
    uint32_t id;
    int direction;           /* HFC_PROTO_DIR_* */
    int sample_format;
    int bytes_per_sample;
    int mode;
    int drop_when_full;
    uint32_t rate_hz;        /* the client's PCM rate */
    uint32_t max_samples;    /* per PCM_IN */
    uint32_t max_frames;     /* per TOKENS_IN */
    uint32_t max_payload;    /* body bytes of one message */
    hfcd_ring ring;

    /* The event loop's. */
    double cost;             /* its part of daemon->cpu_committed */
    int closing;             /* CLOSE or a failure is queued: ignore later requests */

    /* The running worker's. */
    hfc_encoder *encoder;
    hfc_decoder *decoder;
    hfcd_resampler *to_model;   /* client rate -> model rate; NULL when equal */
    hfcd_resampler *to_client;  /* model rate -> client rate */
    float *client_pcm;          /* PCM at the client's rate */
    size_t client_pcm_cap;
    float *model_pcm;           /* PCM at the model's rate */
    size_t model_pcm_cap;
    hfc_token *tokens;
    size_t tokens_cap;          /* frames */
    hfcd_outq out;
    uint64_t frames_out, samples_out; /* positions of the next output */
    int64_t reply_received_ns;  /* the request whose reply is in `out`, for latency */
    hfcd_utterance *utterance;  /* utterance mode only */

    /* Counters for STATS, written by the worker, read by the loop. */
    _Atomic uint64_t n_inputs, n_dropped, n_frames_out, n_samples_out;
};

/* Creates a stream as OPEN asks, with the model (referenced) and the encoder and
 * decoder the directions need, taken from the model's stock (taken over, also on
 * failure; they go back to the stock when a streaming-mode stream ends). On
 * failure returns NULL, *status and a reason in err. Event loop only. */
hfcd_stream *hfcd_stream_create(hfcd_daemon *d, hfcd_conn *conn, uint32_t id,
                                const hfc_proto_open *open, hfcd_model *model,
                                hfc_encoder *encoder, hfc_decoder *decoder, int *status,
                                char *err, size_t n_err);

void hfcd_stream_ref(hfcd_stream *s);
void hfcd_stream_unref(hfcd_stream *s);

/* Makes sure a worker will run the stream (no-op if it is queued or running). */
void hfcd_stream_schedule(hfcd_stream *s);

/* The run queue the stream belongs on now: rt_queue for streaming mode; for
 * utterance mode utt_queue while real-time streams are open, else
 * utt_fast_queue (daemon.h). */
hfcd_jobq *hfcd_stream_queue(const hfcd_stream *s);

/* Event loop: queues the daemon's own FAIL record, so the stream's ERROR goes out
 * after the replies before it; the stream then ends. 0, or -1 when its ring is
 * full (the caller holds the request that failed and tries again). */
int hfcd_stream_queue_failure(hfcd_stream *s, uint32_t seq, int status, const char *text);

/* The OPEN_OK the stream answers with. */
void hfcd_stream_open_ok(const hfcd_stream *s, hfc_proto_open_ok *ok);

/* Worker side (stream_run.c): one turn of the stream, then the decision whether it
 * runs again. Takes over the queue's reference. */
void hfcd_stream_run_turn(hfcd_stream *s);

/* Pieces of a turn for the batch turn (stream_batch.c), worker only:
 *   hfcd_stream_account: adds cpu_ns and frames of one direction (HFC_PROTO_DIR_*)
 *     to the model's measured cost and the daemon's counters;
 *   hfcd_stream_encoded / _decoded: the reply to request seq, from s->tokens
 *     (n_frames) or s->model_pcm (n_samples), or the codec's error when negative;
 *   hfcd_stream_pop_request: drops the request handled and wakes the loop if it
 *     holds one for the full ring. */
void hfcd_stream_account(hfcd_stream *s, int direction, int64_t cpu_ns, uint64_t frames);
void hfcd_stream_encoded(hfcd_stream *s, uint32_t seq, int64_t n_frames);
void hfcd_stream_decoded(hfcd_stream *s, uint32_t seq, int64_t n_samples);
void hfcd_stream_pop_request(hfcd_stream *s);

/* Batch turns (stream_batch.c): what the next request of a stream the worker holds
 * can join, HFC_PROTO_DIR_ENCODE (one hop of PCM at the model's rate) or _DECODE
 * (one frame of tokens), or 0 (a normal turn). */
int hfcd_stream_batch_kind(hfcd_stream *s);

/* Handles that request of each of n streams of one model and kind in one batched
 * codec call, then gives each its turn (hfcd_stream_run_turn: the replies go out,
 * later requests follow, the queue's reference is handed on). */
void hfcd_stream_run_batch(hfcd_stream *const *s, int n, int kind);

/* A PCM_IN record's samples as float at the model's rate (resampled into
 * model_pcm, or converted into client_pcm); *n_samples their count. Worker only. */
const float *hfcd_stream_input_pcm(hfcd_stream *s, const hfcd_record *rec, size_t *n_samples);

/* Writing replies into the stream's output queue (stream_emit.c). Each returns 0,
 * or -1 when the queue is too small, a sizing bug (the stream then fails). flags:
 * HFC_PROTO_FLAG_MORE on every message of a reply but the last. */
int hfcd_emit_tokens(hfcd_stream *s, uint32_t seq, uint16_t flags, const hfc_token *tokens,
                     size_t n_frames);
/* PCM at the client's rate, converted to its format; split into as many messages
 * as needed, all but the last with MORE, the last with flags. */
int hfcd_emit_pcm(hfcd_stream *s, uint32_t seq, uint16_t flags, const float *pcm,
                  size_t n_samples);
int hfcd_emit(hfcd_stream *s, uint16_t type, uint32_t seq, const void *body, size_t n_body);
/* Queues ERROR and ends the stream (it is finished once the error is sent). */
void hfcd_emit_error(hfcd_stream *s, uint32_t seq, int status, const char *text);

/* The bytes of output queue one reply of n_samples PCM needs. */
size_t hfcd_pcm_reply_bytes(const hfcd_stream *s, size_t n_samples);

#endif
