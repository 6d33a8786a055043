/* Fuzz target for the model file parser and binder (hfc_model_load_memory). Any
 * input must load or fail with a status; one that loads must also encode, decode
 * and stream a little audio without a fault (ASan/UBSan in CI).
 *
 * Built two ways: with -fsanitize=fuzzer for real fuzzing (clang), and linked with
 * tests/common/fuzz_replay.c, which replays a corpus folder: how CI runs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const hfc_model *model)
{
    hfc_model_info info;
    if (hfc_model_get_info(model, &info) != HFC_OK)
        abort();
    /* Keep iterations fast: big models are valid, just not worth running here. */
    if (info.n_params > 200000 || info.hop_samples > 4096 || info.encode_gflop_per_s > 1.0)
        return;
    const int64_t n = 3 * (int64_t)info.hop_samples + 1;
    float *pcm = calloc((size_t)n, sizeof *pcm);
    hfc_token *tokens = calloc((size_t)(8 * info.n_codebooks), sizeof *tokens);
    float *out = calloc((size_t)(3 * info.hop_samples + hfc_model_samples_for_frames(model, 8)),
                        sizeof *out);
    for (int64_t i = 0; i < n; i++)
        pcm[i] = (float)((i * 7919) % 200 - 100) / 150.0f;
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    if (enc && dec) {
        int64_t frames = hfc_encoder_encode(enc, pcm, n, tokens, 8);
        if (frames > 0)
            hfc_decoder_decode(dec, tokens, frames, out, hfc_model_samples_for_frames(model, 8));
        int64_t got = hfc_encoder_push(enc, pcm, n, tokens, 8);
        if (got >= 0 && hfc_encoder_latency(enc) / info.hop_samples + 2 <= 8)
            hfc_encoder_flush(enc, tokens, 8);
        memset(tokens, 0, (size_t)(8 * info.n_codebooks) * sizeof *tokens);
        hfc_decoder_push(dec, tokens, 1, out, info.hop_samples);
    }
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    free(pcm);
    free(tokens);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int status = 0;
    hfc_model *model = hfc_model_load_memory(data, size, NULL, &status);
    if ((model != NULL) != (status == HFC_OK) || status > 0 || status < HFC_ERR_INTERNAL)
        abort();
    if (model)
        exercise(model);
    hfc_model_free(model);
    return 0;
}
