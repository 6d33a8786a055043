/* Utterances on every worker: N clients run offline round trips (hfc_client_encode,
 * then hfc_client_decode of the tokens) at once, each on its own signal, while one
 * real-time stream is open for the first round and none for the second; then one
 * utterance runs alone (the daemon lends it every core). Every result must equal
 * the in-process offline calls bit for bit, whichever worker, codec and thread
 * count computed it.
 * Usage: test_daemon_utterances HIFICODECD CAUSAL_MODEL [N_CLIENTS] */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "hificodec.h"
#include "test_util.h"

#define SECONDS 3

static hfc_model *model;
static hfc_model_info info;
static const char *socket_path;

typedef struct job {
    int index;
    int failures;
} job;

static void *round_trip(void *arg)
{
    job *j = arg;
    const int64_t n = SECONDS * info.sample_rate_hz, max_frames = n / info.hop_samples + 2;
    const int nc = info.n_codebooks;
    float *pcm = malloc((size_t)n * sizeof *pcm);
    float *want_pcm = malloc((size_t)n * sizeof *pcm), *got_pcm = malloc((size_t)n * sizeof *pcm);
    hfc_token *want = malloc((size_t)(max_frames * nc) * sizeof *want);
    hfc_token *got = malloc((size_t)(max_frames * nc) * sizeof *got);
    for (int64_t i = 0; i < n; i++)
        pcm[i] = (float)(0.3 * sin(0.02 * (double)i * (1.0 + 0.1 * j->index)) *
                         sin(0.0007 * (double)i));
    hfc_encoder *enc = hfc_encoder_create(model, NULL, NULL);
    hfc_decoder *dec = hfc_decoder_create(model, NULL, NULL);
    const int64_t wf = hfc_encoder_encode(enc, pcm, n, want, max_frames);
    const int64_t ws = hfc_decoder_decode(dec, want, wf, want_pcm, n);
    hfc_client_options co;
    hfc_client_options_init(&co);
    co.timeout_ms = 60000; /* a loaded 2-core machine */
    hfc_client *client = hfc_client_create(socket_path, &co, NULL);
    const int64_t gf = client ? hfc_client_encode(client, pcm, n, got, max_frames) : HFC_ERR_IO;
    const int64_t gs = gf > 0 ? hfc_client_decode(client, got, gf, got_pcm, n) : gf;
    if (gf != wf || memcmp(got, want, (size_t)(wf * nc) * sizeof *got) != 0 || gs != ws ||
        memcmp(got_pcm, want_pcm, (size_t)ws * sizeof *got_pcm) != 0) {
        fprintf(stderr, "client %d: %lld frames / %lld samples vs %lld / %lld, or different\n",
                j->index, (long long)gf, (long long)gs, (long long)wf, (long long)ws);
        j->failures++;
    }
    hfc_client_destroy(client);
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    free(pcm), free(want_pcm), free(got_pcm), free(want), free(got);
    return NULL;
}

static void run_round(int n_clients, const char *what)
{
    job *jobs = calloc((size_t)n_clients, sizeof *jobs);
    pthread_t *threads = calloc((size_t)n_clients, sizeof *threads);
    for (int i = 0; i < n_clients; i++) {
        jobs[i].index = i;
        pthread_create(&threads[i], NULL, round_trip, &jobs[i]);
    }
    int failures = 0;
    for (int i = 0; i < n_clients; i++) {
        pthread_join(threads[i], NULL);
        failures += jobs[i].failures;
    }
    CHECK_MSG(failures == 0, "%s: %d of %d round trips differ from in-process", what, failures,
              n_clients);
    printf("%d concurrent utterance round trips %s: identical to in-process\n", n_clients, what);
    free(jobs);
    free(threads);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_daemon_utterances HIFICODECD MODEL [N]\n");
        return 2;
    }
    const int n_clients = argc > 3 ? atoi(argv[3]) : 8;
    model = hfc_model_load_file(argv[2], NULL, NULL);
    if (!model)
        return 1;
    hfc_model_get_info(model, &info);
    hfcd_test_daemon d;
    const char *extra[] = {"--threads", "2", "--cpu-budget", "0", NULL};
    if (hfcd_test_start(&d, argv[1], argv[2], extra) != 0) {
        hfcd_test_cleanup(&d);
        return 1;
    }
    socket_path = d.socket_path;
    /* A real-time stream open: utterances keep to one thread each. */
    hfc_client *rt = hfc_client_create(socket_path, NULL, NULL);
    const int stream = rt ? hfc_client_open(rt, NULL, NULL) : HFC_ERR_IO;
    CHECK_MSG(stream > 0, "open a real-time stream: %s", hfc_strerror(stream));
    run_round(n_clients, "beside a real-time stream");
    hfc_client_destroy(rt);
    run_round(n_clients, "with no real-time stream");
    run_round(1, "alone (every core)");
    CHECK_MSG(hfcd_test_stop(&d, SIGTERM, 20000) == 0, "the daemon did not exit cleanly");
    if (hfc_test_failures)
        hfcd_test_print_log(&d);
    hfcd_test_cleanup(&d);
    hfc_model_free(model);
    return hfc_test_finish("test_daemon_utterances");
}
