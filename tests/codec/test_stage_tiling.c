/* The encoder's GroupNorm stages (the official model's) run their resblocks tiled
 * over time and combine the outputs through GroupNorm afterwards (stage_run.c). That
 * must change no bit against the layer-by-layer pass: the latent of a GroupNorm
 * model, on every kernel path this machine runs and with the encoder in each format
 * (HFC_PRECISION_ENCODER), with 1 and 3 threads, equals the layer-by-layer latent
 * exactly.
 * Usage: test_stage_tiling MODEL   (a model with GroupNorm; HFC_TEST_SEED repeats) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hificodec.h"
#include "model.h"
#include "network.h"
#include "test_util.h"
#include "threadpool.h"

/* The latent of pcm, or 0 columns when the pass failed. */
static hfc_act encode(const hfc_model *m, hfc_pool *pool, int layer_by_layer, const float *pcm,
                      int64_t n)
{
    const hfc_exec ex = {.kern = m->kern, .pool = pool, .layer_by_layer = layer_by_layer};
    hfc_act latent = {0};
    if (hfc_encoder_net_run(&m->enc, &ex, pcm, n, &latent) != HFC_OK)
        hfc_act_free(&latent);
    return latent;
}

static int same(const hfc_act *a, const hfc_act *b)
{
    if (a->channels != b->channels || a->n != b->n || a->n == 0)
        return 0;
    for (int c = 0; c < a->channels; c++)
        if (memcmp(hfc_act_row(a, c), hfc_act_row(b, c), (size_t)a->n * sizeof(float)))
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODEL\n", argv[0]);
        return 2;
    }
    hfc_test_seed();
    const int64_t n = 16000 + (int64_t)(hfc_test_rand_u64() % 20000); /* 1-2.25 s */
    float *pcm = malloc((size_t)n * sizeof *pcm);
    for (int64_t t = 0; t < n; t++)
        pcm[t] = 0.3f * sinf(0.05f * (float)t) * sinf(0.0007f * (float)t) +
                 0.05f * (float)hfc_test_rand_normal();
    hfc_pool *pool = hfc_pool_create(3);
    int compared = 0;
    for (int path = HFC_CPU_SCALAR; path <= HFC_CPU_NEON; path++)
        for (int precision = HFC_PRECISION_FP32; precision <= HFC_PRECISION_INT8; precision++) {
            hfc_model_options opt;
            hfc_model_options_init(&opt);
            opt.cpu_path = path;
            opt.precision = precision;
            static const char *const formats[] = {"auto", "fp32", "bf16", "int8"};
            setenv("HFC_PRECISION_ENCODER", formats[precision], 1);
            hfc_model *m = hfc_model_load_file(argv[1], &opt, NULL);
            if (!m)
                continue;
            hfc_model_info info;
            hfc_model_get_info(m, &info);
            if (!m->enc.group_norm) {
                printf("model without GroupNorm: nothing to compare\n");
                hfc_model_free(m);
                break;
            }
            /* A path or format this CPU lacks fell back: compared under its own name. */
            static const char *const names[] = {"auto", "scalar", "avx2", "avx512", "neon"};
            const int enc_format = m->enc.rb[0][0].convs1[0].ops->format;
            if (strcmp(info.cpu_path, names[path]) != 0 ||
                enc_format != precision - HFC_PRECISION_FP32) {
                hfc_model_free(m);
                continue;
            }
            hfc_act ref = encode(m, NULL, 1, pcm, n);
            for (int threads = 1; threads <= 3; threads += 2) {
                hfc_act got = encode(m, threads > 1 ? pool : NULL, 0, pcm, n);
                const int equal = same(&got, &ref);
                printf("%s, encoder %s, %d thread(s): %d x %lld latent, tiled %s layer by layer\n",
                       info.cpu_path, hfc_format_name(enc_format), threads, ref.channels,
                       (long long)ref.n, equal ? "==" : "DIFFERS from");
                CHECK_MSG(equal, "%s, encoder %s, %d thread(s): tiled latent differs",
                          info.cpu_path, formats[precision], threads);
                hfc_act_free(&got);
            }
            hfc_act_free(&ref);
            hfc_model_free(m);
            compared++;
        }
    hfc_pool_destroy(pool);
    free(pcm);
    CHECK_MSG(compared > 0, "no model ran");
    return hfc_test_finish("test_stage_tiling");
}
