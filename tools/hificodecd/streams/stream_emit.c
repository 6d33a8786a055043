/* Replies into a stream's output queue, already in wire format: the worker sends
 * them straight from there. */
#include <string.h>

#include "stream.h"

int hfcd_emit(hfcd_stream *s, uint16_t type, uint32_t seq, const void *body, size_t n_body)
{
    uint8_t *msg = hfcd_outq_begin(&s->out, HFC_PROTO_HEADER_BYTES + n_body);
    if (!msg)
        return -1;
    hfcd_outq_end(&s->out, hfc_proto_write_message(msg, type, 0, s->id, seq, body, n_body));
    return 0;
}

int hfcd_emit_tokens(hfcd_stream *s, uint32_t seq, uint16_t flags, const hfc_token *tokens,
                     size_t n_frames)
{
    size_t n_tokens = n_frames * (size_t)s->model->info.n_codebooks;
    size_t n_body = HFC_PROTO_POSITION_BYTES + 2 * n_tokens;
    uint8_t *msg = hfcd_outq_begin(&s->out, HFC_PROTO_HEADER_BYTES + n_body);
    if (!msg)
        return -1;
    uint8_t *body = msg + HFC_PROTO_HEADER_BYTES;
    hfc_proto_write_position(body, s->frames_out);
    hfc_proto_write_tokens(body + HFC_PROTO_POSITION_BYTES, tokens, n_tokens);
    hfcd_outq_end(&s->out, hfc_proto_write_message(msg, HFC_MSG_TOKENS_OUT, flags, s->id, seq,
                                                   body, n_body));
    s->frames_out += n_frames;
    atomic_fetch_add_explicit(&s->n_frames_out, n_frames, memory_order_relaxed);
    return 0;
}

int hfcd_emit_pcm(hfcd_stream *s, uint32_t seq, uint16_t flags, const float *pcm,
                  size_t n_samples)
{
    size_t per_message = (s->max_payload - HFC_PROTO_POSITION_BYTES) / (size_t)s->bytes_per_sample;
    size_t done = 0;
    do { /* an empty reply is still one message */
        size_t n = n_samples - done < per_message ? n_samples - done : per_message;
        int last = done + n == n_samples;
        size_t n_body = HFC_PROTO_POSITION_BYTES + n * (size_t)s->bytes_per_sample;
        uint8_t *msg = hfcd_outq_begin(&s->out, HFC_PROTO_HEADER_BYTES + n_body);
        if (!msg)
            return -1;
        uint8_t *body = msg + HFC_PROTO_HEADER_BYTES;
        hfc_proto_write_position(body, s->samples_out);
        hfc_proto_write_samples(body + HFC_PROTO_POSITION_BYTES, s->sample_format, pcm + done, n);
        hfcd_outq_end(&s->out,
                      hfc_proto_write_message(msg, HFC_MSG_PCM_OUT,
                                              last ? flags : HFC_PROTO_FLAG_MORE, s->id, seq,
                                              body, n_body));
        s->samples_out += n;
        done += n;
    } while (done < n_samples);
    atomic_fetch_add_explicit(&s->n_samples_out, n_samples, memory_order_relaxed);
    return 0;
}

void hfcd_emit_error(hfcd_stream *s, uint32_t seq, int status, const char *text)
{
    uint8_t body[HFC_PROTO_ERROR_MAX_BYTES];
    size_t n = hfc_proto_write_error(body, status, text);
    if (hfcd_emit(s, HFC_MSG_ERROR, seq, body, n) != 0) {
        /* The queue is full of replies to this very request; the error replaces
         * them (the stream ends either way). */
        s->out.head = s->out.tail = 0;
        hfcd_emit(s, HFC_MSG_ERROR, seq, body, n);
    }
    atomic_store(&s->ending, 1);
}
