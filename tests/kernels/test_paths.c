/* Whole-model agreement between the kernel paths on real speech, for every path this
 * machine runs, in each numeric format (hfc_precision) against the scalar path in
 * the same format. fp32:
 *   - tokens equal the scalar path's except on near-tie frames (the paths round
 *     differently): at most 1% of frames may differ, and the count is printed;
 *   - decoding the scalar tokens gives audio within 1e-4 of the peak of the scalar
 *     decode (the golden tests' tolerance against PyTorch);
 *   - offline with 3 threads equals 1 thread bit for bit (layers split by columns,
 *     stages by time tiles, every output computed the same way);
 *   - for a causal model, streaming (one push per hop / per frame) equals that
 *     path's own offline result bit for bit.
 * bf16 and int8: every reduced-format kernel equals its scalar reference bit for bit
 * (test_kernels), but a model's end layers (one input or output channel) and the
 * VQ search stay fp32, where the paths sum in different orders: so the same
 * tolerances as fp32, and the thread and streaming checks as for fp32.
 * Usage: test_paths MODEL AUDIO (16 kHz mono; any libsndfile format) */
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "test_util.h"

static float *read_audio(const char *path, int64_t *n)
{
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f || info.channels != 1)
        return NULL;
    float *pcm = malloc((size_t)info.frames * sizeof *pcm);
    *n = pcm ? sf_readf_float(f, pcm, info.frames) : 0;
    sf_close(f);
    return pcm;
}

typedef struct result {
    hfc_token *tokens;
    float *audio; /* decode of the scalar tokens */
} result;

/* Encodes and decodes on one path; for causal models also checks streaming. */
static const char *const precision_names[] = {"auto", "fp32", "bf16", "int8"};

/* Returns the frames, 0 when the path does not run the precision here, -1 on
 * failure. */
static int run_path(const char *model_path, int cpu_path, int precision, const float *pcm,
                    int64_t n, const hfc_token *ref_tokens, result *out)
{
    hfc_model_options opt;
    hfc_model_options_init(&opt);
    opt.cpu_path = cpu_path;
    opt.precision = precision;
    hfc_model *m = hfc_model_load_file(model_path, &opt, NULL);
    if (!m)
        return -1;
    hfc_model_info info;
    hfc_model_get_info(m, &info);
    if (strcmp(info.precision, precision_names[precision]) != 0) {
        hfc_model_free(m);
        return 0; /* fell back to a wider format: nothing to compare */
    }
    const int64_t frames = hfc_model_frames_for_samples(m, n), n_out = frames * info.hop_samples;
    const size_t n_tokens = (size_t)(frames * info.n_codebooks);
    hfc_encoder *enc = hfc_encoder_create(m, NULL, NULL);
    hfc_decoder *dec = hfc_decoder_create(m, NULL, NULL);
    out->tokens = malloc(n_tokens * sizeof *out->tokens);
    out->audio = malloc((size_t)n_out * sizeof *out->audio);
    CHECK(hfc_encoder_encode(enc, pcm, n, out->tokens, frames) == frames);
    CHECK(hfc_decoder_decode(dec, ref_tokens ? ref_tokens : out->tokens, frames, out->audio,
                             n_out) == n_out);
    {
        hfc_encoder_options eo;
        hfc_decoder_options dopt;
        hfc_encoder_options_init(&eo);
        hfc_decoder_options_init(&dopt);
        eo.n_threads = dopt.n_threads = 3;
        hfc_encoder *enc3 = hfc_encoder_create(m, &eo, NULL);
        hfc_decoder *dec3 = hfc_decoder_create(m, &dopt, NULL);
        hfc_token *tokens3 = malloc(n_tokens * sizeof *tokens3);
        float *audio3 = malloc((size_t)n_out * sizeof *audio3);
        CHECK(hfc_encoder_encode(enc3, pcm, n, tokens3, frames) == frames);
        CHECK(hfc_decoder_decode(dec3, ref_tokens ? ref_tokens : out->tokens, frames, audio3,
                                 n_out) == n_out);
        CHECK_MSG(!memcmp(tokens3, out->tokens, n_tokens * sizeof *tokens3) &&
                      !memcmp(audio3, out->audio, (size_t)n_out * sizeof *audio3),
                  "%s %s: 3 threads differ from 1", info.cpu_path, info.precision);
        free(tokens3);
        free(audio3);
        hfc_encoder_destroy(enc3);
        hfc_decoder_destroy(dec3);
    }
    if (info.causal) {
        hfc_token *streamed = calloc(n_tokens + (size_t)info.n_codebooks, sizeof *streamed);
        float *pcm_out = malloc((size_t)info.hop_samples * sizeof *pcm_out);
        int64_t got = 0;
        for (int64_t f = 0; f < frames; f++)
            got += hfc_encoder_push(enc, pcm + f * info.hop_samples, info.hop_samples,
                                    streamed + got * info.n_codebooks, 2);
        CHECK_MSG(got == frames && !memcmp(streamed, out->tokens, n_tokens * sizeof *streamed),
                  "%s %s: streamed tokens differ from offline", info.cpu_path, info.precision);
        const hfc_token *t = ref_tokens ? ref_tokens : out->tokens;
        int same = 1;
        for (int64_t f = 0; f < frames; f++) {
            CHECK(hfc_decoder_push(dec, t + f * info.n_codebooks, 1, pcm_out, info.hop_samples) ==
                  info.hop_samples);
            same &= !memcmp(pcm_out, out->audio + f * info.hop_samples,
                            (size_t)info.hop_samples * sizeof *pcm_out);
        }
        CHECK_MSG(same, "%s %s: streamed audio differs from offline", info.cpu_path,
                  info.precision);
        free(streamed);
        free(pcm_out);
    }
    printf("path %s %s: %lld frames\n", info.cpu_path, info.precision, (long long)frames);
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    hfc_model_free(m);
    return (int)frames;
}

/* Every SIMD path in one precision against the scalar path in it. */
static void compare_paths(const char *model_path, int precision, const float *pcm, int64_t n,
                          int n_codebooks, int hop)
{
    result ref;
    const int frames = run_path(model_path, HFC_CPU_SCALAR, precision, pcm, n, NULL, &ref);
    CHECK_MSG(frames >= 0, "scalar %s: failed", precision_names[precision]);
    static const struct {
        const char *name;
        int path;
    } paths[] = {{"avx2", HFC_CPU_AVX2}, {"avx512", HFC_CPU_AVX512}, {"neon", HFC_CPU_NEON}};
    const unsigned have = hfc_cpu_features();
    for (size_t p = 0; p < sizeof paths / sizeof paths[0] && frames > 0; p++) {
        const hfc_kernels *k = NULL;
        for (int i = 0; hfc_kernel_tables[i]; i++)
            if (!strcmp(hfc_kernel_tables[i]->name, paths[p].name))
                k = hfc_kernel_tables[i];
        if (!k || (k->needs & have) != k->needs)
            continue;
        result got;
        const int got_frames = run_path(model_path, paths[p].path, precision, pcm, n,
                                        ref.tokens, &got);
        if (got_frames == 0)
            continue;
        if (got_frames != frames) {
            CHECK_MSG(0, "%s %s: wrong frame count", paths[p].name, precision_names[precision]);
            continue;
        }
        int differ = 0;
        for (int f = 0; f < frames; f++)
            differ +=
                memcmp(got.tokens + (size_t)f * n_codebooks, ref.tokens + (size_t)f * n_codebooks,
                       (size_t)n_codebooks * sizeof *got.tokens) != 0;
        double peak = 0.0, err = 0.0;
        for (int64_t i = 0; i < (int64_t)frames * hop; i++) {
            peak = fmax(peak, fabs(ref.audio[i]));
            err = fmax(err, fabs((double)got.audio[i] - ref.audio[i]));
        }
        const int same_audio =
            !memcmp(got.audio, ref.audio, (size_t)frames * (size_t)hop * sizeof *got.audio);
        printf("  %s %s vs scalar: %d of %d frames with other tokens; audio error %.3g of "
               "peak%s\n",
               paths[p].name, precision_names[precision], differ, frames, err / peak,
               same_audio ? " (bit-exact)" : "");
        CHECK_MSG(differ * 100 <= frames, "%s %s: %d of %d frames differ from scalar",
                  paths[p].name, precision_names[precision], differ, frames);
        CHECK_MSG(err <= 1e-4 * peak, "%s %s: audio error %.3g of peak", paths[p].name,
                  precision_names[precision], err / peak);
        free(got.tokens);
        free(got.audio);
    }
    if (frames > 0) {
        free(ref.tokens);
        free(ref.audio);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL AUDIO\n", argv[0]);
        return 2;
    }
    int64_t n = 0;
    float *pcm = read_audio(argv[2], &n);
    if (!pcm) {
        fprintf(stderr, "%s: cannot read 16 kHz mono audio\n", argv[2]);
        return 1;
    }
    hfc_model *probe = hfc_model_load_file(argv[1], NULL, NULL);
    const int n_codebooks = probe ? probe->cfg.groups * probe->cfg.layers : 0;
    const int hop = probe ? probe->cfg.hop : 0;
    hfc_model_free(probe);
    for (int precision = HFC_PRECISION_FP32; precision <= HFC_PRECISION_INT8; precision++)
        compare_paths(argv[1], precision, pcm, n, n_codebooks, hop);
    free(pcm);
    return hfc_test_finish("test_paths");
}
