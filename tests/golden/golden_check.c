/* Golden check: the C engine against the PyTorch twin's outputs for the same model
 * file (written by tools/hificodec_torch/golden.py into DIR).
 *   - latent: the encoder output before quantization, error relative to its RMS;
 *   - codes: identical on at least 99.9% of frames (near-ties may differ);
 *   - audio: decoding the twin's codes, within 1e-4 of the reference's peak.
 * Usage: golden_check DIR [--cpu scalar|avx2|avx512|neon] */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"
#include "model.h"
#include "test_util.h"

static int cpu_path_from_name(const char *name)
{
    const char *names[] = {"auto", "scalar", "avx2", "avx512", "neon"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, names[i]))
            return i;
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [--cpu PATH]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    hfc_model_options opt;
    hfc_model_options_init(&opt);
    opt.precision = HFC_PRECISION_FP32; /* PyTorch's numbers are fp32 */
    if (argc == 4 && !strcmp(argv[2], "--cpu"))
        opt.cpu_path = cpu_path_from_name(argv[3]);
    char path[1024];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    int status = 0;
    hfc_model *model = hfc_model_load_file(path, &opt, &status);
    if (!model) {
        fprintf(stderr, "%s: %s\n", path, hfc_strerror(status));
        return 1;
    }
    hfc_model_info info;
    hfc_model_get_info(model, &info);
    printf("model %s, cpu path %s, %d codebooks x %d\n", info.name, info.cpu_path,
           info.n_codebooks, info.codebook_size);

    int64_t in_dims[2], code_dims[2], lat_dims[2], audio_dims[2];
    snprintf(path, sizeof path, "%s/input.npy", dir);
    float *input = hfc_test_npy_load_f32(path, in_dims);
    snprintf(path, sizeof path, "%s/codes.npy", dir);
    int32_t *ref_codes = hfc_test_npy_load_i32(path, code_dims);
    snprintf(path, sizeof path, "%s/latent.npy", dir);
    float *ref_latent = hfc_test_npy_load_f32(path, lat_dims);
    snprintf(path, sizeof path, "%s/audio.npy", dir);
    float *ref_audio = hfc_test_npy_load_f32(path, audio_dims);
    if (!input || !ref_codes || !ref_latent || !ref_audio) {
        fprintf(stderr, "%s: missing or unreadable golden files\n", dir);
        return 1;
    }
    const int64_t n_samples = in_dims[0] * in_dims[1];
    const int64_t n_frames = code_dims[0];
    CHECK_MSG(code_dims[1] == info.n_codebooks, "codes.npy has %lld columns", (long long)code_dims[1]);
    CHECK_MSG(hfc_model_frames_for_samples(model, n_samples) == n_frames,
              "frames for %lld samples: C %lld, twin %lld", (long long)n_samples,
              (long long)hfc_model_frames_for_samples(model, n_samples), (long long)n_frames);

    /* Latent: the encoder alone, through the internal network API. */
    hfc_act latent = {0};
    CHECK(hfc_encoder_net_forward(&model->enc, model->kern, input, n_samples, &latent) == HFC_OK);
    CHECK(lat_dims[0] == latent.channels && lat_dims[1] == latent.n);
    double sum_sq = 0.0, max_err = 0.0;
    for (int c = 0; c < latent.channels && lat_dims[1] == latent.n; c++)
        for (int64_t t = 0; t < latent.n; t++) {
            double ref = ref_latent[c * latent.n + t];
            double err = fabs(hfc_act_row(&latent, c)[t] - ref);
            sum_sq += ref * ref;
            max_err = err > max_err ? err : max_err;
        }
    double rms = sqrt(sum_sq / (double)(latent.channels * latent.n));
    printf("latent: rms %.4g, max abs error %.3g (%.3g of rms)\n", rms, max_err, max_err / rms);
    /* 1e-4 of the RMS: a relative error of that size already flips ~0.1% of codes. */
    CHECK_MSG(max_err <= 1e-4 * rms, "latent error %.3g > 1e-4 x rms", max_err / rms);
    hfc_act_free(&latent);

    hfc_encoder *enc = hfc_encoder_create(model, NULL, &status);
    hfc_token *codes = malloc((size_t)(n_frames * info.n_codebooks) * sizeof *codes);
    int64_t got = hfc_encoder_encode(enc, input, n_samples, codes, n_frames);
    CHECK_MSG(got == n_frames, "encode returned %lld", (long long)got);
    int64_t frames_equal = 0;
    for (int64_t t = 0; t < n_frames && got == n_frames; t++)
        frames_equal += memcmp(codes + t * info.n_codebooks, ref_codes + t * info.n_codebooks,
                               (size_t)info.n_codebooks * sizeof *codes) == 0;
    double agreement = (double)frames_equal / (double)n_frames;
    printf("codes: %lld of %lld frames identical (%.4f%%)\n", (long long)frames_equal,
           (long long)n_frames, 100.0 * agreement);
    CHECK_MSG(agreement >= 0.999, "code agreement %.4f < 0.999", agreement);

    hfc_decoder *dec = hfc_decoder_create(model, NULL, &status);
    const int64_t n_out = hfc_model_samples_for_frames(model, n_frames);
    CHECK(audio_dims[0] * audio_dims[1] == n_out);
    float *audio = malloc((size_t)n_out * sizeof *audio);
    CHECK(hfc_decoder_decode(dec, ref_codes, n_frames, audio, n_out) == n_out);
    double peak = 0.0, max_diff = 0.0;
    for (int64_t i = 0; i < n_out; i++) {
        peak = fabs(ref_audio[i]) > peak ? fabs(ref_audio[i]) : peak;
        double d = fabs(audio[i] - ref_audio[i]);
        max_diff = d > max_diff ? d : max_diff;
    }
    printf("audio: peak %.4g, max abs error %.3g (%.3g of peak)\n", peak, max_diff, max_diff / peak);
    CHECK_MSG(peak > 0.01, "reference audio is near-silent (peak %.3g): test too weak", peak);
    CHECK_MSG(max_diff <= 1e-4 * peak, "audio error %.3g > 1e-4 x peak", max_diff / peak);

    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    hfc_model_free(model);
    free(input);
    free(ref_codes);
    free(ref_latent);
    free(ref_audio);
    free(codes);
    free(audio);
    return hfc_test_finish("golden_check");
}
