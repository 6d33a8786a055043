#include "stream_engine.h"

#include "cli_common.h"
#include "stream_clock.h"
#include "stream_resample.h"
#include "stream_stats.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Frames between encoding and the DAC time that measures them; a few seconds'
 * worth, beyond which the oldest go unmeasured. */
#define PENDING_FRAMES 512

typedef struct pending_frame {
    uint64_t play_index;    /* playback ring index of the frame's first sample */
    double tokens_s;        /* when its tokens came out */
    double adc_s;           /* when its first sample was captured; NAN: unknown */
} pending_frame;

struct hfc_stream_engine {
    hfc_stream_engine_config config;
    hfc_stream_codec_info info;
    pthread_t thread;
    int started;
    atomic_int input_ended;
    atomic_int finished;
    char error_what[HFC_CLI_ERROR_BYTES];
    char error_why[HFC_CLI_ERROR_BYTES];
    int failed;

    /* The engine thread's own state. */
    int decoding;
    hfc_resampler to_model;
    hfc_resampler to_device;
    float *captured;
    size_t capture_chunk;
    hfc_token *tokens;
    int64_t max_frames;
    long push_samples;              /* most samples one encode call takes */
    float *decoded;
    int64_t max_decoded;
    hfc_sample_clock capture_clock;
    hfc_sample_clock playback_clock;
    pending_frame pending[PENDING_FRAMES];
    int pending_first;
    int pending_count;
    int64_t consumed;               /* capture samples taken from the ring */
    int64_t frames;                 /* frames encoded */
    int64_t dropped_out;            /* device-rate samples that found playback full */
    double late_budget_s;

    /* Shared with snapshot, under lock. */
    pthread_mutex_t lock;
    hfc_latency_stats capture_to_tokens;
    hfc_latency_stats tokens_to_playback;
    hfc_latency_stats end_to_end;
    int64_t shared_frames;
    int64_t shared_consumed;
    int64_t late_frames;
    int64_t shared_dropped_out;
    double level_sum_squares;
    int64_t level_count;
};

static int fail(hfc_stream_engine *engine, const char *what, const char *why)
{
    snprintf(engine->error_what, sizeof engine->error_what, "%s", what);
    snprintf(engine->error_why, sizeof engine->error_why, "%s", why);
    return -1;
}

static int fail_codec(hfc_stream_engine *engine, int status)
{
    char what[HFC_CLI_ERROR_BYTES], why[HFC_CLI_ERROR_BYTES];
    hfc_stream_codec_name(engine->config.codec, what, sizeof what);
    hfc_stream_codec_explain(engine->config.codec, status, why, sizeof why);
    return fail(engine, what, why);
}

hfc_stream_engine *hfc_stream_engine_create(const hfc_stream_engine_config *config, char *err,
                                            size_t err_bytes)
{
    hfc_stream_engine *engine = calloc(1, sizeof *engine);
    if (engine == NULL) {
        hfc_cli_fail(err, err_bytes, "out of memory");
        return NULL;
    }
    engine->config = *config;
    engine->info = config->codec->info;
    const hfc_stream_codec_info *info = &engine->info;
    int capture_rate = config->capture->rate_hz;
    engine->decoding = config->playback != NULL || config->record != NULL;
    atomic_init(&engine->input_ended, 0);
    atomic_init(&engine->finished, 0);
    pthread_mutex_init(&engine->lock, NULL);

    /* Read at most 50 ms at a time: far more than arrives between two polls.
     * Its samples at the model's rate, plus what the resampler may have held
     * back, make one push (or a few, when the daemon takes less). */
    engine->capture_chunk = (size_t)capture_rate / 20 + 1;
    size_t model_chunk = (size_t)ceil(engine->capture_chunk * (double)info->sample_rate_hz /
                                      capture_rate) + 4096;
    if (model_chunk > (size_t)info->max_push_samples)
        model_chunk = (size_t)info->max_push_samples;
    engine->push_samples = (long)model_chunk;
    engine->max_frames = (int64_t)model_chunk / info->hop_samples + 1;
    int64_t flush_frames = info->encoder_latency_samples / info->hop_samples + 2;
    if (engine->max_frames < flush_frames)
        engine->max_frames = flush_frames;
    engine->max_decoded = (engine->max_frames + 1) * info->hop_samples +
                          info->decoder_latency_samples;
    engine->captured = malloc(engine->capture_chunk * sizeof *engine->captured);
    engine->tokens = malloc((size_t)engine->max_frames * (size_t)info->n_codebooks *
                            sizeof *engine->tokens);
    engine->decoded = malloc((size_t)engine->max_decoded * sizeof *engine->decoded);
    if (engine->captured == NULL || engine->tokens == NULL || engine->decoded == NULL) {
        hfc_cli_fail(err, err_bytes, "out of memory");
        hfc_stream_engine_destroy(engine);
        return NULL;
    }
    if (hfc_resampler_init(&engine->to_model, capture_rate, info->sample_rate_hz,
                           engine->capture_chunk, err, err_bytes) != 0 ||
        (config->playback != NULL &&
         hfc_resampler_init(&engine->to_device, info->sample_rate_hz, config->playback->rate_hz,
                            (size_t)engine->max_decoded, err, err_bytes) != 0)) {
        hfc_stream_engine_destroy(engine);
        return NULL;
    }
    hfc_sample_clock_init(&engine->capture_clock, capture_rate, HFC_CLOCK_CONTINUOUS);
    if (config->playback != NULL)
        hfc_sample_clock_init(&engine->playback_clock, config->playback->rate_hz,
                              HFC_CLOCK_PER_BLOCK);
    /* Tokens are late when the codec took longer than it had: one frame, plus the
     * capture buffer the frame's last sample may have waited in. */
    engine->late_budget_s = (double)info->hop_samples / info->sample_rate_hz +
                            config->capture->latency_s;
    return engine;
}

/* ---- latency bookkeeping ------------------------------------------------------ */

/* The capture ring index of model-rate sample k: the resampler maps times by the
 * ratio alone (stream_resample.h). */
static uint64_t capture_index(const hfc_stream_engine *engine, int64_t k)
{
    return (uint64_t)(k * engine->config.capture->rate_hz / engine->info.sample_rate_hz);
}

static void push_pending(hfc_stream_engine *engine, const pending_frame *frame)
{
    if (engine->pending_count == PENDING_FRAMES) { /* playback stalled: forget the oldest */
        engine->pending_first = (engine->pending_first + 1) % PENDING_FRAMES;
        engine->pending_count--;
    }
    engine->pending[(engine->pending_first + engine->pending_count) % PENDING_FRAMES] = *frame;
    engine->pending_count++;
}

/* Frames whose first sample has reached a played block get their playback
 * latencies; the others wait for later marks. */
static void resolve_played(hfc_stream_engine *engine)
{
    hfc_sample_clock_pull(&engine->playback_clock, &engine->config.playback->marks);
    while (engine->pending_count > 0) {
        const pending_frame *frame = &engine->pending[engine->pending_first];
        double dac_s;
        int found = hfc_sample_clock_time(&engine->playback_clock, frame->play_index, &dac_s);
        if (found == HFC_CLOCK_NOT_YET)
            return;
        if (found == HFC_CLOCK_FOUND) {
            pthread_mutex_lock(&engine->lock);
            hfc_latency_add(&engine->tokens_to_playback, dac_s - frame->tokens_s);
            if (!isnan(frame->adc_s))
                hfc_latency_add(&engine->end_to_end, dac_s - frame->adc_s);
            pthread_mutex_unlock(&engine->lock);
        }
        engine->pending_first = (engine->pending_first + 1) % PENDING_FRAMES;
        engine->pending_count--;
    }
}

/* Capture-to-tokens of frames [first, first + n), whose tokens came out at now_s;
 * queues them for the playback figures. */
static void measure_frames(hfc_stream_engine *engine, int64_t first, int64_t n, double now_s)
{
    int hop = engine->info.hop_samples;
    for (int64_t frame = first; frame < first + n; frame++) {
        double last_s, first_s;
        int have_last = hfc_sample_clock_time(&engine->capture_clock,
                                              capture_index(engine, (frame + 1) * hop) - 1,
                                              &last_s) == HFC_CLOCK_FOUND;
        int have_first = hfc_sample_clock_time(&engine->capture_clock,
                                               capture_index(engine, frame * hop),
                                               &first_s) == HFC_CLOCK_FOUND;
        if (have_last) {
            pthread_mutex_lock(&engine->lock);
            hfc_latency_add(&engine->capture_to_tokens, now_s - last_s);
            if (now_s - last_s > engine->late_budget_s)
                engine->late_frames++;
            pthread_mutex_unlock(&engine->lock);
        }
        if (engine->config.playback != NULL) {
            double ratio = (double)engine->config.playback->rate_hz / engine->info.sample_rate_hz;
            pending_frame pending = {
                .play_index = (uint64_t)(llround((double)(frame * hop) * ratio) -
                                         engine->dropped_out),
                .tokens_s = now_s,
                .adc_s = have_first ? first_s : NAN,
            };
            push_pending(engine, &pending);
        }
    }
}

/* ---- the data path -------------------------------------------------------------- */

static void play(hfc_stream_engine *engine, const float *pcm, long n_samples)
{
    if (n_samples <= 0)
        return;
    size_t written = hfc_ring_write(&engine->config.playback->samples, pcm, (size_t)n_samples);
    if (written < (size_t)n_samples) {
        /* Playback is a ring's length behind (its clock is slower than the
         * capture's, or it stalled): the newest audio is dropped, counted. */
        engine->dropped_out += n_samples - (long)written;
        pthread_mutex_lock(&engine->lock);
        engine->shared_dropped_out = engine->dropped_out;
        pthread_mutex_unlock(&engine->lock);
    }
}

static int deliver_audio(hfc_stream_engine *engine, const float *pcm, int64_t n_samples)
{
    char err[HFC_CLI_ERROR_BYTES];
    if (engine->config.record != NULL &&
        hfc_record_write(engine->config.record, pcm, n_samples, err, sizeof err) != 0)
        return fail(engine, engine->config.record_name, err);
    if (engine->config.playback == NULL || n_samples <= 0)
        return 0;
    const float *resampled;
    long n = hfc_resampler_process(&engine->to_device, pcm, (size_t)n_samples, &resampled);
    if (n < 0)
        return fail(engine, "playback", "the resampler failed");
    play(engine, resampled, n);
    return 0;
}

/* Writes, measures and (when monitoring or recording) decodes n_frames frames. */
static int emit_frames(hfc_stream_engine *engine, const hfc_token *tokens, int64_t n_frames)
{
    if (n_frames <= 0)
        return 0;
    measure_frames(engine, engine->frames, n_frames, hfc_audio_now());
    engine->frames += n_frames;
    pthread_mutex_lock(&engine->lock);
    engine->shared_frames = engine->frames;
    pthread_mutex_unlock(&engine->lock);
    char err[HFC_CLI_ERROR_BYTES];
    if (engine->config.tokens != NULL &&
        hfc_token_sink_write(engine->config.tokens, tokens, n_frames, err, sizeof err) != 0)
        return fail(engine, engine->config.tokens_name, err);
    if (!engine->decoding)
        return 0;
    int n_codebooks = engine->info.n_codebooks;
    for (int64_t start = 0; start < n_frames; start += engine->info.max_push_frames) {
        int64_t n = n_frames - start < engine->info.max_push_frames
                        ? n_frames - start
                        : engine->info.max_push_frames;
        int64_t n_samples = hfc_stream_codec_decode(engine->config.codec,
                                                    tokens + start * n_codebooks, n,
                                                    engine->decoded, engine->max_decoded);
        if (n_samples < 0)
            return fail_codec(engine, (int)n_samples);
        if (deliver_audio(engine, engine->decoded, n_samples) != 0)
            return -1;
    }
    return 0;
}

static int encode(hfc_stream_engine *engine, const float *pcm, long n_samples)
{
    for (long start = 0; start < n_samples; start += engine->push_samples) {
        long n = n_samples - start < engine->push_samples ? n_samples - start
                                                          : engine->push_samples;
        int64_t n_frames = hfc_stream_codec_encode(engine->config.codec, pcm + start, n,
                                                   engine->tokens, engine->max_frames);
        if (n_frames < 0)
            return fail_codec(engine, (int)n_frames);
        if (emit_frames(engine, engine->tokens, n_frames) != 0)
            return -1;
    }
    return 0;
}

static int process_captured(hfc_stream_engine *engine, size_t n)
{
    double sum_squares = 0.0;
    for (size_t i = 0; i < n; i++)
        sum_squares += (double)engine->captured[i] * engine->captured[i];
    engine->consumed += (int64_t)n;
    pthread_mutex_lock(&engine->lock);
    engine->level_sum_squares += sum_squares;
    engine->level_count += (int64_t)n;
    engine->shared_consumed = engine->consumed;
    pthread_mutex_unlock(&engine->lock);
    const float *pcm;
    long n_model = hfc_resampler_process(&engine->to_model, engine->captured, n, &pcm);
    if (n_model < 0)
        return fail(engine, "capture", "the resampler failed");
    return encode(engine, pcm, n_model);
}

/* End of input: the resampler's tail, the encoder's held frames, the decoder's
 * held samples, the playback resampler's tail. */
static int finish(hfc_stream_engine *engine)
{
    const float *pcm;
    long n = hfc_resampler_drain(&engine->to_model, &pcm);
    if (n < 0)
        return fail(engine, "capture", "the resampler failed");
    if (encode(engine, pcm, n) != 0)
        return -1;
    int64_t n_frames = hfc_stream_codec_encode_flush(engine->config.codec, engine->tokens,
                                                     engine->max_frames);
    if (n_frames < 0)
        return fail_codec(engine, (int)n_frames);
    if (emit_frames(engine, engine->tokens, n_frames) != 0)
        return -1;
    if (!engine->decoding)
        return 0;
    int64_t n_samples = hfc_stream_codec_decode_flush(engine->config.codec, engine->decoded,
                                                      engine->max_decoded);
    if (n_samples < 0)
        return fail_codec(engine, (int)n_samples);
    if (deliver_audio(engine, engine->decoded, n_samples) != 0)
        return -1;
    if (engine->config.playback == NULL)
        return 0;
    n = hfc_resampler_drain(&engine->to_device, &pcm);
    if (n < 0)
        return fail(engine, "playback", "the resampler failed");
    play(engine, pcm, n);
    return 0;
}

static void sleep_briefly(void)
{
    /* 1 ms: the capture blocks come every few ms; polling this often costs
     * nothing measurable and adds at most 1 ms to the latency. */
    struct timespec pause = {0, 1000000};
    nanosleep(&pause, NULL);
}

static void *engine_main(void *user)
{
    hfc_stream_engine *engine = user;
    hfc_capture *capture = engine->config.capture;
    int64_t limit = engine->config.max_capture_samples;
    int status = 0;
    for (;;) {
        /* Read the flag before the ring: once capture has stopped, a read that
         * comes up empty means there is nothing more. */
        int ended = atomic_load_explicit(&engine->input_ended, memory_order_acquire);
        size_t want = engine->capture_chunk;
        if (limit > 0 && limit - engine->consumed < (int64_t)want)
            want = (size_t)(limit - engine->consumed);
        size_t n = want > 0 ? hfc_ring_read(&capture->samples, engine->captured, want) : 0;
        hfc_sample_clock_pull(&engine->capture_clock, &capture->marks);
        if (engine->config.playback != NULL)
            resolve_played(engine);
        if (n == 0) {
            if (want == 0 || ended)
                break;
            sleep_briefly();
            continue;
        }
        status = process_captured(engine, n);
        if (status != 0)
            break;
    }
    if (status == 0)
        status = finish(engine);
    engine->failed = status != 0;
    atomic_store_explicit(&engine->finished, 1, memory_order_release);
    return NULL;
}

int hfc_stream_engine_start(hfc_stream_engine *engine, char *err, size_t err_bytes)
{
    if (pthread_create(&engine->thread, NULL, engine_main, engine) != 0)
        return hfc_cli_fail(err, err_bytes, "cannot start the codec thread");
    engine->started = 1;
    return 0;
}

void hfc_stream_engine_end_input(hfc_stream_engine *engine)
{
    atomic_store_explicit(&engine->input_ended, 1, memory_order_release);
}

int hfc_stream_engine_finished(hfc_stream_engine *engine)
{
    return atomic_load_explicit(&engine->finished, memory_order_acquire);
}

int hfc_stream_engine_join(hfc_stream_engine *engine, const char **what, const char **why)
{
    if (engine->started) {
        pthread_join(engine->thread, NULL);
        engine->started = 0;
    }
    *what = engine->error_what;
    *why = engine->error_why;
    return engine->failed ? -1 : 0;
}

static int64_t frames_for(int64_t samples, double rate_hz, const hfc_stream_codec_info *info)
{
    double frames = (double)samples * info->sample_rate_hz / rate_hz / info->hop_samples;
    return (int64_t)ceil(frames);
}

void hfc_stream_engine_snapshot(hfc_stream_engine *engine, hfc_live_snapshot *snapshot)
{
    memset(snapshot, 0, sizeof *snapshot);
    const hfc_stream_codec_info *info = &engine->info;
    hfc_capture *capture = engine->config.capture;
    hfc_playback *playback = engine->config.playback;
    snapshot->n_codebooks = info->n_codebooks;
    snapshot->bits_per_token = hfc_tokens_hfc_bits_for(info->codebook_size);
    snapshot->monitor = playback != NULL;
    /* Once the engine's thread is done, this thread is the marks' only reader:
     * the frames still in playback after it get their figures here. */
    if (playback != NULL && hfc_stream_engine_finished(engine))
        resolve_played(engine);
    long long dropped_in = atomic_load_explicit(&capture->dropped_samples, memory_order_relaxed);
    snapshot->dropped_in_frames = frames_for(dropped_in, capture->rate_hz, info);
    snapshot->overruns = atomic_load_explicit(&capture->overruns, memory_order_relaxed);
    if (playback != NULL)
        snapshot->underruns = atomic_load_explicit(&playback->underruns, memory_order_relaxed);
    pthread_mutex_lock(&engine->lock);
    snapshot->audio_s = (double)engine->shared_consumed / capture->rate_hz;
    snapshot->frames = engine->shared_frames;
    snapshot->late_frames = engine->late_frames;
    if (playback != NULL)
        snapshot->dropped_out_frames = frames_for(engine->shared_dropped_out, playback->rate_hz,
                                                  info);
    snapshot->level_dbfs = engine->level_count > 0
                               ? 10.0 * log10(engine->level_sum_squares / engine->level_count)
                               : -INFINITY;
    engine->level_sum_squares = 0.0;
    engine->level_count = 0;
    hfc_latency_summarize(&engine->capture_to_tokens, &snapshot->capture_to_tokens);
    hfc_latency_summarize(&engine->tokens_to_playback, &snapshot->tokens_to_playback);
    hfc_latency_summarize(&engine->end_to_end, &snapshot->end_to_end);
    pthread_mutex_unlock(&engine->lock);
}

void hfc_stream_engine_destroy(hfc_stream_engine *engine)
{
    if (engine == NULL)
        return;
    if (engine->started)
        pthread_join(engine->thread, NULL);
    hfc_resampler_free(&engine->to_model);
    hfc_resampler_free(&engine->to_device);
    free(engine->captured);
    free(engine->tokens);
    free(engine->decoded);
    pthread_mutex_destroy(&engine->lock);
    free(engine);
}
