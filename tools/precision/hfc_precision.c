/* hfc-precision: how close the reduced formats (bf16, int8) come to fp32 on real
 * speech, for the model given, on this CPU's kernel path.
 *
 *   hfc-precision check MODEL DIR [--limit N]
 *       The accuracy bar (include/hificodec.h, enum hfc_precision) of bf16 and of
 *       the int8 plan against fp32: offline tokens equal on >= 99% of frames, and
 *       the fp32 tokens decoded within 30 dB (bf16) / 25 dB (int8) SNR of the fp32
 *       decode. Then the default: every format that meets the bar (fp32 always
 *       does) times its decoder on one thread (thread CPU time, best of 5, on the
 *       first 20 s: offline decode and one push per frame), and the format
 *       HFC_PRECISION_AUTO picks must meet the bar and be within 10% of the
 *       fastest of them on both. Exit 0 when all hold, 1 when not, 77 when DIR
 *       has no audio or a format has no kernels here (nothing to measure).
 *   hfc-precision layers MODEL DIR [--limit N]
 *       Calibration: every convolution alone in int8 (the rest fp32), then alone in
 *       bf16: an encoder layer's token agreement and latent SNR, a generator
 *       layer's decode SNR. What the int8 plan (src/model/precision.c) is built from.
 *
 * DIR is searched recursively for .flac and .wav files (16 kHz mono), in sorted
 * order; --limit takes the first N. The measures pool every file: agreement over
 * all frames, SNR as total signal over total error power. */
#include <dirent.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "model.h"
#include "precision.h"

typedef struct clip {
    float *pcm;
    int64_t n;
} clip;

typedef struct corpus {
    clip *clips;
    int n;
    double seconds;
} corpus;

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends every .flac / .wav path under dir to *paths. */
static void find_audio(const char *dir, char ***paths, int *n, int *cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            find_audio(path, paths, n, cap);
        } else if (ends_with(path, ".flac") || ends_with(path, ".wav")) {
            if (*n == *cap) {
                *cap = *cap ? 2 * *cap : 64;
                *paths = realloc(*paths, (size_t)*cap * sizeof **paths);
            }
            (*paths)[(*n)++] = strdup(path);
        }
    }
    if (d)
        closedir(d);
}

static int load_corpus(const char *dir, int limit, int rate, corpus *c)
{
    char **paths = NULL;
    int n = 0, cap = 0;
    find_audio(dir, &paths, &n, &cap);
    if (n > 1)
        qsort(paths, (size_t)n, sizeof *paths, compare_paths);
    if (limit > 0 && n > limit)
        n = limit;
    c->clips = calloc((size_t)(n > 0 ? n : 1), sizeof *c->clips);
    for (int i = 0; i < n; i++) {
        SF_INFO info = {0};
        SNDFILE *f = sf_open(paths[i], SFM_READ, &info);
        if (f && info.channels == 1 && info.samplerate == rate) {
            clip *k = &c->clips[c->n];
            k->pcm = malloc((size_t)info.frames * sizeof *k->pcm);
            k->n = sf_readf_float(f, k->pcm, info.frames);
            c->seconds += (double)k->n / rate;
            c->n++;
        } else {
            fprintf(stderr, "hfc-precision: %s: not %d Hz mono audio, skipped\n", paths[i], rate);
        }
        if (f)
            sf_close(f);
    }
    for (int i = 0; i < cap && i < n; i++)
        free(paths[i]);
    free(paths);
    return c->n;
}

/* Offline tokens and decodes of a whole corpus on one model. */
typedef struct run {
    hfc_token **tokens; /* per clip */
    int64_t *frames;
    float **audio;      /* decode of the reference tokens */
} run;

static void free_run(run *r, int n)
{
    for (int i = 0; i < n; i++) {
        free(r->tokens[i]);
        free(r->audio[i]);
    }
    free(r->tokens), free(r->frames), free(r->audio);
}

/* Encodes every clip (when enc) and decodes ref's tokens, or its own when ref is
 * NULL (when dec). */
static void run_model(const hfc_model *m, const corpus *c, const run *ref, int enc, int dec,
                      run *r)
{
    const int nc = m->cfg.groups * m->cfg.layers;
    r->tokens = calloc((size_t)c->n, sizeof *r->tokens);
    r->frames = calloc((size_t)c->n, sizeof *r->frames);
    r->audio = calloc((size_t)c->n, sizeof *r->audio);
    hfc_encoder *e = hfc_encoder_create(m, NULL, NULL);
    hfc_decoder *d = hfc_decoder_create(m, NULL, NULL);
    for (int i = 0; i < c->n; i++) {
        const int64_t frames = hfc_model_frames_for_samples(m, c->clips[i].n);
        r->frames[i] = frames;
        if (enc) {
            r->tokens[i] = malloc((size_t)(frames * nc) * sizeof **r->tokens);
            hfc_encoder_encode(e, c->clips[i].pcm, c->clips[i].n, r->tokens[i], frames);
        }
        if (dec) {
            const hfc_token *t = ref ? ref->tokens[i] : r->tokens[i];
            r->audio[i] = malloc((size_t)(frames * m->cfg.hop) * sizeof **r->audio);
            hfc_decoder_decode(d, t, frames, r->audio[i], frames * m->cfg.hop);
        }
    }
    hfc_encoder_destroy(e);
    hfc_decoder_destroy(d);
}

/* Fraction of frames whose tokens all equal ref's. */
static double agreement(const run *a, const run *ref, int n, int nc)
{
    int64_t same = 0, total = 0;
    for (int i = 0; i < n; i++)
        for (int64_t f = 0; f < ref->frames[i]; f++) {
            same += !memcmp(a->tokens[i] + f * nc, ref->tokens[i] + f * nc,
                            (size_t)nc * sizeof(hfc_token));
            total++;
        }
    return total ? (double)same / (double)total : 0.0;
}

static double snr_db(double signal, double noise)
{
    return noise > 0.0 ? 10.0 * log10(signal / noise) : INFINITY;
}

static double audio_snr(const run *a, const run *ref, int n, int hop)
{
    double s = 0.0, e = 0.0;
    for (int i = 0; i < n; i++)
        for (int64_t t = 0; t < ref->frames[i] * hop; t++) {
            const double d = (double)a->audio[i][t] - ref->audio[i][t];
            s += (double)ref->audio[i][t] * ref->audio[i][t];
            e += d * d;
        }
    return snr_db(s, e);
}

static hfc_model *load(const char *path, int precision)
{
    hfc_model_options o;
    hfc_model_options_init(&o);
    o.precision = precision;
    int st;
    hfc_model *m = hfc_model_load_file(path, &o, &st);
    if (!m)
        fprintf(stderr, "hfc-precision: %s: %s\n", path, hfc_strerror(st));
    return m;
}

static double thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

enum { TIMED_SECONDS = 20, TIMED_REPEAT = 5 };

/* One thread's CPU time to decode ref's tokens of the first clips (up to
 * TIMED_SECONDS of audio) offline and by one push a frame: the best of
 * TIMED_REPEAT runs each, per frame. The encoder is fp32 in every format, so the
 * decoder is what the formats change. */
static void time_decoder(const hfc_model *m, const corpus *c, const run *ref, double *offline_s,
                         double *stream_s)
{
    const int nc = m->cfg.groups * m->cfg.layers, hop = m->cfg.hop;
    int n = 0;
    int64_t frames = 0, most = 0;
    for (double s = 0.0; n < c->n && s < TIMED_SECONDS; n++) {
        s += (double)c->clips[n].n / m->cfg.sample_rate;
        frames += ref->frames[n];
        most = ref->frames[n] > most ? ref->frames[n] : most;
    }
    hfc_decoder *d = hfc_decoder_create(m, NULL, NULL);
    float *pcm = malloc((size_t)(most * hop) * sizeof *pcm);
    *offline_s = *stream_s = INFINITY;
    for (int r = 0; r < TIMED_REPEAT && d && pcm; r++) {
        double t0 = thread_seconds();
        for (int i = 0; i < n; i++)
            hfc_decoder_decode(d, ref->tokens[i], ref->frames[i], pcm, most * hop);
        const double t1 = thread_seconds();
        for (int i = 0; i < n; i++) {
            for (int64_t f = 0; f < ref->frames[i]; f++)
                hfc_decoder_push(d, ref->tokens[i] + f * nc, 1, pcm, hop);
            hfc_decoder_reset(d);
        }
        const double t2 = thread_seconds();
        *offline_s = fmin(*offline_s, (t1 - t0) / (double)frames);
        *stream_s = fmin(*stream_s, (t2 - t1) / (double)frames);
    }
    free(pcm);
    hfc_decoder_destroy(d);
}

/* The default format (HFC_PRECISION_AUTO, the environment's override removed) must
 * meet the bar and be the fastest that does, within 10% (timing noise of a shared
 * machine; the formats differ by 25% or more where they have kernels). Returns the
 * failures (0 or 1). */
static int check_auto(const char *model_path, const corpus *c, const run *ref,
                      const int meets[HFC_FORMAT_COUNT])
{
    unsetenv("HFC_PRECISION");
    hfc_model *m_auto = load(model_path, HFC_PRECISION_AUTO);
    if (!m_auto)
        return 1;
    const int chosen = m_auto->precision;
    hfc_model_free(m_auto);
    printf("\ndecoder, one thread, us per frame (CPU time, best of %d, first %d s):\n",
           TIMED_REPEAT, TIMED_SECONDS);
    printf("%-6s %10s %10s  %s\n", "format", "offline", "stream", "bar");
    double off[HFC_FORMAT_COUNT], str[HFC_FORMAT_COUNT], best_off = INFINITY, best_str = INFINITY;
    for (int f = HFC_FORMAT_FP32; f < HFC_FORMAT_COUNT; f++) {
        off[f] = str[f] = INFINITY;
        hfc_model *m = load(model_path, HFC_PRECISION_FP32 + f);
        if (m && m->precision == f) {
            time_decoder(m, c, ref, &off[f], &str[f]);
            printf("%-6s %10.1f %10.1f  %s\n", hfc_format_name(f), off[f] * 1e6, str[f] * 1e6,
                   meets[f] ? "met" : "not met");
            printf("result %s_decode_offline_us %.3f\nresult %s_decode_stream_us %.3f\n",
                   hfc_format_name(f), off[f] * 1e6, hfc_format_name(f), str[f] * 1e6);
            if (meets[f]) {
                best_off = fmin(best_off, off[f]);
                best_str = fmin(best_str, str[f]);
            }
        }
        hfc_model_free(m);
    }
    const int ok = meets[chosen] && off[chosen] <= 1.1 * best_off && str[chosen] <= 1.1 * best_str;
    printf("default (auto): %s: %s\n", hfc_format_name(chosen),
           ok ? "meets the bar and is the fastest that does (within 10%)"
              : "NOT the fastest format that meets the bar");
    return !ok;
}

static int check(const char *model_path, const corpus *c)
{
    hfc_model *m32 = load(model_path, HFC_PRECISION_FP32);
    if (!m32)
        return 1;
    run ref;
    run_model(m32, c, NULL, 1, 1, &ref);
    const int nc = m32->cfg.groups * m32->cfg.layers, hop = m32->cfg.hop;
    printf("%d files, %.1f s of speech; kernels %s\n", c->n, c->seconds, m32->kern->name);
    printf("%-6s %8s %14s %12s  %s\n", "format", "layers", "tokens equal", "decode SNR", "bar");
    int failed = 0, measured = 0;
    int meets[HFC_FORMAT_COUNT] = {[HFC_FORMAT_FP32] = 1};
    static const struct {
        int precision;
        double min_snr_db;
    } bars[] = {{HFC_PRECISION_BF16, 30.0}, {HFC_PRECISION_INT8, 25.0}};
    for (size_t b = 0; b < sizeof bars / sizeof bars[0]; b++) {
        hfc_model *m = load(model_path, bars[b].precision);
        if (!m)
            return 1;
        const int format = bars[b].precision - HFC_PRECISION_FP32;
        if (m->precision != format) {
            printf("%-6s: no kernels on this CPU, not measured\n", hfc_format_name(format));
            hfc_model_free(m);
            continue;
        }
        run r;
        run_model(m, c, &ref, 1, 1, &r);
        const double agree = agreement(&r, &ref, c->n, nc), snr = audio_snr(&r, &ref, c->n, hop);
        const int ok = agree >= 0.99 && snr >= bars[b].min_snr_db;
        printf("%-6s %8s %13.2f%% %9.1f dB  %s (>= 99%%, >= %.0f dB)\n", hfc_format_name(format),
               "plan", 100.0 * agree, snr, ok ? "met" : "NOT MET", bars[b].min_snr_db);
        printf("result %s_tokens_equal %.6f\nresult %s_snr_db %.3f\n", hfc_format_name(format),
               agree, hfc_format_name(format), snr);
        failed += !ok;
        measured++;
        meets[format] = ok;
        free_run(&r, c->n);
        hfc_model_free(m);
    }
    failed += check_auto(model_path, c, &ref, meets);
    free_run(&ref, c->n);
    hfc_model_free(m32);
    return failed ? 1 : measured ? 0 : 77;
}

typedef struct layer_list {
    hfc_conv *cv[256];
    hfc_convt *cvt[256];
    hfc_layer_role role[256];
    int n;
} layer_list;

static int collect(void *ctx, hfc_conv *cv, hfc_convt *cvt, const hfc_layer_role *role)
{
    layer_list *l = ctx;
    if (l->n == 256)
        return 1;
    l->cv[l->n] = cv;
    l->cvt[l->n] = cvt;
    l->role[l->n++] = *role;
    return 0;
}

static const char *kind_name(int kind)
{
    static const char *const names[] = {"conv_pre", "resample", "resblock", "conv_post", "head"};
    return names[kind];
}

/* The encoder's latent of every clip (for the latent SNR of encoder layers). */
static double latent_snr(const hfc_model *m, const hfc_model *m32, const corpus *c)
{
    double s = 0.0, e = 0.0;
    for (int i = 0; i < c->n; i++) {
        hfc_act a = {0}, b = {0};
        hfc_encoder_net_forward(&m->enc, m->kern, c->clips[i].pcm, c->clips[i].n, &a);
        hfc_encoder_net_forward(&m32->enc, m32->kern, c->clips[i].pcm, c->clips[i].n, &b);
        for (int ch = 0; ch < a.channels; ch++)
            for (int64_t t = 0; t < a.n; t++) {
                const double r = hfc_act_row(&b, ch)[t], d = hfc_act_row(&a, ch)[t] - r;
                s += r * r;
                e += d * d;
            }
        hfc_act_free(&a);
        hfc_act_free(&b);
    }
    return snr_db(s, e);
}

static int layers(const char *model_path, const corpus *c)
{
    hfc_model *m32 = load(model_path, HFC_PRECISION_FP32);
    hfc_model *m = load(model_path, HFC_PRECISION_FP32);
    if (!m32 || !m)
        return 1;
    run ref;
    run_model(m32, c, NULL, 1, 1, &ref);
    const int nc = m32->cfg.groups * m32->cfg.layers, hop = m32->cfg.hop;
    layer_list l = {.n = 0};
    hfc_model_for_each_layer(m, collect, &l);
    printf("%d files, %.1f s of speech; kernels %s. Each layer alone in the format, the rest "
           "fp32:\n",
           c->n, c->seconds, m->kern->name);
    printf("%-4s %-9s %5s %-9s %-16s %6s %13s %11s %11s\n", "net", "stage", "index", "kind",
           "shape", "format", "tokens equal", "latent SNR", "decode SNR");
    for (int i = 0; i < l.n; i++) {
        const hfc_layer_role *role = &l.role[i];
        char shape[32];
        if (l.cv[i])
            snprintf(shape, sizeof shape, "%d->%d k%d d%d", l.cv[i]->c_in, l.cv[i]->c_out,
                     l.cv[i]->kernel, l.cv[i]->dilation);
        else
            snprintf(shape, sizeof shape, "%d->%d k%d x%d", l.cvt[i]->c_in, l.cvt[i]->c_out,
                     l.cvt[i]->kernel, l.cvt[i]->stride);
        for (int format = HFC_FORMAT_INT8; format >= HFC_FORMAT_BF16; format--) {
            if (hfc_layer_set_format(m, l.cv[i], l.cvt[i], format) != HFC_OK)
                continue;
            run r;
            const int enc = role->net == 0;
            run_model(m, c, &ref, enc, !enc, &r);
            printf("%-4s %-9d %5d %-9s %-16s %6s", enc ? "enc" : "gen", role->stage, i,
                   kind_name(role->kind), shape, hfc_format_name(format));
            if (enc)
                printf(" %12.2f%% %8.1f dB %11s\n", 100.0 * agreement(&r, &ref, c->n, nc),
                       latent_snr(m, m32, c), "");
            else
                printf(" %13s %11s %8.1f dB\n", "", "", audio_snr(&r, &ref, c->n, hop));
            fflush(stdout);
            free_run(&r, c->n);
            hfc_layer_set_format(m, l.cv[i], l.cvt[i], HFC_FORMAT_FP32);
        }
    }
    free_run(&ref, c->n);
    hfc_model_free(m);
    hfc_model_free(m32);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4 || (strcmp(argv[1], "check") && strcmp(argv[1], "layers"))) {
        fprintf(stderr, "usage: hfc-precision check|layers MODEL DIR [--limit N]\n");
        return 2;
    }
    const int limit = argc >= 6 && !strcmp(argv[4], "--limit") ? atoi(argv[5]) : 0;
    hfc_model *probe = load(argv[2], HFC_PRECISION_FP32);
    if (!probe)
        return 1;
    const int rate = probe->cfg.sample_rate;
    hfc_model_free(probe);
    corpus c = {0};
    if (load_corpus(argv[3], limit, rate, &c) == 0) {
        printf("hfc-precision: no %d Hz audio under %s: skipped\n", rate, argv[3]);
        return 77;
    }
    const int st = !strcmp(argv[1], "check") ? check(argv[2], &c) : layers(argv[2], &c);
    for (int i = 0; i < c.n; i++)
        free(c.clips[i].pcm);
    free(c.clips);
    return st;
}
