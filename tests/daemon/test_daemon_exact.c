/* Through the real daemon, output equals in-process output bit for bit:
 *   streaming encode and decode (f32 at the model's rate) against hfc_encoder_push /
 *   hfc_decoder_push with the same random chunking, flushes included;
 *   s16 against the same with the protocol's conversions;
 *   utterance mode (hfc_client_encode / _decode) against the offline calls;
 *   the event API (several requests in flight) against the blocking one.
 * Also: a 48 kHz stream goes through the resamplers with plausible lengths, and
 * STATS counts what was done. Every model given is served by its own daemon.
 * Usage: test_daemon_exact HIFICODECD MODEL... */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "hificodec.h"
#include "test_util.h"

static hfc_model *model;
static hfc_model_info info;

static float *test_signal(int64_t n, int rate)
{
    float *pcm = malloc((size_t)n * sizeof *pcm);
    double phase = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double f0 = 120.0 + 60.0 * sin(2 * M_PI * 0.7 * (double)i / rate);
        phase += 2 * M_PI * f0 / rate;
        double voiced = 0.0;
        for (int h = 1; h <= 8; h++)
            voiced += sin(h * phase) / h;
        pcm[i] = (float)(0.3 * voiced + 0.05 * hfc_test_rand_normal());
    }
    return pcm;
}

static int64_t random_chunk(int64_t max)
{
    switch (hfc_test_rand_u64() % 6) {
    case 0: return 0;
    case 1: return 1;
    case 2: return (int64_t)(hfc_test_rand_u64() % 17);
    case 3: return info.hop_samples;
    case 4: return (int64_t)(hfc_test_rand_u64() % (uint64_t)max) + 1;
    default: return (int64_t)(hfc_test_rand_u64() % (3 * (uint64_t)info.hop_samples));
    }
}

static int16_t to_s16(float x)
{
    float y = x * 32768.0f;
    if (y != y)
        return 0;
    if (y <= -32768.0f)
        return INT16_MIN;
    if (y >= 32767.0f)
        return INT16_MAX;
    return (int16_t)(y >= 0 ? y + 0.5f : y - 0.5f);
}

/* Streaming encode, daemon vs in-process, chunk by chunk; s16 when s16 != 0. */
static void check_stream_encode(hfc_client *client, const float *pcm, int64_t n, int s16)
{
    hfc_client_stream_options o;
    hfc_client_stream_options_init(&o);
    o.direction = HFC_CLIENT_ENCODE;
    o.sample_format = s16 ? HFC_SAMPLE_S16 : HFC_SAMPLE_F32;
    hfc_client_stream_info si;
    int stream = hfc_client_open(client, &o, &si);
    CHECK_MSG(stream > 0, "open: %s", hfc_strerror(stream));
    if (stream <= 0)
        return;
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    const int nc = info.n_codebooks;
    int64_t cap = si.max_samples_per_push / info.hop_samples + 64;
    hfc_token *want = malloc((size_t)(cap * nc) * sizeof *want);
    hfc_token *got = malloc((size_t)(cap * nc) * sizeof *got);
    float *chunk_f = malloc((size_t)si.max_samples_per_push * sizeof *chunk_f);
    int16_t *chunk_s = malloc((size_t)si.max_samples_per_push * sizeof *chunk_s);
    int64_t pos = 0, frames = 0, mismatches = 0;
    while (pos < n) {
        int64_t k = random_chunk(si.max_samples_per_push);
        if (k > n - pos)
            k = n - pos;
        if (k > si.max_samples_per_push)
            k = si.max_samples_per_push;
        for (int64_t i = 0; i < k; i++) {
            chunk_s[i] = to_s16(pcm[pos + i]);
            chunk_f[i] = s16 ? (float)chunk_s[i] / 32768.0f : pcm[pos + i];
        }
        int64_t w = hfc_encoder_push(enc, chunk_f, k, want, cap);
        int64_t g = hfc_client_encode_push(client, stream, s16 ? (void *)chunk_s : (void *)chunk_f,
                                           k, got, cap);
        CHECK_MSG(g == w, "push of %lld samples at %lld: daemon %lld frames, in-process %lld",
                  (long long)k, (long long)pos, (long long)g, (long long)w);
        if (g != w || g < 0)
            break;
        mismatches += memcmp(want, got, (size_t)(g * nc) * sizeof *got) != 0;
        frames += g;
        pos += k;
    }
    int64_t w = hfc_encoder_flush(enc, want, cap);
    int64_t g = hfc_client_encode_flush(client, stream, got, cap);
    CHECK_MSG(g == w, "flush: daemon %lld frames, in-process %lld", (long long)g, (long long)w);
    if (g == w && g > 0)
        mismatches += memcmp(want, got, (size_t)(g * nc) * sizeof *got) != 0;
    CHECK_MSG(mismatches == 0, "%lld pushes gave different tokens", (long long)mismatches);
    printf("  stream encode %s: %lld frames identical\n", s16 ? "s16" : "f32",
           (long long)(frames + (g > 0 ? g : 0)));
    CHECK(hfc_client_close_stream(client, stream) == HFC_OK);
    hfc_encoder_destroy(enc);
    free(want);
    free(got);
    free(chunk_f);
    free(chunk_s);
}

/* Streaming decode, daemon vs in-process. */
static void check_stream_decode(hfc_client *client, const hfc_token *tokens, int64_t n_frames,
                                int s16)
{
    hfc_client_stream_options o;
    hfc_client_stream_options_init(&o);
    o.direction = HFC_CLIENT_DECODE;
    o.sample_format = s16 ? HFC_SAMPLE_S16 : HFC_SAMPLE_F32;
    hfc_client_stream_info si;
    int stream = hfc_client_open(client, &o, &si);
    CHECK_MSG(stream > 0, "open: %s", hfc_strerror(stream));
    if (stream <= 0)
        return;
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    const int nc = info.n_codebooks, hop = info.hop_samples;
    int64_t cap = (int64_t)si.max_frames_per_push * hop + hfc_decoder_latency(dec) + hop;
    float *want = malloc((size_t)cap * sizeof *want);
    float *got_f = malloc((size_t)cap * sizeof *got_f);
    int16_t *got_s = malloc((size_t)cap * sizeof *got_s);
    int64_t f = 0, samples = 0, mismatches = 0;
    for (int last = 0; !last;) {
        int64_t k = (int64_t)(hfc_test_rand_u64() % (uint64_t)(si.max_frames_per_push + 1));
        if (k > n_frames - f)
            k = n_frames - f;
        last = f == n_frames; /* then: the flush */
        int64_t w = last ? hfc_decoder_flush(dec, want, cap)
                         : hfc_decoder_push(dec, tokens + f * nc, k, want, cap);
        int64_t g = last ? hfc_client_decode_flush(client, stream,
                                                   s16 ? (void *)got_s : (void *)got_f, cap)
                         : hfc_client_decode_push(client, stream, tokens + f * nc, k,
                                                  s16 ? (void *)got_s : (void *)got_f, cap);
        CHECK_MSG(g == w, "%s of %lld frames: daemon %lld samples, in-process %lld",
                  last ? "flush" : "push", (long long)k, (long long)g, (long long)w);
        if (g != w || g < 0)
            break;
        for (int64_t i = 0; i < g; i++) {
            if (s16 ? got_s[i] != to_s16(want[i])
                    : memcmp(&got_f[i], &want[i], sizeof want[i]) != 0) {
                mismatches++;
                break;
            }
        }
        samples += g;
        f += k;
    }
    CHECK_MSG(mismatches == 0, "%lld pushes gave different samples", (long long)mismatches);
    printf("  stream decode %s: %lld samples identical\n", s16 ? "s16" : "f32", (long long)samples);
    CHECK(hfc_client_close_stream(client, stream) == HFC_OK);
    hfc_decoder_destroy(dec);
    free(want);
    free(got_f);
    free(got_s);
}

/* Utterance mode against the offline calls. */
static void check_utterance(hfc_client *client, const float *pcm, int64_t n)
{
    const int nc = info.n_codebooks;
    int64_t frames = hfc_model_frames_for_samples(model, n);
    hfc_token *want = malloc((size_t)(frames * nc) * sizeof *want);
    hfc_token *got = malloc((size_t)(frames * nc) * sizeof *got);
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    int64_t w = hfc_encoder_encode(enc, pcm, n, want, frames);
    int64_t g = hfc_client_encode(client, pcm, n, got, frames);
    CHECK_MSG(g == w && g == frames, "encode: daemon %lld frames, in-process %lld", (long long)g,
              (long long)w);
    CHECK(g != w || memcmp(want, got, (size_t)(g * nc) * sizeof *got) == 0);
    CHECK(hfc_client_encode(client, pcm, n, got, frames - 1) == HFC_ERR_BUFFER_TOO_SMALL);
    CHECK(hfc_client_encode(client, pcm, info.hop_samples - 1, got, frames) == HFC_ERR_TOO_SHORT);

    int64_t n_out = hfc_model_samples_for_frames(model, frames);
    float *pcm_want = malloc((size_t)n_out * sizeof *pcm_want);
    float *pcm_got = malloc((size_t)n_out * sizeof *pcm_got);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    w = hfc_decoder_decode(dec, want, frames, pcm_want, n_out);
    g = hfc_client_decode(client, want, frames, pcm_got, n_out);
    CHECK_MSG(g == w && g == n_out, "decode: daemon %lld samples, in-process %lld", (long long)g,
              (long long)w);
    CHECK(g != w || memcmp(pcm_want, pcm_got, (size_t)g * sizeof *pcm_got) == 0);
    want[5] = info.codebook_size; /* out of range: as in-process, nothing decoded */
    CHECK(hfc_client_decode(client, want, frames, pcm_got, n_out) == HFC_ERR_BAD_TOKEN);
    printf("  utterance: %lld frames and %lld samples identical to offline\n", (long long)frames,
           (long long)n_out);
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    free(want);
    free(got);
    free(pcm_want);
    free(pcm_got);
}

/* Several requests in flight on one duplex stream; replies in order, by seq. */
static void check_events(hfc_client *client, const float *pcm, const hfc_token *tokens)
{
    int stream = hfc_client_open(client, NULL, NULL);
    CHECK(stream > 0);
    if (stream <= 0)
        return;
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    const int hop = info.hop_samples, nc = info.n_codebooks;
    int64_t seqs[8];
    for (int i = 0; i < 8; i++)
        seqs[i] = i % 2 ? hfc_client_send_tokens(client, stream, tokens + i * nc, 1)
                        : hfc_client_send_pcm(client, stream, pcm + i * hop, hop);
    hfc_token want_tokens[64];
    float want_pcm[4096];
    int64_t decoded = 0;
    for (int i = 0; i < 8; i++) {
        hfc_client_event ev;
        int st = hfc_client_receive(client, &ev, 10000);
        CHECK_MSG(st == HFC_OK, "receive: %s", hfc_strerror(st));
        if (st != HFC_OK)
            break;
        CHECK(ev.stream == stream && (int64_t)ev.seq == seqs[i] && !ev.more);
        if (i % 2) {
            int64_t n = hfc_decoder_push(dec, tokens + i * nc, 1, want_pcm, 4096);
            decoded += n;
            CHECK(ev.type == HFC_CLIENT_EVENT_PCM && ev.n == n &&
                  memcmp(ev.pcm, want_pcm, (size_t)n * sizeof *want_pcm) == 0);
        } else {
            int64_t n = hfc_encoder_push(enc, pcm + i * hop, hop, want_tokens, 2);
            CHECK(ev.type == HFC_CLIENT_EVENT_TOKENS && ev.n == n &&
                  memcmp(ev.tokens, want_tokens, (size_t)(n * nc) * sizeof *want_tokens) == 0);
        }
    }
    hfc_client_event ev;
    CHECK(hfc_client_receive(client, &ev, 0) == HFC_ERR_TIMEOUT);
    hfc_client_stats stats;
    CHECK(hfc_client_get_stats(client, stream, &stats) == HFC_OK);
    CHECK(stats.stream_inputs == 8 && stats.stream_samples_out == decoded);
    CHECK(stats.frames_encoded > 0 && stats.frames_decoded > 0 && stats.workers > 0);
    CHECK(hfc_client_close_stream(client, stream) == HFC_OK);
    printf("  events: 8 requests in flight, replies in order and identical\n");
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
}

/* A 48 kHz s16 duplex stream: resampled both ways, lengths as the rates say. */
static void check_resampled(hfc_client *client, const float *pcm16k, int64_t n16k)
{
    hfc_client_stream_options o;
    hfc_client_stream_options_init(&o);
    o.sample_format = HFC_SAMPLE_S16;
    o.sample_rate_hz = 3 * info.sample_rate_hz;
    hfc_client_stream_info si;
    int stream = hfc_client_open(client, &o, &si);
    CHECK(stream > 0 && si.sample_rate_hz == o.sample_rate_hz);
    if (stream <= 0)
        return;
    int64_t n = 3 * n16k, step = 3 * info.hop_samples;
    int16_t *pcm = malloc((size_t)n * sizeof *pcm);
    for (int64_t i = 0; i < n; i++)
        pcm[i] = to_s16(pcm16k[i / 3]);
    hfc_token tokens[256];
    int16_t out[16384];
    int64_t frames = 0, samples = 0;
    for (int64_t pos = 0; pos + step <= n; pos += step) {
        int64_t g = hfc_client_encode_push(client, stream, pcm + pos, step, tokens, 64);
        CHECK(g >= 0);
        frames += g > 0 ? g : 0;
        if (g > 0) {
            int64_t s = hfc_client_decode_push(client, stream, tokens, g, out, 16384);
            CHECK(s >= 0);
            samples += s > 0 ? s : 0;
        }
    }
    int64_t g = hfc_client_encode_flush(client, stream, tokens, 256);
    CHECK(g >= 0);
    int64_t s = hfc_client_decode_flush(client, stream, out, 16384);
    CHECK(s >= 0);
    frames += g > 0 ? g : 0;
    samples += s > 0 ? s : 0;
    /* Every frame in comes out as 3 x hop samples, give or take the resamplers'
     * block edges at the end. */
    int64_t frames_in = n16k / info.hop_samples;
    CHECK_MSG(llabs(frames - frames_in) <= 2, "48 kHz: %lld frames from %lld", (long long)frames,
              (long long)frames_in);
    CHECK_MSG(llabs(samples - 3 * info.hop_samples * (frames - (g > 0 ? g : 0))) <=
                  3 * info.hop_samples * 3,
              "48 kHz: %lld samples out for %lld frames", (long long)samples, (long long)frames);
    printf("  48 kHz s16 duplex: %lld frames, %lld samples\n", (long long)frames,
           (long long)samples);
    CHECK(hfc_client_close_stream(client, stream) == HFC_OK);
    free(pcm);
}

static void run_model(const char *exe, const char *path)
{
    model = hfc_model_load_file(path, NULL, NULL);
    CHECK_MSG(model != NULL, "cannot load %s", path);
    if (!model)
        return;
    hfc_model_get_info(model, &info);
    printf("%s (%s):\n", path, info.causal ? "causal" : "non-causal");
    hfcd_test_daemon d;
    if (hfcd_test_start(&d, exe, path, NULL) != 0) {
        CHECK_MSG(0, "daemon did not start");
        hfcd_test_cleanup(&d);
        hfc_model_free(model);
        return;
    }
    int failures_before = hfc_test_failures;
    int st;
    hfc_client *client = hfc_client_create(d.socket_path, NULL, &st);
    CHECK_MSG(client != NULL, "connect: %s", hfc_strerror(st));
    if (client) {
        hfc_client_info ci;
        hfc_client_get_info(client, &ci);
        CHECK(ci.model_id == info.model_id && ci.sample_rate_hz == info.sample_rate_hz &&
              ci.hop_samples == info.hop_samples && ci.n_codebooks == info.n_codebooks &&
              ci.codebook_size == info.codebook_size && ci.causal == info.causal &&
              ci.protocol_version == 1);
        int64_t n = 3 * info.sample_rate_hz + 123;
        float *pcm = test_signal(n, info.sample_rate_hz);
        int64_t frames = hfc_model_frames_for_samples(model, n);
        hfc_token *tokens = malloc((size_t)(frames * info.n_codebooks) * sizeof *tokens);
        hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
        hfc_encoder_encode(enc, pcm, n, tokens, frames);
        hfc_encoder_destroy(enc);
        check_stream_encode(client, pcm, n, 0);
        check_stream_encode(client, pcm, n, 1);
        check_stream_decode(client, tokens, frames, 0);
        check_stream_decode(client, tokens, frames, 1);
        check_utterance(client, pcm, n);
        check_events(client, pcm, tokens);
        check_resampled(client, pcm, n);
        free(pcm);
        free(tokens);
        hfc_client_destroy(client);
    }
    CHECK_MSG(hfcd_test_stop(&d, SIGTERM, 20000) == 0, "daemon did not exit cleanly");
    if (hfc_test_failures != failures_before)
        hfcd_test_print_log(&d);
    hfcd_test_cleanup(&d);
    hfc_model_free(model);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_daemon_exact HIFICODECD MODEL...\n");
        return 2;
    }
    hfc_test_seed();
    for (int i = 2; i < argc; i++)
        run_model(argv[1], argv[i]);
    return hfc_test_finish("test_daemon_exact");
}
