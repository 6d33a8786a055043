#include "codec_run.h"

#include "codec_stream.h"
#include "token_file.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report_speed(const char *what, int64_t n_frames, int64_t n_samples, int rate_hz,
                         double seconds)
{
    double audio_seconds = (double)n_samples / rate_hz;
    fprintf(stderr, "hificodec: %s: %lld frames, %.2f s of audio in %.3f s (%.1fx realtime)\n",
            what, (long long)n_frames, audio_seconds, seconds,
            seconds > 0 ? audio_seconds / seconds : 0.0);
}

/* Keeps the client library's last error text: it says why better than the status
 * code, and goes into the command's one error line. */
static void keep_daemon_message(void *user, int level, const char *msg)
{
    hfc_cli_codec *codec = user;
    if (level <= HFC_LOG_WARN)
        snprintf(codec->daemon_message, sizeof codec->daemon_message, "%s", msg);
}

/* The one line for a failed call: the daemon's own words when it gave any. */
static void print_failure(const hfc_cli_codec *codec, const char *what, int status)
{
    if (codec->client != NULL && codec->daemon_message[0] != '\0')
        hfc_cli_print_error(what, "%s", codec->daemon_message);
    else
        hfc_cli_print_error(what, "%s", hfc_strerror(status));
}

int hfc_cli_codec_open(hfc_cli_codec *codec, const hfc_cli_common *common, const char *what)
{
    memset(codec, 0, sizeof *codec);
    if (common->daemon_socket == NULL) {
        codec->model = hfc_cli_model_load(common, NULL, 0);
        if (codec->model == NULL)
            return -1;
        hfc_model_get_info(codec->model, &codec->info);
        return 0;
    }
    if (common->lookahead_frames >= 0) {
        hfc_cli_print_error(what, "--lookahead does not apply with --daemon (the daemon streams "
                                  "with the model's full look-ahead)");
        return -1;
    }
    hfc_client_options options;
    hfc_client_options_init(&options);
    options.timeout_ms = -1; /* a long file may take a while; the daemon's own limits apply */
    options.name = "hificodec CLI";
    options.log = keep_daemon_message;
    options.log_user = codec;
    int status = HFC_OK;
    codec->client = hfc_client_create(common->daemon_socket, &options, &status);
    hfc_client_info ci;
    if (codec->client == NULL || hfc_client_get_info(codec->client, &ci) != HFC_OK) {
        hfc_cli_print_error(what, "cannot reach the hificodecd daemon at %s: %s",
                            common->daemon_socket,
                            codec->daemon_message[0] != '\0'
                                ? codec->daemon_message
                                : hfc_strerror(codec->client == NULL ? status : HFC_ERR_PROTOCOL));
        hfc_client_destroy(codec->client);
        codec->client = NULL;
        return -1;
    }
    codec->info.sample_rate_hz = ci.sample_rate_hz;
    codec->info.hop_samples = ci.hop_samples;
    codec->info.n_codebooks = ci.n_codebooks;
    codec->info.codebook_size = ci.codebook_size;
    codec->info.causal = ci.causal;
    codec->info.model_id = ci.model_id;
    codec->info.frame_rate_hz = (double)ci.sample_rate_hz / ci.hop_samples;
    codec->info.name = "";
    codec->info.cpu_path = "daemon";
    return 0;
}

void hfc_cli_codec_close(hfc_cli_codec *codec)
{
    hfc_model_free(codec->model);
    hfc_client_destroy(codec->client);
    memset(codec, 0, sizeof *codec);
}

/* Through the daemon in chunks: one stream of the given direction, pushes no larger
 * than the daemon allows, then flush and close. Returns frames or samples written,
 * or a negative status. */
static int64_t daemon_stream(hfc_client *client, int direction, const void *in, int64_t n_in,
                             int64_t chunk, void *out, int64_t max_out, int n_codebooks)
{
    hfc_client_stream_options so;
    hfc_client_stream_options_init(&so);
    so.direction = direction;
    hfc_client_stream_info si;
    int stream = hfc_client_open(client, &so, &si);
    if (stream < 0)
        return stream;
    const int encoding = direction == HFC_CLIENT_ENCODE;
    const int64_t limit = encoding ? si.max_samples_per_push : si.max_frames_per_push;
    if (chunk > limit)
        chunk = limit;
    int64_t done = 0, got = 0;
    for (int64_t pos = 0; pos < n_in && got >= 0; pos += chunk) {
        int64_t n = n_in - pos < chunk ? n_in - pos : chunk;
        got = encoding ? hfc_client_encode_push(client, stream, (const float *)in + pos, n,
                                                (hfc_token *)out + done * n_codebooks,
                                                max_out - done)
                       : hfc_client_decode_push(client, stream,
                                                (const hfc_token *)in + pos * n_codebooks, n,
                                                (float *)out + done, max_out - done);
        done += got > 0 ? got : 0;
    }
    if (got >= 0) {
        got = encoding ? hfc_client_encode_flush(client, stream,
                                                 (hfc_token *)out + done * n_codebooks,
                                                 max_out - done)
                       : hfc_client_decode_flush(client, stream, (float *)out + done,
                                                 max_out - done);
        done += got > 0 ? got : 0;
    }
    hfc_client_close_stream(client, stream);
    return got < 0 ? got : done;
}

/* Peak memory of the offline API per second of audio: the default model's encode
 * grows by 2.2 MB a second (issue 15's measurement), with a margin. */
#define OFFLINE_BYTES_PER_SECOND 2.5e6

/* MemAvailable from /proc/meminfo, in bytes; 0 when it cannot be read. */
static double available_bytes(void)
{
    FILE *file = fopen("/proc/meminfo", "r");
    if (file == NULL)
        return 0;
    char line[256];
    double kib = 0;
    while (fgets(line, sizeof line, file) != NULL) {
        if (sscanf(line, "MemAvailable: %lf kB", &kib) == 1)
            break;
    }
    fclose(file);
    return kib * 1024.0;
}

/* Refuses audio too long to hold whole before the memory runs out (a non-causal
 * model cannot run in pieces exactly: its GroupNorm needs the whole utterance).
 * Returns 0, or -1 after printing why. */
static int check_offline_length(const hfc_cli_codec *codec, const hfc_cli_common *common,
                                const char *what, double seconds)
{
    if (codec->model == NULL)
        return 0; /* the daemon applies its own limits */
    double free_bytes = available_bytes();
    double limit = common->max_seconds > 0 ? common->max_seconds
                   : free_bytes > 0        ? free_bytes / OFFLINE_BYTES_PER_SECOND
                                           : 1e30;
    if (seconds <= limit)
        return 0;
    hfc_cli_print_error(what,
                        "%.0f s of audio is over the %.0f s --max-seconds limit: %s, so it is "
                        "held whole (about %.1f GB; %.1f GB is free); split the input%s, or "
                        "raise --max-seconds to try anyway",
                        seconds, limit,
                        !codec->info.causal ? "this model is not causal (its GroupNorm needs "
                                              "the whole utterance)"
                        : common->whole     ? "--whole runs the offline API"
                                            : "--chunk-ms streams a whole file held in memory",
                        seconds * OFFLINE_BYTES_PER_SECOND / 1e9, free_bytes / 1e9,
                        codec->info.causal ? ", drop --whole/--chunk-ms" : "");
    return -1;
}

static int64_t encode_with(const hfc_cli_codec *codec, const hfc_cli_common *common,
                           const hfc_cli_audio *audio, hfc_token *out, int64_t frames)
{
    const hfc_model_info *info = &codec->info;
    const int64_t chunk = (int64_t)common->chunk_ms * info->sample_rate_hz / 1000;
    if (codec->client != NULL)
        return common->chunk_ms > 0
                   ? daemon_stream(codec->client, HFC_CLIENT_ENCODE, audio->samples,
                                   audio->n_samples, chunk, out, frames, info->n_codebooks)
                   : hfc_client_encode(codec->client, audio->samples, audio->n_samples, out,
                                       frames);
    hfc_encoder_options options;
    hfc_encoder_options_init(&options);
    options.n_threads = common->n_threads;
    options.lookahead_frames = common->lookahead_frames;
    int status = HFC_OK;
    hfc_encoder *encoder = hfc_encoder_create(codec->model, &options, &status);
    if (encoder == NULL)
        return status;
    int64_t n_done = common->chunk_ms > 0
                         ? hfc_cli_stream_encode(encoder, info, audio->samples, audio->n_samples,
                                                 chunk, out, frames)
                         : hfc_encoder_encode(encoder, audio->samples, audio->n_samples, out,
                                              frames);
    hfc_encoder_destroy(encoder);
    return n_done;
}

int hfc_cli_run_encode(const hfc_cli_codec *codec, const hfc_cli_common *common,
                       const hfc_cli_audio *audio, hfc_token **tokens, int64_t *n_frames)
{
    *tokens = NULL;
    const hfc_model_info *info = &codec->info;
    /* The daemon's models follow the official arithmetic: floor(samples / hop). */
    int64_t frames = codec->model ? hfc_model_frames_for_samples(codec->model, audio->n_samples)
                                  : audio->n_samples / info->hop_samples;
    if (frames <= 0) {
        hfc_cli_print_error("encode",
                            "input is too short: %lld samples (%.1f ms) at %d Hz, one frame "
                            "needs %d",
                            (long long)audio->n_samples,
                            1000.0 * (double)audio->n_samples / info->sample_rate_hz,
                            info->sample_rate_hz, info->hop_samples);
        return -1;
    }
    if (check_offline_length(codec, common, "encode",
                             (double)audio->n_samples / info->sample_rate_hz) != 0)
        return -1;
    hfc_token *out = malloc((size_t)frames * (size_t)info->n_codebooks * sizeof *out);
    if (out == NULL) {
        hfc_cli_print_error("encode", "out of memory for %lld frames", (long long)frames);
        return -1;
    }
    double start = hfc_cli_seconds_now();
    int64_t n_done = encode_with(codec, common, audio, out, frames);
    double seconds = hfc_cli_seconds_now() - start;
    if (n_done < 0) {
        free(out);
        print_failure(codec, "encode", (int)n_done);
        return -1;
    }
    if (common->verbose)
        report_speed("encode", n_done, audio->n_samples, info->sample_rate_hz, seconds);
    *tokens = out;
    *n_frames = n_done;
    return 0;
}

static int64_t decode_with(const hfc_cli_codec *codec, const hfc_cli_common *common,
                           const hfc_token *tokens, int64_t n_frames, float *out, int64_t capacity)
{
    const hfc_model_info *info = &codec->info;
    int64_t chunk_frames =
        (int64_t)common->chunk_ms * info->sample_rate_hz / 1000 / info->hop_samples;
    if (chunk_frames < 1)
        chunk_frames = 1;
    if (codec->client != NULL)
        return common->chunk_ms > 0
                   ? daemon_stream(codec->client, HFC_CLIENT_DECODE, tokens, n_frames,
                                   chunk_frames, out, capacity, info->n_codebooks)
                   : hfc_client_decode(codec->client, tokens, n_frames, out, capacity);
    hfc_decoder_options options;
    hfc_decoder_options_init(&options);
    options.n_threads = common->n_threads;
    options.lookahead_frames = common->lookahead_frames;
    int status = HFC_OK;
    hfc_decoder *decoder = hfc_decoder_create(codec->model, &options, &status);
    if (decoder == NULL)
        return status;
    int64_t n_done = common->chunk_ms > 0
                         ? hfc_cli_stream_decode(decoder, info, tokens, n_frames, chunk_frames,
                                                 out, capacity)
                         : hfc_decoder_decode(decoder, tokens, n_frames, out, capacity);
    hfc_decoder_destroy(decoder);
    return n_done;
}

int hfc_cli_run_decode(const hfc_cli_codec *codec, const hfc_cli_common *common,
                       const hfc_token *tokens, int64_t n_frames, float **pcm, int64_t *n_samples)
{
    *pcm = NULL;
    const hfc_model_info *info = &codec->info;
    int64_t capacity = n_frames * info->hop_samples;
    if (check_offline_length(codec, common, "decode", (double)capacity / info->sample_rate_hz) != 0)
        return -1;
    float *out = capacity > 0 ? malloc((size_t)capacity * sizeof *out) : NULL;
    if (out == NULL) {
        hfc_cli_print_error("decode", "out of memory for %lld frames", (long long)n_frames);
        return -1;
    }
    double start = hfc_cli_seconds_now();
    int64_t n_done = decode_with(codec, common, tokens, n_frames, out, capacity);
    double seconds = hfc_cli_seconds_now() - start;
    if (n_done < 0) {
        free(out);
        print_failure(codec, "decode", (int)n_done);
        return -1;
    }
    if (common->verbose)
        report_speed("decode", n_frames, n_done, info->sample_rate_hz, seconds);
    *pcm = out;
    *n_samples = n_done;
    return 0;
}

void hfc_cli_header_for_codec(const hfc_cli_codec *codec, hfc_token_header *header)
{
    const hfc_model_info *info = &codec->info;
    memset(header, 0, sizeof *header);
    header->model_id = info->model_id;
    header->sample_rate_hz = info->sample_rate_hz;
    header->hop_samples = info->hop_samples;
    header->codebook_size = info->codebook_size;
    header->n_codebooks = info->n_codebooks;
    header->n_frames = HFC_TOKENS_UNKNOWN_FRAMES;
}

int hfc_cli_check_tokens_fit(const hfc_token_header *header, const hfc_model_info *info,
                             const char *name, const hfc_cli_common *common, int force,
                             const char *force_option)
{
    char err[HFC_CLI_ERROR_BYTES] = "";
    hfc_cli_error_sink sink = {err, sizeof err};
    hfc_token_file_options options;
    hfc_cli_token_options(&options, &sink);
    if (hfc_token_header_check(header, info, force, &options) != HFC_OK) {
        /* Only the model id differs when the check passes with other models allowed. */
        if (hfc_token_header_check(header, info, 1, NULL) == HFC_OK)
            hfc_cli_print_error(name, "%s; %s", err, force_option);
        else
            hfc_cli_print_error(name, "%s", err);
        return -1;
    }
    if (header->format == HFC_TOKENS_HFC && header->model_id != info->model_id && !common->quiet)
        hfc_cli_print_error(name,
                            "warning: written by model %016" PRIx64 ", decoding with %016" PRIx64,
                            header->model_id, info->model_id);
    return 0;
}
