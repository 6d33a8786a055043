#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "client/protocol.h"
#include "log.h"

/* The cost measurement: a few frames to warm the caches up, then frames until
 * either enough were timed or the time limit is spent (large models are slow). */
#define WARMUP_FRAMES 2
#define MIN_TIMED_FRAMES 2
#define MAX_TIMED_FRAMES 25
#define MAX_MEASURE_NS 1000000000LL

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Times streaming encode and decode, frame by frame, as the workers run them. */
static int measure(hfcd_model *m)
{
    const hfc_model_info *info = &m->info;
    int hop = info->hop_samples, nc = info->n_codebooks;
    hfc_encoder *enc = hfc_encoder_create(m->model, NULL, NULL);
    hfc_decoder *dec = hfc_decoder_create(m->model, NULL, NULL);
    float *pcm = malloc((size_t)hop * sizeof *pcm);
    hfc_token *tokens = malloc((size_t)2 * nc * sizeof *tokens);
    int status = enc && dec && pcm && tokens ? HFC_OK : HFC_ERR_NO_MEMORY;
    int64_t enc_ns = 0, dec_ns = 0;
    int timed = 0;
    uint32_t noise = 12345;
    for (int frame = 0; status == HFC_OK && timed < MAX_TIMED_FRAMES; frame++) {
        for (int i = 0; i < hop; i++) { /* speech-level noise with a tone */
            noise = noise * 1664525u + 1013904223u;
            pcm[i] = 0.1f * sinf(0.05f * (float)(frame * hop + i)) +
                     0.02f * ((float)(noise >> 8) / 16777216.0f - 0.5f);
        }
        for (int k = 0; k < nc; k++)
            tokens[k] =
                (hfc_token)((uint32_t)(frame * 131 + k * 17) % (uint32_t)info->codebook_size);
        int64_t t0 = thread_cpu_ns();
        int64_t got = hfc_encoder_push(enc, pcm, hop, tokens + nc, 2);
        int64_t t1 = thread_cpu_ns();
        int64_t out = hfc_decoder_push(dec, tokens, 1, pcm, hop);
        int64_t t2 = thread_cpu_ns();
        if (got < 0 || out < 0) {
            status = (int)(got < 0 ? got : out);
            break;
        }
        if (frame < WARMUP_FRAMES)
            continue;
        enc_ns += t1 - t0;
        dec_ns += t2 - t1;
        timed++;
        if (timed >= MIN_TIMED_FRAMES && enc_ns + dec_ns > MAX_MEASURE_NS)
            break;
    }
    if (status == HFC_OK) {
        m->encode_us = (double)enc_ns / timed / 1000.0;
        m->decode_us = (double)dec_ns / timed / 1000.0;
        m->encoder_latency_samples = hfc_encoder_latency(enc);
        m->decoder_latency_samples = hfc_decoder_latency(dec);
    }
    hfc_encoder_destroy(enc);
    hfc_decoder_destroy(dec);
    free(pcm);
    free(tokens);
    return status;
}

hfcd_model *hfcd_model_load(const char *path, int ready_streams)
{
    hfcd_model *m = calloc(1, sizeof *m);
    if (m && hfcd_stock_init(&m->stock, ready_streams) != 0) {
        hfcd_stock_free(&m->stock);
        free(m);
        m = NULL;
    }
    if (!m) {
        hfcd_log(HFCD_LOG_ERROR, "%s: out of memory", path);
        return NULL;
    }
    atomic_init(&m->refs, 1);
    pthread_mutex_init(&m->wide_lock, NULL);
    hfc_model_options options;
    hfc_model_options_init(&options);
    options.log = hfcd_log_from_library;
    int status;
    m->model = hfc_model_load_file(path, &options, &status);
    if (!m->model) {
        hfcd_log(HFCD_LOG_ERROR, "%s: %s", path, hfc_strerror(status));
        hfcd_stock_free(&m->stock);
        free(m);
        return NULL;
    }
    hfc_model_get_info(m->model, &m->info);
    /* The wire carries tokens as uint16 (models/FORMAT.md allows at most 65536). */
    if (m->info.codebook_size > 65536) {
        hfcd_log(HFCD_LOG_ERROR, "%s: codebook size %d exceeds the protocol's 65536", path,
                 m->info.codebook_size);
        status = HFC_ERR_UNSUPPORTED;
    } else {
        status = measure(m);
        if (status != HFC_OK)
            hfcd_log(HFCD_LOG_ERROR, "%s: measuring the model: %s", path, hfc_strerror(status));
    }
    if (status != HFC_OK) {
        hfcd_model_unref(m);
        return NULL;
    }
    return m;
}

void hfcd_model_ref(hfcd_model *model)
{
    atomic_fetch_add_explicit(&model->refs, 1, memory_order_relaxed);
}

void hfcd_model_unref(hfcd_model *model)
{
    if (!model || atomic_fetch_sub_explicit(&model->refs, 1, memory_order_acq_rel) != 1)
        return;
    hfc_encoder_destroy(model->wide_encoder);
    hfc_decoder_destroy(model->wide_decoder);
    hfcd_stock_free(&model->stock);
    pthread_mutex_destroy(&model->wide_lock);
    hfc_model_free(model->model);
    free(model);
}

int hfcd_model_borrow_wide(hfcd_model *model, int n_threads)
{
    if (pthread_mutex_trylock(&model->wide_lock) != 0)
        return 0;
    if (!model->wide_encoder) {
        hfc_encoder_options eo;
        hfc_encoder_options_init(&eo);
        eo.n_threads = n_threads;
        hfc_decoder_options dopt;
        hfc_decoder_options_init(&dopt);
        dopt.n_threads = n_threads;
        model->wide_encoder = hfc_encoder_create(model->model, &eo, NULL);
        model->wide_decoder = hfc_decoder_create(model->model, &dopt, NULL);
    }
    if (model->wide_encoder && model->wide_decoder)
        return 1;
    pthread_mutex_unlock(&model->wide_lock);
    return 0;
}

void hfcd_model_return_wide(hfcd_model *model)
{
    pthread_mutex_unlock(&model->wide_lock);
}

/* Moves one direction's accumulated timings into *us, weighting the new mean by
 * how many frames it covers (a second of one stream counts 20%). */
static void fold(double *us, _Atomic uint64_t *ns, _Atomic uint64_t *frames, double frame_rate)
{
    uint64_t n = atomic_exchange_explicit(frames, 0, memory_order_relaxed);
    uint64_t t = atomic_exchange_explicit(ns, 0, memory_order_relaxed);
    if (n == 0)
        return;
    double weight = fmin(0.5, 0.2 * (double)n / frame_rate);
    *us += weight * ((double)t / (double)n / 1000.0 - *us);
}

void hfcd_model_update_cost(hfcd_model *model)
{
    fold(&model->encode_us, &model->encode_ns, &model->encode_frames, model->info.frame_rate_hz);
    fold(&model->decode_us, &model->decode_ns, &model->decode_frames, model->info.frame_rate_hz);
}

double hfcd_model_stream_cost(const hfcd_model *model, int directions)
{
    double us = 0;
    if (directions & HFC_PROTO_DIR_ENCODE)
        us += model->encode_us;
    if (directions & HFC_PROTO_DIR_DECODE)
        us += model->decode_us;
    return us * model->info.frame_rate_hz / 1e6;
}
