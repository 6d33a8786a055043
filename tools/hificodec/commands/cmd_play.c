/* hificodec play: a token file (or a live .hfc stream on stdin) -> the speaker. */
#include "audio_device.h"
#include "cli_common.h"
#include "codec_run.h"
#include "commands.h"
#include "file_io.h"
#include "stream_codec.h"
#include "stream_hfc_reader.h"
#include "stream_resample.h"
#include "stream_signal.h"
#include "token_file.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char play_help[] =
    "Usage: hificodec play [OPTIONS] FILE\n"
    "\n"
    "Decode HiFi-Codec tokens and play them on an audio device.\n"
    "\n"
    "FILE is a .hfc bitstream or a .npy token array (recognised by its first\n"
    "bytes), or \"-\": a .hfc stream on stdin, played as it arrives, so the tokens\n"
    "of a live `hificodec stream -t -` can be heard on another machine. A .hfc\n"
    "stream must come from the decoding model: its rate, hop and codebooks always,\n"
    "its model id unless --force. The audio is resampled from the model's rate to\n"
    "the device's with libsoxr.\n"
    "\n"
    "Options:\n"
    "  -o, --output DEV     the playback device: an index or (part of) a name that\n"
    "                       --list-devices shows (default: the default output)\n"
    "      --delay MS       wait until MS ms more than one frame is decoded before\n"
    "                       playing, and after every underrun (default 0); for a\n"
    "                       live stream that arrives unevenly\n"
    "      --force          play a .hfc stream that a different model wrote\n"
    "      --local          decode in this process, with -m MODEL (the default)\n"
    "      --daemon SOCKET  decode in the hificodecd daemon listening on SOCKET\n"
    "      --list-devices   list the audio devices and exit\n"
    "  -m, --model MODEL    the model file (.safetensors); default: $HFC_MODEL,\n"
    "                       then the bundled hificodec-16k-default model\n"
    "  -q, --quiet          print errors only\n"
    "  -v, --verbose        also print the audio libraries' own messages\n"
    "  -h, --help           print this help and exit\n"
    "\n"
    "At the end it prints what it played and how often playback ran dry\n"
    "(underruns), unless -q. Ctrl-C stops at once.\n"
    "\n"
    "Examples:\n"
    "  hificodec play speech.hfc\n"
    "  hificodec play -o headphones codes.npy\n"
    "  hificodec stream --local -o none -t - | hificodec play --delay 40 -\n"
    "\n" HFC_CLI_EXIT_STATUS_HELP;

enum { OPT_LOCAL = HFC_CLI_OPT_FIRST_OWN, OPT_OUTPUT, OPT_DELAY, OPT_FORCE, OPT_LIST_DEVICES };

typedef struct play_options {
    const char *output;
    int delay_ms;
    int force;
    int list_devices;
} play_options;

static int apply_play_option(void *user, int id, const char *value)
{
    play_options *options = user;
    switch (id) {
    case OPT_LOCAL: /* the default; accepted so scripts can say so */
        return 0;
    case OPT_OUTPUT:
        options->output = value;
        return 0;
    case OPT_DELAY:
        return hfc_cli_parse_int("play", "--delay", value, 0, 10000, &options->delay_ms);
    case OPT_FORCE:
        options->force = 1;
        return 0;
    case OPT_LIST_DEVICES:
        options->list_devices = 1;
        return 0;
    default:
        return -1;
    }
}

/* The tokens come from one of two places: a whole .npy array, or a .hfc stream
 * read frame by frame. */
typedef struct token_source {
    const char *name;           /* for messages */
    hfc_hfc_reader reader;      /* .hfc */
    int is_stream;
    hfc_cli_tokens whole;       /* .npy */
    int64_t next_frame;
} token_source;

static int starts_with_hfc_magic(const char *path)
{
    FILE *file = fopen(path, "rb");
    char magic[4] = {0};
    if (file == NULL)
        return 0;
    size_t n = fread(magic, 1, sizeof magic, file);
    fclose(file);
    return n == sizeof magic && memcmp(magic, "HFCT", 4) == 0;
}

/* Opens the source and, for a stream, waits for its header. Returns 0, or -1
 * after printing why (or on a stop signal, silently). */
static int open_source(token_source *source, const char *path, int codebook_size)
{
    char err[HFC_CLI_ERROR_BYTES];
    memset(source, 0, sizeof *source);
    source->name = hfc_cli_input_name(path);
    source->is_stream = hfc_cli_is_stdio(path) || starts_with_hfc_magic(path);
    if (!source->is_stream) {
        if (hfc_cli_tokens_read(path, codebook_size, &source->whole, err, sizeof err) == 0)
            return 0;
        hfc_cli_print_error(source->name, "%s", err);
        return -1;
    }
    if (hfc_hfc_reader_open(&source->reader, path, err, sizeof err) != 0) {
        hfc_cli_print_error(source->name, "%s", err);
        return -1;
    }
    while (!hfc_stop_requested()) {
        int status = hfc_hfc_reader_header(&source->reader, err, sizeof err);
        if (status == 0)
            return 0;
        if (status == HFC_HFC_READ_ERROR) {
            hfc_cli_print_error(source->name, "%s", err);
            break;
        }
    }
    hfc_hfc_reader_close(&source->reader);
    return -1;
}

/* Tokens decode only with the geometry they were made for; the model id guards
 * against a same-shaped but different model, which --force lets through. */
static int check_source_fits(const token_source *source, const hfc_stream_codec_info *info,
                             const hfc_cli_common *common, int force)
{
    hfc_model_info model = {0};
    model.sample_rate_hz = info->sample_rate_hz;
    model.hop_samples = info->hop_samples;
    model.codebook_size = info->codebook_size;
    model.n_codebooks = info->n_codebooks;
    model.model_id = info->model_id;
    const hfc_token_header *header =
        source->is_stream ? &source->reader.header : &source->whole.header;
    return hfc_cli_check_tokens_fit(header, &model, source->name, common, force,
                                    "--force plays it anyway");
}

/* Up to max_frames frames into tokens: the count, 0 at the end, or -1 (printed,
 * or a stop signal). */
static int64_t next_frames(token_source *source, hfc_token *tokens, int64_t max_frames)
{
    if (!source->is_stream) {
        int64_t n = source->whole.n_frames - source->next_frame;
        n = n < max_frames ? n : max_frames;
        memcpy(tokens, source->whole.tokens + source->next_frame * source->whole.header.n_codebooks,
               (size_t)(n * source->whole.header.n_codebooks) * sizeof *tokens);
        source->next_frame += n;
        return n;
    }
    char err[HFC_CLI_ERROR_BYTES];
    for (;;) {
        if (hfc_stop_requested())
            return -1;
        int64_t n = hfc_hfc_reader_read(&source->reader, tokens, max_frames, err, sizeof err);
        if (n == HFC_HFC_READ_AGAIN)
            continue;
        if (n == HFC_HFC_READ_ERROR)
            hfc_cli_print_error(source->name, "%s", err);
        return n;
    }
}

static void close_source(token_source *source)
{
    if (source->is_stream)
        hfc_hfc_reader_close(&source->reader);
    else
        hfc_cli_tokens_free(&source->whole);
}

static void sleep_ms(int ms)
{
    struct timespec pause = {0, (long)ms * 1000000L};
    nanosleep(&pause, NULL);
}

/* Queues n samples for the device, waiting while its ring is full (a file
 * decodes far faster than it plays). Returns 0, or -1 on a stop signal. */
static int queue_for_playback(hfc_playback *playback, const float *pcm, long n)
{
    while (n > 0) {
        size_t written = hfc_ring_write(&playback->samples, pcm, (size_t)n);
        pcm += written;
        n -= (long)written;
        if (n > 0) {
            if (hfc_stop_requested())
                return -1;
            sleep_ms(5);
        }
    }
    return 0;
}

/* Frames decoded per step: a 100 ms batch keeps a file's decode efficient and
 * a live stream's frames moving at once (the reader returns what has come). */
enum { BATCH_FRAMES = 5 };

typedef struct play_state {
    hfc_stream_codec codec;
    hfc_resampler resampler;
    hfc_playback playback;
    hfc_token *tokens;
    float *pcm;
    int64_t max_samples;
    int64_t frames_played;
} play_state;

static int decode_and_queue(play_state *state, const hfc_token *tokens, int64_t n_frames,
                            int flush)
{
    char err[HFC_CLI_ERROR_BYTES];
    int64_t n = flush ? hfc_stream_codec_decode_flush(&state->codec, state->pcm, state->max_samples)
                      : hfc_stream_codec_decode(&state->codec, tokens, n_frames, state->pcm,
                                                state->max_samples);
    if (n < 0) {
        char what[HFC_CLI_ERROR_BYTES];
        hfc_stream_codec_name(&state->codec, what, sizeof what);
        hfc_stream_codec_explain(&state->codec, (int)n, err, sizeof err);
        hfc_cli_print_error(what, "%s", err);
        return -1;
    }
    const float *out;
    long n_out = hfc_resampler_process(&state->resampler, state->pcm, (size_t)n, &out);
    if (n_out >= 0 && queue_for_playback(&state->playback, out, n_out) != 0)
        return -1;
    if (n_out >= 0 && flush) /* the end: what the resampler still holds */
        n_out = hfc_resampler_drain(&state->resampler, &out);
    if (n_out < 0) {
        hfc_cli_print_error("play", "the resampler failed");
        return -1;
    }
    return flush ? queue_for_playback(&state->playback, out, n_out) : 0;
}

/* Decodes the source into the playback ring until its end, a failure or a stop
 * signal. Returns 0 at the end, 1 on a stop signal, -1 on a failure (printed). */
static int play_source(play_state *state, token_source *source)
{
    for (;;) {
        int64_t n = next_frames(source, state->tokens, BATCH_FRAMES);
        if (n < 0)
            return hfc_stop_requested() ? 1 : -1;
        if (n == 0)
            break;
        if (decode_and_queue(state, state->tokens, n, 0) != 0)
            return hfc_stop_requested() ? 1 : -1;
        state->frames_played += n;
    }
    if (decode_and_queue(state, NULL, 0, 1) != 0)
        return hfc_stop_requested() ? 1 : -1;
    return 0;
}

static int open_play_codec(play_state *state, hfc_model **model, const hfc_cli_common *common)
{
    char err[HFC_CLI_ERROR_BYTES];
    if (common->daemon_socket != NULL) {
        if (hfc_stream_codec_open_daemon(&state->codec, common->daemon_socket, err, sizeof err)) {
            char what[HFC_CLI_ERROR_BYTES];
            hfc_stream_codec_name(&state->codec, what, sizeof what);
            hfc_cli_print_error(what, "%s", err);
            return -1;
        }
        return 0;
    }
    *model = hfc_cli_model_load(common, NULL, 0);
    if (*model == NULL)
        return -1;
    if (hfc_stream_codec_open_local(&state->codec, *model, common->lookahead_frames, err,
                                    sizeof err) != 0) {
        hfc_cli_print_error("play", "%s", err);
        return -1;
    }
    return 0;
}

static int play(const char *path, const hfc_cli_common *common, const play_options *options)
{
    char err[HFC_CLI_ERROR_BYTES];
    play_state state;
    memset(&state, 0, sizeof state);
    hfc_model *model = NULL;
    token_source source;
    memset(&source, 0, sizeof source);
    int status = -1, codec_open = 0, source_open = 0, playback_open = 0;
    int device = hfc_audio_find_device(options->output, HFC_AUDIO_OUTPUT, err, sizeof err);
    if (device < 0) {
        hfc_cli_print_error("play", "%s", err);
        goto done;
    }
    if (open_play_codec(&state, &model, common) != 0)
        goto done;
    codec_open = 1;
    const hfc_stream_codec_info *info = &state.codec.info;
    double prime_s = (double)info->hop_samples / info->sample_rate_hz + options->delay_ms / 1000.0;
    if (hfc_playback_open(&state.playback, device, 0, 2.0, prime_s, err, sizeof err) != 0) {
        hfc_cli_print_error("play", "%s", err);
        goto done;
    }
    playback_open = 1;
    state.max_samples = (int64_t)(BATCH_FRAMES + 1) * info->hop_samples +
                        info->decoder_latency_samples;
    state.tokens = malloc((size_t)BATCH_FRAMES * (size_t)info->n_codebooks * sizeof *state.tokens);
    state.pcm = malloc((size_t)state.max_samples * sizeof *state.pcm);
    if (state.tokens == NULL || state.pcm == NULL) {
        hfc_cli_print_error("play", "out of memory");
        goto done;
    }
    if (hfc_resampler_init(&state.resampler, info->sample_rate_hz, state.playback.rate_hz,
                           (size_t)state.max_samples, err, sizeof err) != 0 ||
        hfc_audio_stream_start(state.playback.stream, err, sizeof err) != 0) {
        hfc_cli_print_error("play", "%s", err);
        goto done;
    }
    /* PortAudio's thread runs now, with the stop signals blocked; from here on
     * they come to this thread, which may wait for a live stream's header. */
    hfc_stop_signals_unblock();
    if (open_source(&source, path, info->codebook_size) != 0) {
        status = hfc_stop_requested() ? 0 : -1;
        goto done;
    }
    source_open = 1;
    if (check_source_fits(&source, info, common, options->force) != 0)
        goto done;
    int result = play_source(&state, &source);
    if (result == 0) /* the end: let the device play what is queued */
        hfc_playback_drain(&state.playback, 5.0);
    hfc_audio_stream_stop(state.playback.stream);
    if (result >= 0 && !common->quiet)
        fprintf(stderr, "hificodec: play: %lld frames (%.2f s) to '%s' at %d Hz, underruns %lld%s\n",
                (long long)state.frames_played,
                (double)state.frames_played * info->hop_samples / info->sample_rate_hz,
                hfc_audio_device_name(device), state.playback.rate_hz,
                (long long)atomic_load(&state.playback.underruns),
                result == 1 ? ", stopped" : "");
    status = result >= 0 ? 0 : -1;
done:
    if (playback_open)
        hfc_playback_close(&state.playback);
    hfc_resampler_free(&state.resampler);
    free(state.tokens);
    free(state.pcm);
    if (source_open)
        close_source(&source);
    if (codec_open)
        hfc_stream_codec_close(&state.codec);
    hfc_model_free(model);
    return status;
}

int hfc_cmd_play(int argc, char **argv)
{
    static const hfc_cli_option option_table[] = {
        {"help", 'h', 0, HFC_CLI_OPT_HELP},
        {"model", 'm', 1, HFC_CLI_OPT_MODEL},
        {"quiet", 'q', 0, HFC_CLI_OPT_QUIET},
        {"verbose", 'v', 0, HFC_CLI_OPT_VERBOSE},
        {"daemon", 0, 1, HFC_CLI_OPT_DAEMON},
        {"local", 0, 0, OPT_LOCAL},
        {"output", 'o', 1, OPT_OUTPUT},
        {"delay", 0, 1, OPT_DELAY},
        {"force", 0, 0, OPT_FORCE},
        {"list-devices", 0, 0, OPT_LIST_DEVICES},
        {NULL, 0, 0, 0},
    };
    hfc_cli_common common;
    play_options options;
    memset(&options, 0, sizeof options);
    const char *path = NULL;
    int n_paths = hfc_cli_parse_command("play", argc, argv, option_table, &common,
                                        apply_play_option, &options, &path, 1);
    if (n_paths < 0)
        return HFC_CLI_EXIT_USAGE;
    if (common.help) {
        fputs(play_help, stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (n_paths != 1 && !options.list_devices) {
        hfc_cli_print_error("play", "needs FILE (see 'hificodec play --help')");
        return HFC_CLI_EXIT_USAGE;
    }
    hfc_stop_signals_install();
    char err[HFC_CLI_ERROR_BYTES];
    if (hfc_audio_init(common.verbose, err, sizeof err) != 0) {
        hfc_cli_print_error("play", "%s", err);
        return HFC_CLI_EXIT_FAILURE;
    }
    int status = HFC_CLI_EXIT_OK;
    if (options.list_devices)
        hfc_audio_list_devices(stdout);
    else if (play(path, &common, &options) != 0)
        status = HFC_CLI_EXIT_FAILURE;
    hfc_audio_terminate();
    return status;
}
