/* hificodec bench: how fast the model runs here, and how close to the machine's FMA
 * peak. It needs the library's internals (per-stage profile, kernel tables), so the
 * CLI links libhificodec statically. */
#include "audio_io.h"
#include "cli_common.h"
#include "commands.h"
#include "file_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "batch.h"
#include "model.h"

static const char bench_help[] =
    "Usage: hificodec bench [OPTIONS] [AUDIO]\n"
    "\n"
    "Measure the model on this machine, on AUDIO (any file 'encode' reads) or on\n"
    "--seconds of a synthetic test signal (the one tools/bench_torch.py makes):\n"
    "  - the CPU kernel path and the core's peaks, from 12-chain loops: fp32 FMA,\n"
    "    and the bf16 and int8 dot products where this CPU has them;\n"
    "  - per stage of the encoder and decoder, on one thread: GOP, time, share of\n"
    "    time, and the GOP/s its convolutions reach and their share of the peak of\n"
    "    the format they run in; then each format's path in total (its stages'\n"
    "    GOP/s and share of that format's peak);\n"
    "  - encode and decode real-time factors for 1 .. --threads threads;\n"
    "  - streaming: time per hfc_encoder_push of one hop and hfc_decoder_push of one\n"
    "    frame (mean and 99th percentile), against offline time per frame;\n"
    "  - batched streaming (the daemon's): cost per stream and frame when 1, 2, 4 .. 32\n"
    "    streams push a frame each in one batch;\n"
    "  - peak resident memory.\n"
    "Each timing is the best of --repeat runs (per stage: each stage's best). The\n"
    "last lines, \"result KEY VALUE\", are for scripts (tools/bench-compare).\n"
    "\n"
    "Options:\n"
    "      --seconds S    length of the synthetic signal (default 10)\n"
    "      --repeat R     runs per timing, best kept (default 3)\n"
    "      --precision L  numeric formats to measure, comma-separated: fp32, bf16,\n"
    "                     int8 (the decoder's; the encoder runs fp32), or all; each\n"
    "                     gets its tables and result keys prefixed FORMAT. (default:\n"
    "                     the model's own, $HFC_PRECISION or the fastest, unprefixed)\n"
    "      --clock C      wall (default) or cpu: one-thread timings in the thread's\n"
    "                     CPU time, for a machine that other jobs load (more threads\n"
    "                     stay wall time)\n"
    "      --offline      the offline tables only (whole file, per stage): no\n"
    "                     streaming or batched measurements\n" HFC_CLI_COMMON_OPTIONS_HELP "\n"
    "Examples:\n"
    "  hificodec bench -m model.safetensors\n"
    "  HFC_CPU=avx2 hificodec bench --threads 1 speech.wav\n"
    "  hificodec bench --precision all --clock cpu --threads 1\n"
    "\n" HFC_CLI_EXIT_STATUS_HELP;

enum { OPT_SECONDS = HFC_CLI_OPT_FIRST_OWN, OPT_REPEAT, OPT_PRECISION, OPT_CLOCK, OPT_OFFLINE };

typedef struct bench_options {
    int seconds;
    int repeat;
    unsigned formats; /* bits of enum hfc_format; 0: the model's own */
    int cpu_clock;
    int offline_only;
} bench_options;

static int parse_formats(const char *value, unsigned *formats)
{
    char list[64];
    snprintf(list, sizeof list, "%s", value);
    *formats = 0;
    for (char *save = NULL, *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        int found = !strcmp(f, "all");
        *formats |= found ? (1u << HFC_FORMAT_COUNT) - 1 : 0;
        for (int i = 0; i < HFC_FORMAT_COUNT && !found; i++)
            if (!strcmp(f, hfc_format_name(i))) {
                *formats |= 1u << i;
                found = 1;
            }
        if (!found) {
            hfc_cli_print_error("bench", "--precision: '%s' is not fp32, bf16, int8 or all", f);
            return -1;
        }
    }
    return 0;
}

static int apply_bench_option(void *user, int id, const char *value)
{
    bench_options *o = user;
    if (id == OPT_SECONDS)
        return hfc_cli_parse_int("bench", "--seconds", value, 1, 3600, &o->seconds);
    if (id == OPT_PRECISION)
        return parse_formats(value, &o->formats);
    if (id == OPT_OFFLINE) {
        o->offline_only = 1;
        return 0;
    }
    if (id == OPT_CLOCK) {
        o->cpu_clock = !strcmp(value, "cpu");
        if (o->cpu_clock || !strcmp(value, "wall"))
            return 0;
        hfc_cli_print_error("bench", "--clock: '%s' is not wall or cpu", value);
        return -1;
    }
    return hfc_cli_parse_int("bench", "--repeat", value, 1, 100, &o->repeat);
}

/* The synthetic signal: three harmonics with a 3 Hz envelope and a little noise
 * from a 31-bit LCG. tools/bench_torch.py computes the same samples. */
static float *synthetic_signal(int64_t n, int rate_hz)
{
    float *x = malloc((size_t)n * sizeof *x);
    uint32_t lcg = 1;
    for (int64_t i = 0; x && i < n; i++) {
        const double t = (double)i / rate_hz, two_pi = 6.283185307179586;
        lcg = (lcg * 1103515245u + 12345u) & 0x7fffffffu;
        const double noise = lcg / 1073741824.0 - 1.0;
        const double tone = 0.3 * sin(two_pi * 150.0 * t) + 0.15 * sin(two_pi * 450.0 * t) +
                            0.05 * sin(two_pi * 1250.0 * t);
        x[i] = (float)(tone * (0.5 + 0.5 * sin(two_pi * 3.0 * t)) + 0.01 * noise);
    }
    return x;
}

/* ---- timing -------------------------------------------------------------- */

static double thread_seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The clock of the one-thread timings (--clock). */
static double (*one_thread_clock)(void) = hfc_cli_seconds_now;
static int offline_only; /* --offline */

/* The peak of each format on this CPU, GOP/s per core (0 where none): the path's
 * fp32 FMA loop and its bf16 / int8 dot-product loops. */
typedef struct peaks {
    double gops[HFC_FORMAT_COUNT];
} peaks;

static double peak_of(double (*loop)(long))
{
    double best = 0.0;
    for (int r = 0; r < 5; r++) {
        const double t0 = one_thread_clock();
        const double ops = loop(20 * 1000 * 1000);
        const double rate = ops / (one_thread_clock() - t0);
        best = rate > best ? rate : best;
    }
    return best * 1e-9;
}

static peaks measure_peaks(const hfc_kernels *kern)
{
    const unsigned have = hfc_cpu_features();
    const hfc_kernels *k = kern->fma_peak ? kern : NULL;
    for (int i = 0; !k && hfc_kernel_tables[i]; i++) {
        const hfc_kernels *t = hfc_kernel_tables[i];
        if (t->fma_peak && (t->needs & have) == t->needs)
            k = t;
    }
    peaks p = {{0}};
    if (!k)
        return p;
    p.gops[HFC_FORMAT_FP32] = peak_of(k->fma_peak);
    for (int f = HFC_FORMAT_BF16; f < HFC_FORMAT_COUNT; f++)
        if (k->dot_peak[f] && hfc_kernels_conv(k, f, have))
            p.gops[f] = peak_of(k->dot_peak[f]);
    return p;
}

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct latency {
    double mean_s, p99_s;
} latency;

static latency summarise(double *t, int64_t n)
{
    latency l = {0.0, 0.0};
    for (int64_t i = 0; i < n; i++)
        l.mean_s += t[i] / (double)n;
    qsort(t, (size_t)n, sizeof *t, compare_doubles);
    l.p99_s = n ? t[(int64_t)floor(0.99 * (double)(n - 1))] : 0.0;
    return l;
}

/* ---- per-stage profile (one thread) -------------------------------------- */

typedef struct stage_row {
    char name[64];
    int format; /* enum hfc_format of its convolutions; -1: none */
    double flop, conv_s, other_s;
} stage_row;

static int encoder_stage_rows(const hfc_model *m, const hfc_profile *p, stage_row *rows)
{
    const hfc_encoder_net *net = &m->enc;
    double rate = m->cfg.sample_rate;
    int n = 0;
    for (int s = 0; s <= net->n_stages + 1; s++) {
        stage_row *r = &rows[n++];
        const hfc_conv *first = s == 0 ? &net->pre : s <= net->n_stages ? &net->down[s - 1] : &net->post;
        if (s == 0)
            snprintf(r->name, sizeof r->name, "conv_pre %d->%d k%d", first->c_in, first->c_out,
                     first->kernel);
        else if (s <= net->n_stages) {
            rate /= first->stride;
            snprintf(r->name, sizeof r->name, "stage %d: %d->%d /%d, %.0f Hz", s, first->c_in,
                     first->c_out, first->stride, rate);
        } else
            snprintf(r->name, sizeof r->name, "conv_post %d->%d k%d", first->c_in, first->c_out,
                     first->kernel);
        r->format = first->ops->format;
        r->flop = p->stage[s].conv_flop;
        r->conv_s = p->stage[s].conv_s;
        r->other_s = p->stage[s].other_s;
    }
    return n;
}

static int decoder_stage_rows(const hfc_model *m, const hfc_profile *p, stage_row *rows)
{
    const hfc_generator_net *net = &m->gen;
    double rate = (double)m->cfg.sample_rate / m->cfg.hop;
    int n = 0;
    for (int s = 0; s <= net->n_stages + 1; s++) {
        stage_row *r = &rows[n++];
        if (s == 0) {
            snprintf(r->name, sizeof r->name, "conv_pre %d->%d k%d", net->pre.c_in, net->pre.c_out,
                     net->pre.kernel);
            r->format = net->pre.ops->format;
        } else if (s <= net->n_stages) {
            const hfc_convt *u = &net->up[s - 1];
            rate *= u->stride;
            snprintf(r->name, sizeof r->name, "stage %d: %d->%d x%d, %.0f Hz", s, u->c_in, u->c_out,
                     u->stride, rate);
            r->format = u->ops->format;
        } else {
            snprintf(r->name, sizeof r->name, "conv_post %d->%d k%d", net->post.c_in,
                     net->post.c_out, net->post.kernel);
            r->format = net->post.ops->format;
        }
        r->flop = p->stage[s].conv_flop;
        r->conv_s = p->stage[s].conv_s;
        r->other_s = p->stage[s].other_s;
    }
    if (net->head_type == HFC_HEAD_ISTFT) {
        stage_row *r = &rows[n++];
        const int s = net->n_stages + 2;
        snprintf(r->name, sizeof r->name, "istft head n_fft %d x%d, %.0f Hz", net->head.kernel,
                 net->head.stride, rate * net->head.stride);
        r->format = net->head.ops->format;
        r->flop = p->stage[s].conv_flop;
        r->conv_s = p->stage[s].conv_s;
        r->other_s = p->stage[s].other_s;
    }
    return n;
}

/* Keeps each stage's fastest run: rows of this run into best[] (n rows). */
static void keep_fastest(stage_row *best, const stage_row *rows, int n, int first_run)
{
    for (int i = 0; i < n; i++)
        if (first_run || rows[i].conv_s + rows[i].other_s < best[i].conv_s + best[i].other_s)
            best[i] = rows[i];
}

static void print_stages(const char *what, const stage_row *rows, int n, const peaks *pk)
{
    double total = 0.0;
    for (int i = 0; i < n; i++)
        total += rows[i].conv_s + rows[i].other_s;
    printf("\n%s, one thread, per stage (GOP/s and %% of the peak of their format: its\n"
           "convolutions; other: activations, sums and norms):\n",
           what);
    printf("  %-34s %6s %8s %9s %7s %9s %7s %9s\n", "stage", "format", "GOP", "ms", "share",
           "GOP/s", "peak", "other ms");
    for (int i = 0; i < n; i++) {
        const stage_row *r = &rows[i];
        const double gops = r->conv_s > 0.0 ? r->flop / r->conv_s * 1e-9 : 0.0;
        const double peak = r->format >= 0 ? pk->gops[r->format] : 0.0;
        printf("  %-34s %6s %8.3f %9.2f %6.1f%% %9.1f %6.1f%% %9.2f\n", r->name,
               r->format >= 0 ? hfc_format_name(r->format) : "-", r->flop * 1e-9,
               (r->conv_s + r->other_s) * 1e3, 100.0 * (r->conv_s + r->other_s) / total, gops,
               peak > 0.0 ? 100.0 * gops / peak : 0.0, r->other_s * 1e3);
    }
    /* Each format's path as a whole: its stages' convolutions together. */
    for (int f = 0; f < HFC_FORMAT_COUNT; f++) {
        double flop = 0.0, conv_s = 0.0;
        for (int i = 0; i < n; i++)
            if (rows[i].format == f) {
                flop += rows[i].flop;
                conv_s += rows[i].conv_s;
            }
        if (conv_s > 0.0)
            printf("  %-34s %6s %8.3f %9.2f %6.1f%% %9.1f %6.1f%%\n", "path total",
                   hfc_format_name(f), flop * 1e-9, conv_s * 1e3, 100.0 * conv_s / total,
                   flop / conv_s * 1e-9,
                   pk->gops[f] > 0.0 ? 100.0 * flop / conv_s * 1e-9 / pk->gops[f] : 0.0);
    }
}

/* Encoder stages, then the quantizer on their latent; each row's best of repeat. */
static void profile_encode(const hfc_model *m, const float *pcm, int64_t n, int repeat,
                           const peaks *pk)
{
    stage_row best[HFC_MAX_STAGES + 3];
    int n_rows = 0;
    hfc_token *tokens = malloc((size_t)hfc_model_frames_for_samples(m, n) *
                               (size_t)(m->cfg.groups * m->cfg.layers) * sizeof *tokens);
    hfc_workspace ws = {0}; /* kept across runs, as an encoder keeps it */
    for (int r = 0; r < repeat && tokens; r++) {
        hfc_profile prof;
        memset(&prof, 0, sizeof prof);
        prof.clock = one_thread_clock;
        const hfc_exec ex = {.kern = m->kern, .profile = &prof, .ws = &ws};
        hfc_act latent = {0};
        if (hfc_encoder_net_run(&m->enc, &ex, pcm, n, &latent) != HFC_OK)
            break;
        const double t0 = one_thread_clock();
        hfc_quantizer_encode(&m->vq, m->kern, &latent, tokens);
        const double vq_s = one_thread_clock() - t0;
        stage_row rows[HFC_MAX_STAGES + 3];
        int k = encoder_stage_rows(m, &prof, rows);
        snprintf(rows[k].name, sizeof rows[k].name, "vq %d x %d codes of %d",
                 m->cfg.layers * m->cfg.groups, m->cfg.codebook_size, m->vq.dim);
        rows[k].format = HFC_FORMAT_FP32;
        rows[k].flop = 2.0 * m->cfg.layers * m->cfg.groups * (double)m->cfg.codebook_size *
                       m->vq.dim * (double)latent.n;
        rows[k].conv_s = vq_s;
        rows[k].other_s = 0.0;
        n_rows = k + 1;
        keep_fastest(best, rows, n_rows, r == 0);
        hfc_act_free(&latent);
    }
    hfc_workspace_free(&ws);
    free(tokens);
    print_stages("Encode", best, n_rows, pk);
}

static void profile_decode(const hfc_model *m, const hfc_token *tokens, int64_t n_frames,
                           int repeat, const peaks *pk)
{
    stage_row best[HFC_MAX_STAGES + 3];
    int n_rows = 0;
    float *pcm = malloc((size_t)hfc_model_samples_for_frames(m, n_frames) * sizeof *pcm);
    hfc_workspace ws = {0}; /* kept across runs, as a decoder keeps it */
    for (int r = 0; r < repeat && pcm; r++) {
        hfc_profile prof;
        memset(&prof, 0, sizeof prof);
        prof.clock = one_thread_clock;
        const hfc_exec ex = {.kern = m->kern, .profile = &prof, .ws = &ws};
        hfc_act latent = {0};
        if (hfc_act_alloc(&latent, m->cfg.latent_dim, n_frames, 0) != HFC_OK)
            break;
        const double t0 = one_thread_clock();
        hfc_quantizer_decode(&m->vq, tokens, n_frames, &latent);
        const double vq_s = one_thread_clock() - t0;
        const int ok = hfc_generator_net_run(&m->gen, &ex, &latent, pcm) == HFC_OK;
        hfc_act_free(&latent);
        if (!ok)
            break;
        stage_row rows[HFC_MAX_STAGES + 3];
        snprintf(rows[0].name, sizeof rows[0].name, "codebook lookup");
        rows[0].format = -1;
        rows[0].flop = 0.0;
        rows[0].conv_s = 0.0;
        rows[0].other_s = vq_s;
        n_rows = 1 + decoder_stage_rows(m, &prof, rows + 1);
        keep_fastest(best, rows, n_rows, r == 0);
    }
    hfc_workspace_free(&ws);
    free(pcm);
    print_stages("Decode", best, n_rows, pk);
}

/* ---- whole codec through the public API ----------------------------------- */

/* Best-of-repeat seconds for an offline encode and decode with n_threads. */
static int time_offline(const hfc_model *m, int n_threads, int repeat, const float *pcm, int64_t n,
                        hfc_token *tokens, int64_t n_frames, float *out, double *enc_s,
                        double *dec_s)
{
    hfc_encoder_options eo;
    hfc_decoder_options dopt;
    hfc_encoder_options_init(&eo);
    hfc_decoder_options_init(&dopt);
    eo.n_threads = dopt.n_threads = n_threads;
    hfc_encoder *enc = hfc_encoder_create(m, &eo, NULL);
    hfc_decoder *dec = hfc_decoder_create(m, &dopt, NULL);
    int ok = enc && dec;
    /* Several threads: wall time, whatever the clock of one-thread timings. */
    double (*now)(void) = n_threads == 1 ? one_thread_clock : hfc_cli_seconds_now;
    *enc_s = *dec_s = INFINITY;
    for (int r = 0; r < repeat && ok; r++) {
        double t0 = now();
        ok = hfc_encoder_encode(enc, pcm, n, tokens, n_frames) == n_frames;
        double t1 = now();
        ok = ok && hfc_decoder_decode(dec, tokens, n_frames, out, n_frames * m->cfg.hop) > 0;
        double t2 = now();
        *enc_s = t1 - t0 < *enc_s ? t1 - t0 : *enc_s;
        *dec_s = t2 - t1 < *dec_s ? t2 - t1 : *dec_s;
    }
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    return ok ? 0 : -1;
}

/* One hfc_encoder_push per hop and one hfc_decoder_push per frame, each timed. */
static int time_streaming(const hfc_model *m, const float *pcm, int64_t n_frames,
                          const hfc_token *tokens, latency *enc_l, latency *dec_l)
{
    const int hop = m->cfg.hop, n_codebooks = m->cfg.groups * m->cfg.layers;
    hfc_encoder *enc = hfc_encoder_create(m, NULL, NULL);
    hfc_decoder *dec = hfc_decoder_create(m, NULL, NULL);
    double *t = malloc((size_t)n_frames * sizeof *t);
    hfc_token frame_tokens[2 * HFC_MAX_GROUPS * HFC_MAX_LAYERS];
    float *frame_pcm = malloc((size_t)hop * sizeof *frame_pcm);
    int ok = enc && dec && t && frame_pcm;
    for (int64_t f = 0; f < n_frames && ok; f++) {
        const double t0 = one_thread_clock();
        ok = hfc_encoder_push(enc, pcm + f * hop, hop, frame_tokens, 2) >= 0;
        t[f] = one_thread_clock() - t0;
    }
    if (ok)
        *enc_l = summarise(t, n_frames);
    for (int64_t f = 0; f < n_frames && ok; f++) {
        const double t0 = one_thread_clock();
        ok = hfc_decoder_push(dec, tokens + f * n_codebooks, 1, frame_pcm, hop) >= 0;
        t[f] = one_thread_clock() - t0;
    }
    if (ok)
        *dec_l = summarise(t, n_frames);
    free(t);
    free(frame_pcm);
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    return ok ? 0 : -1;
}

/* Prints "result PREFIXKEY VALUE". */
static void result(const char *prefix, const char *key, double value)
{
    printf("result %s%s %.9g\n", prefix, key, value);
}

/* Batched streaming: for batches of 1, 2, 4 .. 32 streams, each pushing one frame
 * per round (hfc_encoders_push_frame / hfc_decoders_push_frame), the best round's
 * cost per stream and frame. */
enum { MAX_BATCH = 32, BATCH_ROUNDS = 40 };

static int time_batches(const hfc_model *m, const float *pcm, int64_t n_frames,
                        const hfc_token *tokens, const char *prefix)
{
    const int hop = m->cfg.hop, nc = m->cfg.groups * m->cfg.layers;
    hfc_encoder *enc[MAX_BATCH];
    hfc_decoder *dec[MAX_BATCH];
    const float *in[MAX_BATCH];
    const hfc_token *tok_in[MAX_BATCH];
    hfc_token frame_tokens[MAX_BATCH][2 * HFC_MAX_GROUPS * HFC_MAX_LAYERS];
    hfc_token *tok_out[MAX_BATCH];
    float *pcm_out[MAX_BATCH];
    int64_t got[MAX_BATCH];
    int ok = 1;
    for (int i = 0; i < MAX_BATCH; i++) {
        enc[i] = hfc_encoder_create(m, NULL, NULL);
        dec[i] = hfc_decoder_create(m, NULL, NULL);
        tok_out[i] = frame_tokens[i];
        pcm_out[i] = malloc((size_t)hop * sizeof(float));
        ok &= enc[i] && dec[i] && pcm_out[i];
    }
    /* Past their look-ahead first, so every timed push produces a frame (a
     * non-causal model's first pushes only fill it). */
    for (int i = 0; i < MAX_BATCH && ok; i++) {
        const int64_t warm = 1 + (hfc_encoder_latency(enc[i]) + hfc_decoder_latency(dec[i])) / hop;
        for (int64_t w = 0; w < warm && ok; w++) {
            const int64_t f = (w + 7 * i) % n_frames;
            ok = hfc_encoder_push(enc[i], pcm + f * hop, hop, tok_out[i], 2) >= 0 &&
                 hfc_decoder_push(dec[i], tokens + f * nc, 1, pcm_out[i], hop) >= 0;
        }
    }
    printf("\nBatched streaming (streams pushing a frame each in one call, as the daemon's\n"
           "workers batch the streams due together): us per stream and frame, best round\n");
    printf("  %5s %10s %10s %10s %9s\n", "batch", "encode", "decode", "duplex", "vs 1");
    double one = 0.0;
    for (int b = 1; b <= MAX_BATCH && ok; b *= 2) {
        double enc_best = INFINITY, dec_best = INFINITY;
        for (int r = 0; r < BATCH_ROUNDS && ok; r++) {
            const int64_t f = r % n_frames;
            for (int i = 0; i < b; i++) { /* each stream its own place in the signal */
                in[i] = pcm + ((f + 7 * i) % n_frames) * hop;
                tok_in[i] = tokens + ((f + 7 * i) % n_frames) * nc;
            }
            const double t0 = one_thread_clock();
            ok = hfc_encoders_push_frame(enc, b, in, tok_out, got) == HFC_OK;
            const double t1 = one_thread_clock();
            ok = ok && hfc_decoders_push_frame(dec, b, tok_in, pcm_out, got) == HFC_OK;
            const double t2 = one_thread_clock();
            enc_best = t1 - t0 < enc_best ? t1 - t0 : enc_best;
            dec_best = t2 - t1 < dec_best ? t2 - t1 : dec_best;
        }
        const double e = enc_best / b * 1e6, d = dec_best / b * 1e6;
        one = b == 1 ? e + d : one;
        printf("  %5d %10.1f %10.1f %10.1f %8.2fx\n", b, e, d, e + d, one / (e + d));
        char key[48];
        snprintf(key, sizeof key, "batch_%d_duplex_us", b);
        result(prefix, key, e + d);
    }
    for (int i = 0; i < MAX_BATCH; i++) {
        hfc_encoder_destroy(enc[i]);
        hfc_decoder_destroy(dec[i]);
        free(pcm_out[i]);
    }
    return ok ? 0 : -1;
}


/* One model (one precision) through every measurement; keys prefixed by prefix. */
static int run_bench(const hfc_model *m, const float *pcm, int64_t n, int max_threads, int repeat,
                     const peaks *pk, const char *prefix)
{
    hfc_model_info info;
    hfc_model_get_info(m, &info);
    const double audio_s = (double)n / info.sample_rate_hz;
    const int64_t n_frames = hfc_model_frames_for_samples(m, n);
    if (n_frames < 1) {
        hfc_cli_print_error("bench", "the audio is shorter than one frame");
        return -1;
    }
    printf("\n== precision %s (decoder %s, encoder %s): model %s (%.3f GFLOP to encode, %.3f to "
           "decode a second of audio)\n",
           info.precision, hfc_format_name(m->gen.up[0].ops->format),
           hfc_format_name(m->enc.down[0].ops->format), info.name, info.encode_gflop_per_s,
           info.decode_gflop_per_s);
    printf("audio: %.2f s, %lld frames\n", audio_s, (long long)n_frames);

    hfc_token *tokens = malloc((size_t)(n_frames * info.n_codebooks) * sizeof *tokens);
    float *out = malloc((size_t)(n_frames * info.hop_samples) * sizeof *out);
    if (!tokens || !out) {
        free(tokens);
        free(out);
        hfc_cli_print_error("bench", "out of memory");
        return -1;
    }
    int status = 0;
    char key[64];
    printf("\nOffline, whole file (RTF: seconds of audio per second of compute):\n");
    printf("  %7s %10s %9s %9s %10s %9s %9s\n", "threads", "encode s", "RTF", "GFLOP/s", "decode s",
           "RTF", "GFLOP/s");
    double enc1 = 0.0, dec1 = 0.0;
    for (int t = 1; t <= max_threads && status == 0; t++) {
        double es, ds;
        status = time_offline(m, t, repeat, pcm, n, tokens, n_frames, out, &es, &ds);
        if (status != 0)
            break;
        printf("  %7d %10.3f %8.1fx %9.1f %10.3f %8.1fx %9.1f\n", t, es, audio_s / es,
               info.encode_gflop_per_s * audio_s / es, ds, audio_s / ds,
               info.decode_gflop_per_s * audio_s / ds);
        snprintf(key, sizeof key, "encode_s_%dt", t);
        result(prefix, key, es);
        snprintf(key, sizeof key, "decode_s_%dt", t);
        result(prefix, key, ds);
        if (t == 1) {
            enc1 = es;
            dec1 = ds;
        }
    }
    if (status == 0) {
        profile_encode(m, pcm, n, repeat, pk);
        profile_decode(m, tokens, n_frames, repeat, pk);
    }
    if (status == 0 && !offline_only) {
        latency el, dl;
        status = time_streaming(m, pcm, n_frames, tokens, &el, &dl);
        if (status == 0) {
            const double enc_frame = enc1 / (double)n_frames, dec_frame = dec1 / (double)n_frames;
            printf(
                "\nStreaming, one thread, per %.0f ms frame (offline: one-thread time / frames):\n",
                1e3 * info.hop_samples / info.sample_rate_hz);
            printf("  %-8s %10s %10s %12s %8s\n", "", "mean us", "p99 us", "offline us",
                   "stream/offline");
            printf("  %-8s %10.1f %10.1f %12.1f %7.2fx\n", "encode", el.mean_s * 1e6,
                   el.p99_s * 1e6, enc_frame * 1e6, el.mean_s / enc_frame);
            printf("  %-8s %10.1f %10.1f %12.1f %7.2fx\n", "decode", dl.mean_s * 1e6,
                   dl.p99_s * 1e6, dec_frame * 1e6, dl.mean_s / dec_frame);
            printf("  %-8s %10.1f %10.1f\n", "duplex", (el.mean_s + dl.mean_s) * 1e6,
                   (el.p99_s + dl.p99_s) * 1e6);
            result(prefix, "stream_encode_mean_s", el.mean_s);
            result(prefix, "stream_encode_p99_s", el.p99_s);
            result(prefix, "stream_decode_mean_s", dl.mean_s);
            result(prefix, "stream_decode_p99_s", dl.p99_s);
            status = time_batches(m, pcm, n_frames, tokens, prefix);
        }
    }
    free(tokens);
    free(out);
    if (status != 0)
        hfc_cli_print_error("bench", "a codec call failed");
    return status;
}

/* The model in the precision asked by HFC_PRECISION (set here), or NULL. */
static hfc_model *load_in(const hfc_cli_common *common, int format)
{
    if (format >= 0)
        setenv("HFC_PRECISION", hfc_format_name(format), 1);
    return hfc_cli_model_load(common, NULL, 0);
}

int hfc_cmd_bench(int argc, char **argv)
{
    static const hfc_cli_option options[] = {HFC_CLI_COMMON_OPTIONS,
                                             {"seconds", 0, 1, OPT_SECONDS},
                                             {"repeat", 0, 1, OPT_REPEAT},
                                             {"precision", 0, 1, OPT_PRECISION},
                                             {"clock", 0, 1, OPT_CLOCK},
                                             {"offline", 0, 0, OPT_OFFLINE},
                                             {NULL, 0, 0, 0}};
    hfc_cli_common common;
    bench_options bo = {10, 3, 0, 0, 0};
    const char *audio_path[1];
    int n_args = hfc_cli_parse_command("bench", argc, argv, options, &common, apply_bench_option,
                                       &bo, audio_path, 1);
    if (n_args < 0)
        return HFC_CLI_EXIT_USAGE;
    if (common.help) {
        fputs(bench_help, stdout);
        return HFC_CLI_EXIT_OK;
    }
    one_thread_clock = bo.cpu_clock ? thread_seconds_now : hfc_cli_seconds_now;
    offline_only = bo.offline_only;
    hfc_model *model = load_in(&common, -1);
    if (model == NULL)
        return HFC_CLI_EXIT_FAILURE;
    const int rate = model->cfg.sample_rate;
    hfc_cli_audio audio = {0};
    char err[HFC_CLI_ERROR_BYTES];
    int status = HFC_CLI_EXIT_FAILURE;
    if (n_args == 1) {
        if (hfc_cli_audio_read(audio_path[0], rate, &audio, err, sizeof err) != 0)
            hfc_cli_print_error(hfc_cli_input_name(audio_path[0]), "%s", err);
    } else {
        audio.n_samples = (int64_t)bo.seconds * rate;
        audio.samples = synthetic_signal(audio.n_samples, rate);
        audio.rate_hz = rate;
    }
    if (audio.samples) {
        const int max_threads = common.n_threads > 0 ? common.n_threads : hfc_pool_cores();
        const peaks pk = measure_peaks(model->kern);
        printf("cpu path: %s; %d cores; peaks per core (12-chain loops, %s clock): fp32 FMA %.1f, "
               "bf16 dot %.1f, int8 dot %.1f GOP/s (0: none here)\n",
               model->kern->name, hfc_pool_cores(), bo.cpu_clock ? "thread CPU" : "wall",
               pk.gops[HFC_FORMAT_FP32], pk.gops[HFC_FORMAT_BF16], pk.gops[HFC_FORMAT_INT8]);
        status = HFC_CLI_EXIT_OK;
        if (!bo.formats && run_bench(model, audio.samples, audio.n_samples, max_threads, bo.repeat,
                                     &pk, "") != 0)
            status = HFC_CLI_EXIT_FAILURE;
        for (int f = 0; f < HFC_FORMAT_COUNT && status == HFC_CLI_EXIT_OK; f++) {
            if (!(bo.formats & (1u << f)))
                continue;
            hfc_model *mf = load_in(&common, f);
            char prefix[16];
            snprintf(prefix, sizeof prefix, "%s.", hfc_format_name(f));
            if (mf && mf->precision != f)
                printf("\n== precision %s: no kernels on this CPU's path\n", hfc_format_name(f));
            else if (!mf || run_bench(mf, audio.samples, audio.n_samples, max_threads, bo.repeat,
                                      &pk, prefix) != 0)
                status = HFC_CLI_EXIT_FAILURE;
            hfc_model_free(mf);
        }
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("\npeak RSS: %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
        for (int f = 0; f < HFC_FORMAT_COUNT; f++) {
            char key[32];
            snprintf(key, sizeof key, "peak_%s_gops", hfc_format_name(f));
            result("", key, pk.gops[f]);
        }
        result("", "fma_peak_gflops", pk.gops[HFC_FORMAT_FP32]);
        result("", "peak_rss_mb", (double)ru.ru_maxrss / 1024.0);
        result("", "audio_s", (double)audio.n_samples / rate);
    }
    hfc_cli_audio_free(&audio);
    hfc_model_free(model);
    return status;
}
