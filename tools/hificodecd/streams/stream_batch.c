/* Batch turns: a worker holding several streams whose next request is one frame
 * of the same kind runs them through the codec together (src/stream/batch.h), so every
 * layer's weights are read once for the batch. The results are those of one stream
 * at a time, bit for bit; the replies then go out in each stream's own turn.
 *
 * Where it pays (hificodec bench's batch table, BENCHMARKS.md): the encoder, always
 * fp32, whose low-rate layers stream megabytes of weights for a column or two a
 * frame; a decoder in fp32 likewise. A bf16 or int8 decoder's weights are a half or
 * a quarter of that and mostly stay in cache, and batching it measured slower (the
 * streams' signals then crowd the cache instead): its frames run one at a time. */
#include <string.h>
#include <time.h>

#include "batch.h"
#include "stream.h"

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int hfcd_stream_batch_kind(hfcd_stream *s)
{
    if (s->utterance || atomic_load(&s->killed) || atomic_load(&s->blocked) ||
        atomic_load(&s->ending) || !hfcd_outq_empty(&s->out))
        return 0;
    const hfcd_record *rec = hfcd_ring_peek(&s->ring);
    if (!rec)
        return 0;
    if (rec->type == HFC_MSG_PCM_IN && !s->to_model &&
        rec->count == (uint32_t)s->model->info.hop_samples)
        return HFC_PROTO_DIR_ENCODE;
    if (rec->type == HFC_MSG_TOKENS_IN && rec->count == 1 &&
        strcmp(s->model->info.precision, "fp32") == 0)
        return HFC_PROTO_DIR_DECODE;
    return 0;
}

void hfcd_stream_run_batch(hfcd_stream *const *s, int n, int kind)
{
    enum { MAX = 64 };
    hfc_encoder *enc[MAX];
    hfc_decoder *dec[MAX];
    const float *pcm[MAX];
    const hfc_token *tok_in[MAX];
    hfc_token *tok_out[MAX];
    float *pcm_out[MAX];
    int64_t got[MAX];
    const hfcd_record *rec[MAX];
    n = n < MAX ? n : MAX;
    const size_t nc = (size_t)s[0]->model->info.n_codebooks;
    for (int i = 0; i < n; i++) {
        rec[i] = hfcd_ring_peek(&s[i]->ring);
        s[i]->reply_received_ns = rec[i]->received_ns;
        if (kind == HFC_PROTO_DIR_ENCODE) {
            size_t n_samples;
            enc[i] = s[i]->encoder;
            pcm[i] = hfcd_stream_input_pcm(s[i], rec[i], &n_samples);
            tok_out[i] = s[i]->tokens;
        } else {
            dec[i] = s[i]->decoder;
            hfc_proto_read_tokens(rec[i]->payload, nc, s[i]->tokens);
            tok_in[i] = s[i]->tokens;
            pcm_out[i] = s[i]->model_pcm;
        }
    }
    const int64_t t0 = thread_cpu_ns();
    if (kind == HFC_PROTO_DIR_ENCODE)
        hfc_encoders_push_frame(enc, n, pcm, tok_out, got);
    else
        hfc_decoders_push_frame(dec, n, tok_in, pcm_out, got);
    const int64_t share = (thread_cpu_ns() - t0) / n; /* each stream's part of the CPU */
    atomic_fetch_add_explicit(&s[0]->daemon->batches, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s[0]->daemon->batched_requests, (uint64_t)n, memory_order_relaxed);
    for (int i = 0; i < n; i++) {
        if (kind == HFC_PROTO_DIR_ENCODE) {
            if (got[i] >= 0)
                hfcd_stream_account(s[i], kind, share, (uint64_t)got[i]);
            hfcd_stream_encoded(s[i], rec[i]->seq, got[i]);
        } else {
            if (got[i] >= 0)
                hfcd_stream_account(s[i], kind, share, 1);
            hfcd_stream_decoded(s[i], rec[i]->seq, got[i]);
        }
        hfcd_stream_pop_request(s[i]);
    }
    for (int i = 0; i < n; i++)
        hfcd_stream_run_turn(s[i]);
}
