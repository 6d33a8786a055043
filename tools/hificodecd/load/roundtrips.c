/* hificodecd-load --roundtrips: N concurrent utterance round trips (encode a clip,
 * decode its tokens), each on its own thread and connection, against the daemon or
 * in this process (one encoder and decoder per thread, one worker thread each: the
 * same work as N `hificodec roundtrip` runs side by side). Reports the wall time
 * from the moment every thread is ready to the last one done. */
#include "roundtrips.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct shared {
    const char *socket_path; /* NULL: in-process on model */
    hfc_model *model;
    const float *pcm;
    int64_t n_samples;
    pthread_barrier_t start;
} shared;

typedef struct job {
    shared *sh;
    pthread_t thread;
    double done_s; /* CLOCK_MONOTONIC */
    int64_t frames;
    int failed;
} job;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The clip: bench's synthetic signal shape (harmonics under a 3 Hz envelope). */
static float *make_clip(int64_t n, int rate_hz)
{
    float *x = malloc((size_t)n * sizeof *x);
    for (int64_t i = 0; x && i < n; i++) {
        const double t = (double)i / rate_hz, w = 6.283185307179586;
        x[i] = (float)((0.3 * sin(w * 150 * t) + 0.15 * sin(w * 450 * t)) *
                       (0.5 + 0.5 * sin(w * 3 * t)));
    }
    return x;
}

static void *run_job(void *arg)
{
    job *j = arg;
    shared *sh = j->sh;
    hfc_client *client = NULL;
    hfc_encoder *enc = NULL;
    hfc_decoder *dec = NULL;
    int64_t cap = sh->n_samples / 160 + 2; /* frames, for any hop >= 160 */
    hfc_token *tokens = malloc((size_t)cap * 8 * sizeof *tokens);
    float *out = malloc((size_t)(sh->n_samples + 4096) * sizeof *out);
    if (sh->socket_path) {
        hfc_client_options co;
        hfc_client_options_init(&co);
        co.name = "hificodecd-load roundtrip";
        co.timeout_ms = 120000;
        client = hfc_client_create(sh->socket_path, &co, NULL);
    } else {
        enc = hfc_encoder_create(sh->model, NULL, NULL);
        dec = hfc_decoder_create(sh->model, NULL, NULL);
    }
    j->failed = !tokens || !out || (sh->socket_path ? !client : !enc || !dec);
    pthread_barrier_wait(&sh->start);
    if (!j->failed) {
        j->frames = client ? hfc_client_encode(client, sh->pcm, sh->n_samples, tokens, cap)
                           : hfc_encoder_encode(enc, sh->pcm, sh->n_samples, tokens, cap);
        int64_t got = j->frames < 0 ? j->frames
                      : client      ? hfc_client_decode(client, tokens, j->frames, out,
                                                        sh->n_samples + 4096)
                                    : hfc_decoder_decode(dec, tokens, j->frames, out,
                                                         sh->n_samples + 4096);
        j->failed = got < 0;
        if (got < 0)
            fprintf(stderr, "hificodecd-load: round trip: %s\n", hfc_strerror((int)got));
    }
    j->done_s = now_s();
    hfc_client_destroy(client);
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    free(tokens);
    free(out);
    return NULL;
}

int hfcl_run_roundtrips(const char *socket_path, const char *model_path, int n, double audio_s)
{
    shared sh = {.socket_path = socket_path};
    int rate = 16000, st = HFC_OK;
    if (!socket_path) {
        sh.model = hfc_model_load_file(model_path, NULL, &st);
        if (!sh.model) {
            fprintf(stderr, "hificodecd-load: %s: %s\n", model_path, hfc_strerror(st));
            return -1;
        }
        hfc_model_info info;
        hfc_model_get_info(sh.model, &info);
        rate = info.sample_rate_hz;
    } else {
        hfc_client *c = hfc_client_create(socket_path, NULL, &st);
        hfc_client_info info;
        if (!c || hfc_client_get_info(c, &info) != HFC_OK) {
            fprintf(stderr, "hificodecd-load: connect: %s\n", hfc_strerror(st));
            hfc_client_destroy(c);
            return -1;
        }
        rate = info.sample_rate_hz;
        hfc_client_destroy(c);
    }
    sh.n_samples = (int64_t)(audio_s * rate);
    float *pcm = make_clip(sh.n_samples, rate);
    job *jobs = calloc((size_t)n, sizeof *jobs);
    sh.pcm = pcm;
    pthread_barrier_init(&sh.start, NULL, (unsigned)n + 1);
    int started = 0;
    for (; started < n; started++) {
        jobs[started].sh = &sh;
        if (pthread_create(&jobs[started].thread, NULL, run_job, &jobs[started]) != 0)
            break;
    }
    if (started < n) { /* the barrier would never open */
        fprintf(stderr, "hificodecd-load: cannot start %d threads\n", n);
        exit(1);
    }
    pthread_barrier_wait(&sh.start);
    const double t0 = now_s();
    double last = t0;
    int failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(jobs[i].thread, NULL);
        last = jobs[i].done_s > last ? jobs[i].done_s : last;
        failed += jobs[i].failed;
    }
    printf("%d concurrent %.0f s round trips %s: %.3f s wall (%.3f s each on average)%s\n", n,
           audio_s, socket_path ? "through the daemon" : "in-process", last - t0,
           (last - t0) / n, failed ? " FAILED" : "");
    printf("result roundtrips_%d_s %.6f\n", n, last - t0);
    pthread_barrier_destroy(&sh.start);
    free(jobs);
    free(pcm);
    hfc_model_free(sh.model);
    return failed ? -1 : 0;
}
