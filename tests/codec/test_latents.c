/* The latent API for TTS models (hfc_model_get_codebook, hfc_model_tokens_to_latents,
 * hfc_decoder_decode_latents) on a model and a speech file: latents are the sums of
 * the codewords the codebooks hold, decoding them equals decoding the tokens bit
 * for bit, predicted (off-codebook) latents decode too, and bad input fails cleanly.
 * Usage: test_latents MODEL SPEECH_AUDIO */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_io.h"
#include "hificodec.h"
#include "test_util.h"

static hfc_model *model;
static hfc_model_info info;

/* The codebooks as the API hands them out: [n_codebooks][codebook_size][dim]. */
static float *all_codebooks(int dim)
{
    const int64_t per_book = (int64_t)info.codebook_size * dim;
    float *books = malloc((size_t)(per_book * info.n_codebooks) * sizeof *books);
    for (int k = 0; k < info.n_codebooks; k++)
        CHECK(hfc_model_get_codebook(model, k, books + k * per_book, per_book) == per_book);
    CHECK(hfc_model_get_codebook(model, 0, books, per_book - 1) == HFC_ERR_BUFFER_TOO_SMALL);
    CHECK(hfc_model_get_codebook(model, info.n_codebooks, books, per_book) == HFC_ERR_INVALID_ARG);
    CHECK(hfc_model_get_codebook(model, -1, books, per_book) == HFC_ERR_INVALID_ARG);
    return books;
}

static void test_latents(const float *pcm, int64_t n_samples)
{
    const int dim = info.latent_dim / info.n_groups, n_cb = info.n_codebooks;
    const int64_t n_frames = hfc_model_frames_for_samples(model, n_samples);
    hfc_token *tokens = malloc((size_t)(n_frames * n_cb) * sizeof *tokens);
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    CHECK(hfc_encoder_encode(enc, pcm, n_samples, tokens, n_frames) == n_frames);
    hfc_encoder_destroy(enc);

    float *latents = malloc((size_t)(n_frames * info.latent_dim) * sizeof *latents);
    CHECK(hfc_model_tokens_to_latents(model, tokens, n_frames, latents, n_frames - 1) ==
          HFC_ERR_BUFFER_TOO_SMALL);
    CHECK(hfc_model_tokens_to_latents(model, tokens, n_frames, latents, n_frames) == n_frames);

    /* Each latent is the layers' codewords summed per group, in layer order (the
     * order the decoder adds them in, so the sums are bit-identical). */
    float *books = all_codebooks(dim);
    int64_t n_wrong = 0;
    for (int64_t f = 0; f < n_frames; f++)
        for (int g = 0; g < info.n_groups; g++)
            for (int i = 0; i < dim; i++) {
                float sum = 0.0f;
                for (int l = 0; l < info.n_layers; l++) {
                    int k = l * info.n_groups + g;
                    hfc_token t = tokens[f * n_cb + k];
                    sum += books[((int64_t)k * info.codebook_size + t) * dim + i];
                }
                n_wrong += latents[f * info.latent_dim + g * dim + i] != sum;
            }
    CHECK_MSG(n_wrong == 0, "%lld latent values differ from the codeword sums", (long long)n_wrong);

    /* Decoding the latents is decoding the tokens. */
    const int64_t n_out = n_frames * info.hop_samples;
    float *from_tokens = malloc((size_t)n_out * sizeof *from_tokens);
    float *from_latents = malloc((size_t)n_out * sizeof *from_latents);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    CHECK(hfc_decoder_decode(dec, tokens, n_frames, from_tokens, n_out) == n_out);
    CHECK(hfc_decoder_decode_latents(dec, latents, n_frames, from_latents, n_out) == n_out);
    CHECK(memcmp(from_tokens, from_latents, (size_t)n_out * sizeof *from_tokens) == 0);

    /* A TTS model's predictions are near, not on, the codewords: they decode to
     * finite audio of the same length, close to the tokens' audio. */
    double signal = 0.0, diff = 0.0;
    for (int64_t i = 0; i < n_frames * info.latent_dim; i++)
        latents[i] += 0.01f * hfc_test_rand_normal();
    CHECK(hfc_decoder_decode_latents(dec, latents, n_frames, from_latents, n_out) == n_out);
    for (int64_t i = 0; i < n_out; i++) {
        CHECK(isfinite(from_latents[i]));
        signal += (double)from_tokens[i] * from_tokens[i];
        diff += (double)(from_latents[i] - from_tokens[i]) * (from_latents[i] - from_tokens[i]);
    }
    printf("predicted latents (codewords + 0.01 noise): %.1f dB from the tokens' audio\n",
           10.0 * log10(signal / (diff > 0 ? diff : 1e-30)));

    /* Bad input: nothing written, the decoder still usable. */
    from_latents[0] = 12345.0f;
    latents[3] = NAN;
    CHECK(hfc_decoder_decode_latents(dec, latents, n_frames, from_latents, n_out) ==
          HFC_ERR_BAD_SAMPLE);
    latents[3] = INFINITY;
    CHECK(hfc_decoder_decode_latents(dec, latents, n_frames, from_latents, n_out) ==
          HFC_ERR_BAD_SAMPLE);
    CHECK(from_latents[0] == 12345.0f);
    latents[3] = 0.0f;
    CHECK(hfc_decoder_decode_latents(dec, latents, n_frames, from_latents, n_out - 1) ==
          HFC_ERR_BUFFER_TOO_SMALL);
    CHECK(hfc_decoder_decode_latents(dec, latents, 0, from_latents, 0) == 0);
    tokens[5] = info.codebook_size;
    CHECK(hfc_model_tokens_to_latents(model, tokens, n_frames, latents, n_frames) ==
          HFC_ERR_BAD_TOKEN);
    tokens[5] = -1;
    CHECK(hfc_model_tokens_to_latents(model, tokens, n_frames, latents, n_frames) ==
          HFC_ERR_BAD_TOKEN);
    CHECK(hfc_model_tokens_to_latents(NULL, tokens, 1, latents, 1) == HFC_ERR_INVALID_ARG);
    tokens[5] = 0;
    CHECK(hfc_decoder_decode(dec, tokens, n_frames, from_tokens, n_out) == n_out);

    hfc_decoder_destroy(dec);
    free(books);
    free(from_tokens);
    free(from_latents);
    free(latents);
    free(tokens);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_latents MODEL SPEECH_AUDIO\n");
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
    hfc_cli_audio audio;
    char err[512];
    if (hfc_cli_audio_read(argv[2], info.sample_rate_hz, &audio, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", argv[2], err);
        return 1;
    }
    /* The first 3 s keep the test quick. */
    int64_t n =
        audio.n_samples < 3 * info.sample_rate_hz ? audio.n_samples : 3 * info.sample_rate_hz;
    test_latents(audio.samples, n);
    hfc_cli_audio_free(&audio);
    hfc_model_free(model);
    return hfc_test_finish("test_latents");
}
