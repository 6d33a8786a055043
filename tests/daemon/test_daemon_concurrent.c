/* 50 concurrent duplex streams, one client thread each, all open at once: every
 * stream's tokens and PCM equal its own in-process reference (each stream has its
 * own signal and random chunking), so no stream sees another's state, however the
 * workers interleave them. The daemon reports the 50 streams while they are open
 * and none once they have closed. Every other stream pushes whole frames, so the
 * workers run those in batches (hfcd_stream_run_batch), which must not change a bit
 * either; the daemon's log says how many ran batched.
 * Usage: test_daemon_concurrent HIFICODECD CAUSAL_MODEL [N_STREAMS] */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "hificodec.h"
#include "test_util.h"

#define SECONDS 2

static hfc_model *model;
static hfc_model_info info;
static const char *socket_path;
static pthread_barrier_t all_open, checked;

typedef struct job {
    int index;
    uint64_t rng;
    int failures;
    int64_t frames, samples;
} job;

static uint64_t next(job *j)
{
    j->rng ^= j->rng << 13;
    j->rng ^= j->rng >> 7;
    j->rng ^= j->rng << 17;
    return j->rng;
}

#define FAIL_IF(cond, ...)                                         \
    do {                                                           \
        if (cond) {                                                \
            fprintf(stderr, "stream %d: ", j->index);              \
            fprintf(stderr, __VA_ARGS__);                          \
            fputc('\n', stderr);                                   \
            j->failures++;                                         \
        }                                                          \
    } while (0)

static void run(job *j, hfc_client *client, int stream)
{
    const int hop = info.hop_samples, nc = info.n_codebooks;
    int64_t n = SECONDS * info.sample_rate_hz;
    float *pcm = malloc((size_t)n * sizeof *pcm);
    double f0 = 100.0 + 10.0 * j->index;
    for (int64_t i = 0; i < n; i++)
        pcm[i] = (float)(0.3 * sin(2 * M_PI * f0 * (double)i / info.sample_rate_hz) +
                         0.02 * ((double)(next(j) % 2001) / 1000.0 - 1.0));
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    hfc_token want[64 * 4], got[64 * 4];
    float want_pcm[64 * 320], got_pcm[64 * 320];
    for (int64_t pos = 0; pos < n && !j->failures;) {
        int64_t k = j->index % 2 ? hop : (int64_t)(next(j) % (uint64_t)(4 * hop)) + 1;
        if (k > n - pos)
            k = n - pos;
        int64_t w = hfc_encoder_push(enc, pcm + pos, k, want, 64);
        int64_t g = hfc_client_encode_push(client, stream, pcm + pos, k, got, 64);
        FAIL_IF(g != w || (g > 0 && memcmp(want, got, (size_t)(g * nc) * sizeof *got)),
                "encode at %lld: %lld frames vs %lld, or different", (long long)pos,
                (long long)g, (long long)w);
        pos += k;
        if (g <= 0)
            continue;
        j->frames += g;
        /* Decode what was encoded, in the same chunks. */
        int64_t ws = hfc_decoder_push(dec, want, w, want_pcm, 64 * hop);
        int64_t gs = hfc_client_decode_push(client, stream, got, g, got_pcm, 64 * hop);
        FAIL_IF(gs != ws || (gs > 0 && memcmp(want_pcm, got_pcm, (size_t)gs * sizeof *got_pcm)),
                "decode: %lld samples vs %lld, or different", (long long)gs, (long long)ws);
        j->samples += gs > 0 ? gs : 0;
    }
    (void)nc;
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    free(pcm);
}

static void *thread_main(void *arg)
{
    job *j = arg;
    int st;
    hfc_client_options co;
    hfc_client_options_init(&co);
    co.timeout_ms = 60000; /* 50 streams on a loaded 2-core machine */
    hfc_client *client = hfc_client_create(socket_path, &co, &st);
    int stream = client ? hfc_client_open(client, NULL, NULL) : HFC_ERR_IO;
    FAIL_IF(stream <= 0, "open: %s", hfc_strerror(client ? stream : st));
    pthread_barrier_wait(&all_open);
    pthread_barrier_wait(&checked);
    if (stream > 0) {
        run(j, client, stream);
        FAIL_IF(hfc_client_close_stream(client, stream) != HFC_OK, "close");
    }
    hfc_client_destroy(client);
    return NULL;
}

static int64_t daemon_streams(void)
{
    hfc_client *client = hfc_client_create(socket_path, NULL, NULL);
    hfc_client_stats stats;
    int st = client ? hfc_client_get_stats(client, 0, &stats) : HFC_ERR_IO;
    hfc_client_destroy(client);
    return st == HFC_OK ? stats.streams : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_daemon_concurrent HIFICODECD MODEL [N]\n");
        return 2;
    }
    int n_streams = argc > 3 ? atoi(argv[3]) : 50;
    uint64_t seed = hfc_test_seed();
    model = hfc_model_load_file(argv[2], NULL, NULL);
    if (!model)
        return 1;
    hfc_model_get_info(model, &info);
    /* libhificodec reserves about 130 MB of buffers per duplex stream that it
     * mostly never touches; malloc perturbation (meson sets MALLOC_PERTURB_) would
     * touch them all: 6.6 GB for 50 streams. The other daemon tests keep it. */
    unsetenv("MALLOC_PERTURB_");
    hfcd_test_daemon d;
    char max[16];
    snprintf(max, sizeof max, "%d", n_streams + 8);
    const char *extra[] = {"--max-streams", max, "--cpu-budget", "0", NULL};
    if (hfcd_test_start(&d, argv[1], argv[2], extra) != 0) {
        hfcd_test_cleanup(&d);
        return 1;
    }
    socket_path = d.socket_path;
    job *jobs = calloc((size_t)n_streams, sizeof *jobs);
    pthread_t *threads = calloc((size_t)n_streams, sizeof *threads);
    pthread_barrier_init(&all_open, NULL, (unsigned)n_streams + 1);
    pthread_barrier_init(&checked, NULL, (unsigned)n_streams + 1);
    for (int i = 0; i < n_streams; i++) {
        jobs[i].index = i;
        jobs[i].rng = seed * 2654435761u + (uint64_t)i + 1;
        pthread_create(&threads[i], NULL, thread_main, &jobs[i]);
    }
    pthread_barrier_wait(&all_open);
    int64_t open_now = daemon_streams();
    CHECK_MSG(open_now == n_streams, "daemon reports %lld streams open, want %d",
              (long long)open_now, n_streams);
    pthread_barrier_wait(&checked);
    int64_t frames = 0, samples = 0;
    for (int i = 0; i < n_streams; i++) {
        pthread_join(threads[i], NULL);
        hfc_test_failures += jobs[i].failures;
        frames += jobs[i].frames;
        samples += jobs[i].samples;
    }
    CHECK(frames == (int64_t)n_streams * (SECONDS * info.sample_rate_hz / info.hop_samples));
    /* A stream is gone once its worker lets go, a moment after its CLOSED. */
    int64_t left = daemon_streams();
    for (int i = 0; i < 100 && left != 0; i++) {
        usleep(20000);
        left = daemon_streams();
    }
    CHECK_MSG(left == 0, "%lld streams left open", (long long)left);
    printf("%d concurrent duplex streams: %lld frames and %lld samples, all identical to "
           "in-process\n", n_streams, (long long)frames, (long long)samples);
    CHECK_MSG(hfcd_test_stop(&d, SIGTERM, 20000) == 0, "the daemon did not exit cleanly");
    FILE *log = fopen(d.log_path, "r");
    char line[512];
    while (log && fgets(line, sizeof line, log))
        if (strstr(line, "batches"))
            printf("daemon: %s", strstr(line, "stopped"));
    if (log)
        fclose(log);
    if (hfc_test_failures)
        hfcd_test_print_log(&d);
    hfcd_test_cleanup(&d);
    free(jobs);
    free(threads);
    hfc_model_free(model);
    return hfc_test_finish("test_daemon_concurrent");
}
