/* The offline codec API on a real (random-weight) model: exact output lengths for
 * odd input sizes, every error path, determinism, and that a failed call leaves the
 * objects usable. Usage: test_codec_api MODEL */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"
#include "test_util.h"

static hfc_model *model;
static hfc_model_info info;

static float *noise(int64_t n)
{
    float *pcm = malloc((size_t)(n > 0 ? n : 1) * sizeof *pcm);
    for (int64_t i = 0; i < n; i++)
        pcm[i] = 0.3f * hfc_test_rand_normal();
    return pcm;
}

static void test_lengths(void)
{
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    const int hop = info.hop_samples;
    /* Odd sizes around frame boundaries; official arithmetic: floor(L / hop). */
    int64_t lengths[] = {hop, hop + 1, 2 * hop - 1, 2 * hop, 3 * hop + 17, 7 * hop + hop / 2,
                         10 * hop - 1};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        int64_t n = lengths[i];
        int64_t expect = n / hop;
        CHECK_MSG(hfc_model_frames_for_samples(model, n) == expect, "L=%lld: %lld frames",
                  (long long)n, (long long)hfc_model_frames_for_samples(model, n));
        float *pcm = noise(n);
        hfc_token *tokens = malloc((size_t)(expect * info.n_codebooks) * sizeof *tokens);
        CHECK(hfc_encoder_encode(enc, pcm, n, tokens, expect) == expect);
        for (int64_t k = 0; k < expect * info.n_codebooks; k++)
            CHECK(tokens[k] >= 0 && tokens[k] < info.codebook_size);
        hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
        float *out = malloc((size_t)(expect * hop) * sizeof *out);
        CHECK(hfc_decoder_decode(dec, tokens, expect, out, expect * hop) == expect * hop);
        for (int64_t k = 0; k < expect * hop; k++)
            CHECK(isfinite(out[k]) && fabsf(out[k]) <= 1.0f);
        hfc_decoder_destroy(dec);
        free(pcm);
        free(tokens);
        free(out);
    }
    hfc_encoder_destroy(enc);
}

static void test_errors(void)
{
    int status = 0;
    CHECK(hfc_encoder_create(NULL, NULL, &status) == NULL && status == HFC_ERR_INVALID_ARG);
    hfc_encoder_options eo;
    hfc_encoder_options_init(&eo);
    eo.bad_sample_policy = 7;
    CHECK(hfc_encoder_create(model, &eo, &status) == NULL && status == HFC_ERR_INVALID_ARG);
    CHECK(hfc_decoder_create(NULL, NULL, &status) == NULL && status == HFC_ERR_INVALID_ARG);

    hfc_encoder *enc = hfc_encoder_create(model, NULL, &status);
    CHECK(enc && status == HFC_OK);
    const int hop = info.hop_samples;
    const int64_t n = 4 * hop + 5;
    float *pcm = noise(n);
    hfc_token tokens[64 * 16];
    CHECK(hfc_encoder_encode(enc, pcm, hop - 1, tokens, 64) == HFC_ERR_TOO_SHORT);
    CHECK(hfc_encoder_encode(enc, pcm, 0, tokens, 64) == HFC_ERR_TOO_SHORT);
    CHECK(hfc_encoder_encode(enc, pcm, n, tokens, 3) == HFC_ERR_BUFFER_TOO_SMALL);
    CHECK(hfc_encoder_encode(enc, NULL, n, tokens, 64) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_encoder_encode(enc, pcm, -1, tokens, 64) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_encoder_encode(NULL, pcm, n, tokens, 64) == HFC_ERR_INVALID_ARG);

    /* NaN and Inf: rejected by default without touching the output ... */
    hfc_token reference[64 * 16];
    CHECK(hfc_encoder_encode(enc, pcm, n, reference, 64) == 4);
    float saved = pcm[100];
    pcm[100] = NAN;
    memset(tokens, 0x55, sizeof tokens);
    CHECK(hfc_encoder_encode(enc, pcm, n, tokens, 64) == HFC_ERR_BAD_SAMPLE);
    CHECK(tokens[0] == 0x55555555);
    pcm[100] = INFINITY;
    CHECK(hfc_encoder_encode(enc, pcm, n, tokens, 64) == HFC_ERR_BAD_SAMPLE);
    /* ... and the encoder still works afterwards. */
    pcm[100] = saved;
    CHECK(hfc_encoder_encode(enc, pcm, n, tokens, 64) == 4);
    CHECK(memcmp(tokens, reference, 4 * (size_t)info.n_codebooks * sizeof *tokens) == 0);
    /* ... or replaced by zeros when asked: same as encoding a zero there. */
    eo.bad_sample_policy = HFC_BAD_SAMPLE_ZERO;
    hfc_encoder *zeroing = hfc_encoder_create(model, &eo, &status);
    pcm[100] = NAN;
    hfc_token with_nan[64 * 16];
    CHECK(hfc_encoder_encode(zeroing, pcm, n, with_nan, 64) == 4);
    CHECK(isnan(pcm[100])); /* the caller's buffer is not modified */
    pcm[100] = 0.0f;
    CHECK(hfc_encoder_encode(zeroing, pcm, n, tokens, 64) == 4);
    CHECK(memcmp(tokens, with_nan, 4 * (size_t)info.n_codebooks * sizeof *tokens) == 0);
    hfc_encoder_destroy(zeroing);

    hfc_decoder *dec = hfc_decoder_create(model, NULL, &status);
    float *out = malloc((size_t)(4 * hop) * sizeof *out);
    CHECK(hfc_decoder_decode(dec, reference, 4, out, 4 * hop - 1) == HFC_ERR_BUFFER_TOO_SMALL);
    CHECK(hfc_decoder_decode(dec, reference, 0, out, 4 * hop) == 0);
    CHECK(hfc_decoder_decode(dec, NULL, 4, out, 4 * hop) == HFC_ERR_INVALID_ARG);
    hfc_token bad[64 * 16];
    memcpy(bad, reference, sizeof bad);
    bad[2 * info.n_codebooks + 1] = info.codebook_size;
    CHECK(hfc_decoder_decode(dec, bad, 4, out, 4 * hop) == HFC_ERR_BAD_TOKEN);
    bad[2 * info.n_codebooks + 1] = -1;
    CHECK(hfc_decoder_decode(dec, bad, 4, out, 4 * hop) == HFC_ERR_BAD_TOKEN);
    /* The decoder is still usable, and decoding is deterministic. */
    float *out2 = malloc((size_t)(4 * hop) * sizeof *out2);
    CHECK(hfc_decoder_decode(dec, reference, 4, out, 4 * hop) == 4 * hop);
    CHECK(hfc_decoder_decode(dec, reference, 4, out2, 4 * hop) == 4 * hop);
    CHECK(memcmp(out, out2, (size_t)(4 * hop) * sizeof *out) == 0);
    hfc_decoder_destroy(dec);
    hfc_encoder_destroy(enc);
    hfc_encoder_destroy(NULL);
    hfc_decoder_destroy(NULL);
    free(pcm);
    free(out);
    free(out2);
}

/* Two models and two encoders in parallel use must not share state. */
static void test_independence(const char *path)
{
    hfc_model *other = hfc_model_load_file(path, NULL, NULL);
    hfc_encoder *a = hfc_encoder_create(model, NULL, NULL);
    hfc_encoder *b = hfc_encoder_create(other, NULL, NULL);
    const int64_t n = 6 * info.hop_samples;
    float *pcm = noise(n);
    hfc_token ta[64 * 16], tb[64 * 16];
    CHECK(hfc_encoder_encode(a, pcm, n, ta, 64) == 6);
    CHECK(hfc_encoder_encode(b, pcm, n, tb, 64) == 6);
    CHECK(memcmp(ta, tb, 6 * (size_t)info.n_codebooks * sizeof *ta) == 0);
    hfc_encoder_destroy(a);
    hfc_encoder_destroy(b);
    hfc_model_free(other);
    free(pcm);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODEL\n", argv[0]);
        return 2;
    }
    hfc_test_seed();
    int status = 0;
    model = hfc_model_load_file(argv[1], NULL, &status);
    if (!model) {
        fprintf(stderr, "%s: %s\n", argv[1], hfc_strerror(status));
        return 1;
    }
    hfc_model_get_info(model, &info);
    test_lengths();
    test_errors();
    test_independence(argv[1]);
    hfc_model_free(model);
    return hfc_test_finish("test_codec_api");
}
