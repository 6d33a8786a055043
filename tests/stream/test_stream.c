/* Streaming encode/decode against the offline calls, with random chunkings.
 * Causal models: tokens identical and audio within 1e-6 for any chunking.
 * Non-causal models: the decoder is exact with its default look-ahead; the encoder
 * is exact except for GroupNorm's running statistics, so its agreement is printed
 * and only bounded loosely. Also: zero and 1-sample pushes, flush with no data,
 * reset mid-stream, NaN input, bad tokens, small buffers, latency.
 * Usage: test_stream MODEL [--seconds S] */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"
#include "test_util.h"

static hfc_model *model;
static hfc_model_info info;
static int causal;

static float *test_signal(int64_t n)
{
    float *pcm = malloc((size_t)n * sizeof *pcm);
    double phase = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double f0 = 120.0 + 60.0 * sin(2 * M_PI * 0.7 * i / info.sample_rate_hz);
        phase += 2 * M_PI * f0 / info.sample_rate_hz;
        double voiced = 0.0;
        for (int h = 1; h <= 8; h++)
            voiced += sin(h * phase) / h;
        pcm[i] = (float)(0.3 * voiced * (0.5 + 0.5 * sin(2 * M_PI * 2.3 * i / info.sample_rate_hz)) +
                         0.05 * hfc_test_rand_normal());
    }
    return pcm;
}

/* A random chunk size: often tiny (0, 1), sometimes frame-sized, sometimes large. */
static int64_t random_chunk(void)
{
    switch (hfc_test_rand_u64() % 6) {
    case 0: return 0;
    case 1: return 1;
    case 2: return (int64_t)(hfc_test_rand_u64() % 17);
    case 3: return info.hop_samples;
    default: return (int64_t)(hfc_test_rand_u64() % (3 * (uint64_t)info.hop_samples));
    }
}

static int64_t stream_encode(hfc_encoder *enc, const float *pcm, int64_t n, hfc_token *out,
                             int fixed_chunk)
{
    int64_t frames = 0, pos = 0;
    const int nc = info.n_codebooks;
    hfc_token *tmp = malloc((size_t)(n / info.hop_samples + 64) * nc * sizeof *tmp);
    while (pos < n) {
        int64_t chunk = fixed_chunk ? fixed_chunk : random_chunk();
        if (chunk > n - pos)
            chunk = n - pos;
        int64_t got = hfc_encoder_push(enc, pcm + pos, chunk, tmp, chunk / info.hop_samples + 1);
        CHECK_MSG(got >= 0, "push: %s", hfc_strerror((int)got));
        if (got < 0)
            break;
        memcpy(out + frames * nc, tmp, (size_t)(got * nc) * sizeof *tmp);
        frames += got;
        pos += chunk;
    }
    int64_t got = hfc_encoder_flush(enc, tmp, hfc_encoder_latency(enc) / info.hop_samples + 2);
    CHECK_MSG(got >= 0, "flush: %s", hfc_strerror((int)got));
    if (got > 0) {
        memcpy(out + frames * nc, tmp, (size_t)(got * nc) * sizeof *tmp);
        frames += got;
    }
    free(tmp);
    return frames;
}

static int64_t stream_decode(hfc_decoder *dec, const hfc_token *tokens, int64_t n_frames,
                             float *out)
{
    int64_t produced = 0, f = 0;
    const int hop = info.hop_samples, nc = info.n_codebooks;
    float *tmp = malloc((size_t)(8 * hop + hfc_decoder_latency(dec)) * sizeof *tmp);
    while (f < n_frames) {
        int64_t chunk = (int64_t)(hfc_test_rand_u64() % 6);
        if (chunk > n_frames - f)
            chunk = n_frames - f;
        int64_t got = hfc_decoder_push(dec, tokens + f * nc, chunk, tmp, chunk * hop);
        CHECK_MSG(got >= 0 && got <= chunk * hop, "push: %lld", (long long)got);
        if (got < 0)
            break;
        memcpy(out + produced, tmp, (size_t)got * sizeof *tmp);
        produced += got;
        f += chunk;
    }
    int64_t got = hfc_decoder_flush(dec, tmp, hfc_decoder_latency(dec) + hop);
    CHECK_MSG(got >= 0, "flush: %s", hfc_strerror((int)got));
    if (got > 0) {
        memcpy(out + produced, tmp, (size_t)got * sizeof *tmp);
        produced += got;
    }
    free(tmp);
    return produced;
}

static double frame_agreement(const hfc_token *a, const hfc_token *b, int64_t n_frames)
{
    int64_t same = 0;
    for (int64_t t = 0; t < n_frames; t++)
        same += !memcmp(a + t * info.n_codebooks, b + t * info.n_codebooks,
                        (size_t)info.n_codebooks * sizeof *a);
    return n_frames ? (double)same / (double)n_frames : 1.0;
}

static double max_abs_diff(const float *a, const float *b, int64_t n)
{
    double m = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        m = d > m ? d : m;
    }
    return m;
}

static void test_against_offline(double seconds)
{
    const int hop = info.hop_samples, nc = info.n_codebooks;
    const int64_t n = (int64_t)(seconds * info.sample_rate_hz) + hop / 3;
    float *pcm = test_signal(n);
    const int64_t n_frames = hfc_model_frames_for_samples(model, n);
    hfc_token *ref = malloc((size_t)(n_frames * nc) * sizeof *ref);
    hfc_token *got = malloc((size_t)(n_frames + 64) * nc * sizeof *got);
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    CHECK(hfc_encoder_encode(enc, pcm, n, ref, n_frames) == n_frames);

    for (int trial = 0; trial < 4; trial++) {
        int fixed = trial == 0 ? 1 : trial == 1 ? hop : 0; /* 1-sample pushes, frames, random */
        int64_t frames = stream_encode(enc, pcm, n, got, fixed);
        CHECK_MSG(frames == n_frames, "trial %d: %lld frames streamed, %lld offline", trial,
                  (long long)frames, (long long)n_frames);
        double agree = frame_agreement(ref, got, frames < n_frames ? frames : n_frames);
        printf("encoder trial %d (chunk %s): %.2f%% of frames equal offline\n", trial,
               fixed == 1 ? "1" : fixed ? "hop" : "random", 100.0 * agree);
        if (causal)
            CHECK_MSG(agree == 1.0, "causal stream differs from offline");
        else
            CHECK_MSG(agree >= 0.5, "non-causal agreement %.3f implausibly low", agree);
    }

    const int64_t n_out = n_frames * hop;
    float *audio_ref = malloc((size_t)n_out * sizeof *audio_ref);
    float *audio = malloc((size_t)(n_out + 8 * hop) * sizeof *audio);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    CHECK(hfc_decoder_decode(dec, ref, n_frames, audio_ref, n_out) == n_out);
    for (int trial = 0; trial < 3; trial++) {
        int64_t produced = stream_decode(dec, ref, n_frames, audio);
        CHECK_MSG(produced == n_out, "decoded %lld samples, offline %lld", (long long)produced,
                  (long long)n_out);
        double diff = max_abs_diff(audio, audio_ref, produced < n_out ? produced : n_out);
        printf("decoder trial %d: max |stream - offline| = %.3g\n", trial, diff);
        CHECK_MSG(diff <= 1e-6, "decoder stream differs from offline by %.3g", diff);
    }

    /* Reset mid-stream: the first, abandoned stream leaves nothing behind. */
    hfc_token scratch[64 * 16];
    CHECK(hfc_encoder_push(enc, pcm, 5 * hop + 7, scratch, 64) >= 0);
    hfc_encoder_reset(enc);
    CHECK(stream_encode(enc, pcm, n, got, 0) == n_frames);
    CHECK(!causal || frame_agreement(ref, got, n_frames) == 1.0);
    float *dec_scratch = malloc((size_t)(8 * hop) * sizeof *dec_scratch);
    CHECK(hfc_decoder_push(dec, ref, 3, dec_scratch, 3 * hop) >= 0);
    hfc_decoder_reset(dec);
    CHECK(stream_decode(dec, ref, n_frames, audio) == n_out);
    CHECK(max_abs_diff(audio, audio_ref, n_out) <= 1e-6);
    free(dec_scratch);

    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    free(pcm);
    free(ref);
    free(got);
    free(audio_ref);
    free(audio);
}

static void test_edges(void)
{
    const int hop = info.hop_samples, nc = info.n_codebooks;
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    hfc_token tokens[64 * 16] = {0}; /* the buffer checks below read a frame never written */
    float *pcm = test_signal(10 * hop);
    int enc_frames_cap = hfc_encoder_latency(enc) / hop + 2;

    /* Flush with no data; zero-length pushes. */
    CHECK(hfc_encoder_flush(enc, tokens, enc_frames_cap) == 0);
    CHECK(hfc_encoder_push(enc, pcm, 0, tokens, 1) == 0);
    CHECK(hfc_encoder_push(enc, NULL, 0, tokens, 1) == 0);
    float out[8192];
    CHECK(hfc_decoder_flush(dec, out, hfc_decoder_latency(dec) + hop) == 0);
    CHECK(hfc_decoder_push(dec, tokens, 0, out, 0) == 0);

    /* Latency: a causal model emits each frame as soon as its last sample is in. */
    if (causal) {
        CHECK(hfc_encoder_latency(enc) == hop);
        CHECK(hfc_decoder_latency(dec) == 0);
        CHECK(hfc_encoder_push(enc, pcm, hop - 1, tokens, 1) == 0);
        CHECK(hfc_encoder_push(enc, pcm + hop - 1, 1, tokens, 1) == 1);
        CHECK(hfc_decoder_push(dec, tokens, 1, out, hop) == hop);
    } else {
        CHECK(hfc_encoder_latency(enc) > hop);
        CHECK(hfc_decoder_latency(dec) > 0);
    }
    hfc_encoder_reset(enc);
    hfc_decoder_reset(dec);

    /* Buffers too small: refused, nothing consumed. */
    CHECK(hfc_encoder_push(enc, pcm, 3 * hop, tokens, 3) == HFC_ERR_BUFFER_TOO_SMALL);
    CHECK(hfc_encoder_flush(enc, tokens, 1) == HFC_ERR_BUFFER_TOO_SMALL || enc_frames_cap <= 1);
    CHECK(hfc_decoder_push(dec, tokens, 2, out, 2 * hop - 1) == HFC_ERR_BUFFER_TOO_SMALL);

    /* NaN rejected without consuming anything: the stream continues as if the bad
     * chunk had never been pushed. */
    hfc_token ref[64 * 16], got[64 * 16];
    int64_t n_ref = hfc_encoder_push(enc, pcm, 10 * hop, ref, 11);
    n_ref += hfc_encoder_flush(enc, ref + n_ref * nc, enc_frames_cap);
    float bad[64];
    memcpy(bad, pcm + 2 * hop, sizeof bad);
    bad[10] = NAN;
    int64_t n_got = hfc_encoder_push(enc, pcm, 2 * hop, got, 3);
    CHECK(hfc_encoder_push(enc, bad, 64, got + n_got * nc, 1) == HFC_ERR_BAD_SAMPLE);
    bad[10] = -INFINITY;
    CHECK(hfc_encoder_push(enc, bad, 64, got + n_got * nc, 1) == HFC_ERR_BAD_SAMPLE);
    n_got += hfc_encoder_push(enc, pcm + 2 * hop, 8 * hop, got + n_got * nc, 9);
    n_got += hfc_encoder_flush(enc, got + n_got * nc, enc_frames_cap);
    CHECK(n_got == n_ref && !memcmp(ref, got, (size_t)(n_ref * nc) * sizeof *ref));

    /* Out-of-range tokens: refused, the decoder stays usable and unaffected. */
    float a[8192], b[8192];
    int64_t na = hfc_decoder_push(dec, ref, 4, a, 4 * hop);
    na += hfc_decoder_flush(dec, a + na, hfc_decoder_latency(dec) + hop);
    hfc_token broken[4 * 16];
    memcpy(broken, ref, sizeof broken);
    broken[nc + 1] = info.codebook_size;
    int64_t nb = hfc_decoder_push(dec, ref, 2, b, 2 * hop);
    CHECK(hfc_decoder_push(dec, broken, 4, b + nb, 4 * hop) == HFC_ERR_BAD_TOKEN);
    broken[nc + 1] = -5;
    CHECK(hfc_decoder_push(dec, broken, 4, b + nb, 4 * hop) == HFC_ERR_BAD_TOKEN);
    nb += hfc_decoder_push(dec, ref + 2 * nc, 2, b + nb, 2 * hop);
    nb += hfc_decoder_flush(dec, b + nb, hfc_decoder_latency(dec) + hop);
    CHECK(na == nb && na == 4 * hop && max_abs_diff(a, b, na) == 0.0);

    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    free(pcm);
}

/* Reduced look-ahead (non-causal models): less latency, still the right length. */
static void test_lookahead_options(void)
{
    hfc_encoder_options eo;
    hfc_encoder_options_init(&eo);
    hfc_decoder_options dopt;
    hfc_decoder_options_init(&dopt);
    hfc_encoder *full = hfc_encoder_create(model, NULL, NULL);
    hfc_decoder *dfull = hfc_decoder_create(model, NULL, NULL);
    eo.lookahead_frames = 0;
    dopt.lookahead_frames = 0;
    hfc_encoder *cut = hfc_encoder_create(model, &eo, NULL);
    hfc_decoder *dcut = hfc_decoder_create(model, &dopt, NULL);
    CHECK(cut && dcut);
    CHECK(hfc_encoder_latency(cut) <= hfc_encoder_latency(full));
    CHECK(hfc_decoder_latency(dcut) <= hfc_decoder_latency(dfull));
    printf("latency: encoder %d -> %d samples, decoder %d -> %d samples with lookahead 0\n",
           hfc_encoder_latency(full), hfc_encoder_latency(cut), hfc_decoder_latency(dfull),
           hfc_decoder_latency(dcut));
    const int hop = info.hop_samples;
    const int64_t n = 12 * hop + 5;
    float *pcm = test_signal(n);
    hfc_token tokens[64 * 16];
    CHECK(stream_encode(cut, pcm, n, tokens, 0) == hfc_model_frames_for_samples(model, n));
    float *audio = malloc((size_t)(20 * hop) * sizeof *audio);
    CHECK(stream_decode(dcut, tokens, 12, audio) == 12 * hop);
    eo.lookahead_frames = -2;
    CHECK(hfc_encoder_create(model, &eo, NULL) == NULL);
    hfc_encoder_destroy(full);
    hfc_encoder_destroy(cut);
    hfc_decoder_destroy(dfull);
    hfc_decoder_destroy(dcut);
    free(pcm);
    free(audio);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL [--seconds S]\n", argv[0]);
        return 2;
    }
    double seconds = argc == 4 && !strcmp(argv[2], "--seconds") ? atof(argv[3]) : 2.0;
    hfc_test_seed();
    int status = 0;
    model = hfc_model_load_file(argv[1], NULL, &status);
    if (!model) {
        fprintf(stderr, "%s: %s\n", argv[1], hfc_strerror(status));
        return 1;
    }
    hfc_model_get_info(model, &info);
    causal = info.causal;
    printf("model %s: %s\n", info.name, causal ? "causal" : "non-causal");
    test_against_offline(seconds);
    test_edges();
    test_lookahead_options();
    hfc_model_free(model);
    return hfc_test_finish("test_stream");
}
