/* Packet-loss concealment (hfc_decoder_conceal) on a model and real speech:
 * lengths, silence before the first frame, the fade to silence and the ramp back
 * measured sample by sample against the same decode without a fade, a causal
 * stream that is exact again once the ramp is over, reset, the methods, bad
 * arguments, and no allocation on the per-frame calls.
 * Usage: test_conceal MODEL SPEECH_AUDIO */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_io.h"
#include "hificodec.h"
#include "test_util.h"

/* Counting allocator: the per-frame calls must not reach it. Sanitizers bring
 * their own malloc, so the count is only kept without them. */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef COUNT_ALLOCATIONS
#define COUNT_ALLOCATIONS 1
#endif

#if COUNT_ALLOCATIONS
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static long n_allocations;
void *malloc(size_t n)
{
    n_allocations++;
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t size)
{
    n_allocations++;
    return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n)
{
    n_allocations++;
    return __libc_realloc(p, n);
}
#endif

static hfc_model *model;
static hfc_model_info info;
static hfc_token *tokens;
static int64_t n_frames;

/* Room a buffer keeps beyond its frames: what a non-causal flush needs. */
#define SLACK_FRAMES 8

/* The loudest frame of the speech: where a loss is heard. */
static int64_t loud_frame;

static float *pcm_for(int64_t len)
{
    return malloc((size_t)(len + SLACK_FRAMES) * info.hop_samples * sizeof(float));
}

/* Pattern of a test: '.' a received frame, 'x' a lost one. Decodes tokens[0..]
 * with the pattern's losses into pcm (from pcm_for(pattern length)); returns the
 * samples written, flush included. */
static int64_t decode_pattern(const char *pattern, const hfc_conceal_options *options,
                              float *pcm)
{
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    if (options)
        CHECK(hfc_decoder_set_conceal_options(dec, options) == HFC_OK);
    const int hop = info.hop_samples, nc = info.n_codebooks;
    const int64_t len = (int64_t)strlen(pattern);
    const int64_t capacity = (len + SLACK_FRAMES) * hop;
    int64_t n = 0;
    for (int64_t f = 0; f < len; f++) {
        int64_t got = pattern[f] == 'x'
                          ? hfc_decoder_conceal(dec, 1, pcm + n, capacity - n)
                          : hfc_decoder_push(dec, tokens + f * nc, 1, pcm + n, capacity - n);
        CHECK_MSG(got >= 0, "frame %lld: %s", (long long)f, hfc_strerror((int)got));
        if (info.causal)
            CHECK_MSG(got == hop, "frame %lld gave %lld samples", (long long)f, (long long)got);
        if (got < 0)
            break;
        n += got;
    }
    int64_t got = hfc_decoder_flush(dec, pcm + n, capacity - n);
    CHECK(got >= 0);
    n += got > 0 ? got : 0;
    hfc_decoder_destroy(dec);
    return n;
}

static char *pattern_of(int64_t len, int64_t lost_from, int64_t lost_frames)
{
    char *p = malloc((size_t)len + 1);
    for (int64_t f = 0; f < len; f++)
        p[f] = f >= lost_from && f < lost_from + lost_frames ? 'x' : '.';
    p[len] = '\0';
    return p;
}

static double rms(const float *x, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return n > 0 ? sqrt(s / (double)n) : 0.0;
}

/* Every pattern keeps the stream's length: what a lossless decode gives. */
static void test_lengths(void)
{
    const int64_t len = 60;
    float *pcm = pcm_for(len);
    char *none = pattern_of(len, 0, 0);
    const int64_t lossless = decode_pattern(none, NULL, pcm);
    free(none);
    CHECK(lossless == len * info.hop_samples);
    const int64_t cases[][2] = {{0, 1}, {0, 7}, {10, 1}, {10, 3}, {20, 30}, {55, 5}, {1, 59}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *p = pattern_of(len, cases[i][0], cases[i][1]);
        CHECK_MSG(decode_pattern(p, NULL, pcm) == lossless, "pattern %s", p);
        free(p);
    }
    free(pcm);
}

/* Frames lost before the first one received are silence. */
static void test_leading_loss(void)
{
    const int hop = info.hop_samples;
    float *pcm = pcm_for(20);
    char *p = pattern_of(20, 0, 4);
    decode_pattern(p, NULL, pcm);
    int n_nonzero = 0;
    for (int i = 0; i < 4 * hop; i++)
        n_nonzero += pcm[i] != 0.0f;
    CHECK_MSG(n_nonzero == 0, "%d of the leading lost samples are not silent", n_nonzero);
    free(p);
    free(pcm);
}

/* The gain envelope. The generator sees the same latents whatever the fade, so
 * the faded output over the unfaded one is the envelope itself: 1 until
 * fade_after_ms into the loss, then down linearly over fade_ms, then up from
 * that level over crossfade_ms once frames return. Causal models only (the
 * output of a non-causal one lags its frames). */
static void test_envelope(void)
{
    if (!info.causal)
        return;
    const int hop = info.hop_samples;
    const int64_t from = loud_frame, lost = 4, len = from + 30;
    float *faded = pcm_for(len);
    float *plain = pcm_for(len);
    char *p = pattern_of(len, from, lost);
    hfc_conceal_options o;
    hfc_conceal_options_init(&o);
    o.fade_after_ms = 20;
    o.fade_ms = 100;
    o.crossfade_ms = 40;
    decode_pattern(p, &o, faded);
    hfc_conceal_options flat = o;
    flat.fade_after_ms = 10000;
    flat.fade_ms = 10000;
    decode_pattern(p, &flat, plain);

    const double per_sample_ms = 1000.0 / info.sample_rate_hz;
    double worst = 0.0;
    int64_t n_compared = 0;
    const double level_at_return = 1.0 - (lost * hop * per_sample_ms - 20.0) / 100.0;
    for (int64_t i = from * hop; i < (from + lost) * hop + 40 * hop / 20; i++) {
        const int64_t t = i - from * hop + 1; /* samples into the loss, 1-based */
        double expected;
        if (i < (from + lost) * hop) {
            const double ms = t * per_sample_ms;
            expected = ms <= 20.0 ? 1.0 : 1.0 - (ms - 20.0) / 100.0;
        } else {
            const double ms = (double)(i - (from + lost) * hop + 1) * per_sample_ms;
            expected = ms >= 40.0 ? 1.0 : level_at_return + (1.0 - level_at_return) * ms / 40.0;
        }
        if (fabsf(plain[i]) < 1e-3f)
            continue;
        const double err = fabs(faded[i] / plain[i] - expected);
        worst = err > worst ? err : worst;
        n_compared++;
    }
    CHECK_MSG(n_compared > hop && worst < 1e-4, "gain off the envelope by %g over %lld samples",
              worst, (long long)n_compared);
    /* Before the loss and after the ramp nothing is touched. */
    CHECK(memcmp(faded, plain, (size_t)from * hop * sizeof *faded) == 0);
    const int64_t after = (from + lost + 2) * hop;
    CHECK(memcmp(faded + after, plain + after, (size_t)(len * hop - after) * sizeof *faded) == 0);
    free(p);
    free(faded);
    free(plain);
}

/* A burst longer than the fade: silence at its end, exact zeros; and once the
 * ramp back is over a causal stream plays exactly what a fresh decoder fed the
 * same frames plays (the silent generator was reset: nothing stale survives). */
static void test_long_burst(void)
{
    const int hop = info.hop_samples, nc = info.n_codebooks;
    const int64_t from = loud_frame, lost = 20, len = from + 40;
    float *pcm = pcm_for(len);
    char *p = pattern_of(len, from, lost);
    hfc_conceal_options o;
    hfc_conceal_options_init(&o);
    decode_pattern(p, &o, pcm);
    const int64_t silent_from = from + (o.fade_after_ms + o.fade_ms) / 20;
    CHECK(rms(pcm + from * hop, hop) > 1e-3); /* the first lost frame is concealed */
    int64_t n_nonzero = 0;
    for (int64_t i = silent_from * hop; i < (from + lost) * hop; i++)
        n_nonzero += pcm[i] != 0.0f;
    if (info.causal) {
        CHECK_MSG(n_nonzero == 0, "%lld samples after the fade are not silent",
                  (long long)n_nonzero);
        const int64_t back = from + lost, exact_from = back + (o.crossfade_ms + 19) / 20;
        float *fresh = pcm_for(len);
        hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
        CHECK(hfc_decoder_push(dec, tokens + back * nc, len - back, fresh, len * hop) ==
              (len - back) * hop);
        hfc_decoder_destroy(dec);
        const int64_t skip = (exact_from - back) * hop;
        CHECK_MSG(memcmp(pcm + exact_from * hop, fresh + skip,
                         (size_t)(len - exact_from) * hop * sizeof *pcm) == 0,
                  "the stream after a long burst differs from a fresh one");
        free(fresh);
    }
    free(p);
    free(pcm);
}

/* Reset forgets a loss: the next stream is a fresh one, bit for bit. */
static void test_reset(void)
{
    const int hop = info.hop_samples;
    const int64_t len = 20;
    float *a = pcm_for(len), *b = pcm_for(len);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    const int64_t capacity = (len + SLACK_FRAMES) * hop;
    CHECK(hfc_decoder_push(dec, tokens, 5, a, capacity) >= 0);
    CHECK(hfc_decoder_conceal(dec, 2, a, capacity) >= 0);
    hfc_decoder_reset(dec);
    int64_t n = hfc_decoder_push(dec, tokens, len, a, capacity);
    n += hfc_decoder_flush(dec, a + n, capacity - n);
    hfc_decoder_destroy(dec);
    dec = hfc_decoder_create(model, NULL, NULL);
    int64_t m = hfc_decoder_push(dec, tokens, len, b, capacity);
    m += hfc_decoder_flush(dec, b + m, capacity - m);
    hfc_decoder_destroy(dec);
    CHECK(n == m && memcmp(a, b, (size_t)n * sizeof *a) == 0);
    free(a);
    free(b);
}

/* The methods differ where they should: silence gives zeros, extrapolation moves
 * away from repetition after the first lost frame. */
static void test_methods(void)
{
    if (!info.causal)
        return;
    const int hop = info.hop_samples;
    const int64_t from = loud_frame, lost = 3, len = from + 18;
    float *out[3];
    char *p = pattern_of(len, from, lost);
    for (int m = HFC_CONCEAL_REPEAT; m <= HFC_CONCEAL_SILENCE; m++) {
        hfc_conceal_options o;
        hfc_conceal_options_init(&o);
        o.method = m;
        out[m] = pcm_for(len);
        decode_pattern(p, &o, out[m]);
    }
    CHECK(rms(out[HFC_CONCEAL_SILENCE] + from * hop, lost * hop) == 0.0);
    CHECK(rms(out[HFC_CONCEAL_REPEAT] + from * hop, lost * hop) > 1e-3);
    /* Extrapolation follows the step between the last two latents: none when their
     * tokens are the same (a random-weight model often repeats a code). */
    const int nc = info.n_codebooks;
    const int moving = memcmp(tokens + (from - 1) * nc, tokens + (from - 2) * nc,
                              (size_t)nc * sizeof *tokens) != 0;
    CHECK(moving == (memcmp(out[HFC_CONCEAL_REPEAT] + from * hop,
                            out[HFC_CONCEAL_EXTRAPOLATE] + from * hop,
                            (size_t)lost * hop * sizeof(float)) != 0));
    for (int m = 0; m < 3; m++)
        free(out[m]);
    free(p);
}

static void test_bad_arguments(void)
{
    const int hop = info.hop_samples;
    float pcm[4 * 2048];
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    CHECK(hfc_decoder_conceal(NULL, 1, pcm, hop) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_decoder_conceal(dec, -1, pcm, hop) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_decoder_conceal(dec, 1, NULL, hop) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_decoder_conceal(dec, 2, pcm, 2 * hop - 1) == HFC_ERR_BUFFER_TOO_SMALL);
    CHECK(hfc_decoder_conceal(dec, 0, NULL, 0) == 0);
    CHECK(hfc_decoder_conceal(dec, 0, pcm, 0) == 0);

    hfc_conceal_options good, o;
    hfc_conceal_options_init(&good);
    CHECK(good.method == HFC_CONCEAL_REPEAT);
    CHECK(hfc_decoder_set_conceal_options(dec, &good) == HFC_OK);
    CHECK(hfc_decoder_set_conceal_options(NULL, &good) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_decoder_set_conceal_options(dec, NULL) == HFC_ERR_INVALID_ARG);
    const int bad[][4] = {{-1, 20, 60, 20}, {3, 20, 60, 20},  {0, -1, 60, 20},
                          {0, 10001, 60, 20}, {0, 20, 0, 20}, {0, 20, 10001, 20},
                          {0, 20, 60, -1},  {0, 20, 60, 10001}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = good;
        o.method = bad[i][0];
        o.fade_after_ms = bad[i][1];
        o.fade_ms = bad[i][2];
        o.crossfade_ms = bad[i][3];
        CHECK_MSG(hfc_decoder_set_conceal_options(dec, &o) == HFC_ERR_INVALID_ARG, "case %zu", i);
    }
    hfc_decoder_destroy(dec);
}

/* push and conceal, frame after frame, never allocate. */
static void test_no_allocation(void)
{
#if COUNT_ALLOCATIONS
    const int hop = info.hop_samples, nc = info.n_codebooks;
    float *pcm = malloc((size_t)hop * 4 * sizeof *pcm);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    const long before = n_allocations;
    for (int64_t f = 0; f < 40; f++) {
        if (f % 7 < 3 || f > 30)
            CHECK(hfc_decoder_conceal(dec, 1, pcm, 4 * hop) >= 0);
        else
            CHECK(hfc_decoder_push(dec, tokens + f * nc, 1, pcm, 4 * hop) >= 0);
    }
    CHECK_MSG(n_allocations == before, "%ld allocations on the per-frame path",
              n_allocations - before);
    hfc_decoder_destroy(dec);
    free(pcm);
#else
    printf("allocation count skipped (sanitizer build)\n");
#endif
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL SPEECH_AUDIO\n", argv[0]);
        return 2;
    }
    int st = HFC_OK;
    model = hfc_model_load_file(argv[1], NULL, &st);
    if (!model) {
        fprintf(stderr, "%s: %s\n", argv[1], hfc_strerror(st));
        return 1;
    }
    hfc_model_get_info(model, &info);
    hfc_cli_audio audio;
    char err[256];
    if (hfc_cli_audio_read(argv[2], info.sample_rate_hz, &audio, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", argv[2], err);
        return 1;
    }
    n_frames = hfc_model_frames_for_samples(model, audio.n_samples);
    if (n_frames < 130) {
        fprintf(stderr, "%s: under 2.6 s of speech\n", argv[2]);
        return 1;
    }
    tokens = malloc((size_t)(n_frames * info.n_codebooks) * sizeof *tokens);
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    CHECK(hfc_encoder_encode(enc, audio.samples, audio.n_samples, tokens, n_frames) == n_frames);
    hfc_encoder_destroy(enc);
    hfc_cli_audio_free(&audio);
    float *clean = pcm_for(n_frames);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    CHECK(hfc_decoder_decode(dec, tokens, n_frames, clean, n_frames * info.hop_samples) ==
          n_frames * info.hop_samples);
    hfc_decoder_destroy(dec);
    double loudest = -1.0;
    for (int64_t f = 10; f < n_frames - 60; f++) {
        double level = rms(clean + f * info.hop_samples, info.hop_samples);
        if (level > loudest)
            loudest = level, loud_frame = f;
    }
    free(clean);
    printf("model %s, %s, %lld frames of speech, losses from frame %lld\n", argv[1],
           info.causal ? "causal" : "non-causal", (long long)n_frames, (long long)loud_frame);

    test_lengths();
    test_leading_loss();
    test_envelope();
    test_long_burst();
    test_reset();
    test_methods();
    test_bad_arguments();
    test_no_allocation();

    free(tokens);
    hfc_model_free(model);
    return hfc_test_finish("test_conceal");
}
