/* hificodec stream: microphone -> codec (in-process or the daemon) -> tokens, and
 * back to audio for the speakers and a file, live. */
#include "audio_device.h"
#include "cli_common.h"
#include "commands.h"
#include "file_io.h"
#include "live_display.h"
#include "stream_codec.h"
#include "stream_engine.h"
#include "stream_record.h"
#include "stream_signal.h"
#include "stream_token_sink.h"
#include "token_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char stream_help[] =
    "Usage: hificodec stream (--local | --daemon SOCKET) [OPTIONS]\n"
    "       hificodec stream --list-devices\n"
    "\n"
    "Capture speech from a microphone and run it through the codec live: encode it\n"
    "frame by frame, keep the tokens, decode them again and listen to the result.\n"
    "It is the whole real-time path of a voice call: capture, encode, tokens on the\n"
    "wire, decode, playback.\n"
    "\n"
    "The input device is opened at its own rate and resampled to the model's (16\n"
    "kHz for the default model) with libsoxr. The codec runs in this process\n"
    "(--local) or in the hificodecd daemon (--daemon SOCKET); either gives the same\n"
    "tokens. Any of these can be done with them at once:\n"
    "  --tokens FILE   write them live, frame by frame, to a .hfc or .npy file or\n"
    "                  (.hfc) to stdout, e.g. into a pipe or another machine\n"
    "  --output DEV    decode them and play them (monitor mode; on by default, on\n"
    "                  the default output device: use headphones, a speaker next\n"
    "                  to the microphone feeds back)\n"
    "  --record FILE   decode them and write the audio to a file\n"
    "It runs until Ctrl-C (or SIGTERM) or for --duration seconds, then encodes what\n"
    "is still buffered, flushes the codec and closes every file properly.\n"
    "\n"
    "Options:\n"
    "      --local          run the codec in this process, with -m MODEL\n"
    "      --daemon SOCKET  run the codec in the hificodecd daemon listening on the\n"
    "                       UNIX socket SOCKET\n"
    "  -i, --input DEV      the capture device: an index or (part of) a name that\n"
    "                       --list-devices shows (default: the default input)\n"
    "  -o, --output DEV     the playback device, likewise, or \"none\" for no\n"
    "                       playback (default: the default output when there is\n"
    "                       one, else none if --tokens or --record is given)\n"
    "      --delay MS       play the decoded audio MS milliseconds later (default 0):\n"
    "                       a deeper jitter buffer, or an echo you can tell apart\n"
    "  -t, --tokens FILE    write the tokens to FILE as they come: .hfc (FILE or \"-\"\n"
    "                       for stdout; the frame count is left unknown, so the file\n"
    "                       is whole after every frame) or .npy (a file; its header\n"
    "                       gets the frame count when the stream ends)\n"
    "  -f, --format FMT     token format: hfc or npy (default: FILE's extension;\n"
    "                       hfc for \"-\")\n"
    "  -r, --record FILE    write the decoded audio at the model's rate to FILE:\n"
    "                       .wav, .flac, .ogg, .opus, .aiff, .au, .caf, .w64, .rf64\n"
    "                       (16-bit) or .npy (float32), as `decode` would\n"
    "  -d, --duration SEC   stop after SEC seconds of captured audio (default: run\n"
    "                       until Ctrl-C)\n"
    "      --lookahead F    non-causal models only: frames of look-ahead (default:\n"
    "                       all they need; fewer lowers the latency, costs quality)\n"
    "      --list-devices   list the audio devices (index, channels, rate, name)\n"
    "                       and exit\n"
    "  -m, --model MODEL    with --local, the model file (.safetensors); default:\n"
    "                       $HFC_MODEL, then the bundled hificodec-16k-default model\n"
    "  -q, --quiet          no live display; errors only\n"
    "  -v, --verbose        also print the audio libraries' own messages\n"
    "  -h, --help           print this help and exit\n"
    "\n";

/* Two strings: C99 compilers need not take string literals over 4095 bytes. */
static const char stream_help_display[] =
    "Live display (on stderr):\n"
    "  On a terminal a few lines are redrawn four times a second; otherwise one\n"
    "  \"hificodec: stream: state=live key=value ...\" line comes every second and a\n"
    "  last one with state=end. It shows the input level (RMS, dBFS), the audio and\n"
    "  frames so far, tokens per second and the bitrate, and the per-frame latency\n"
    "  as mean and 99th percentile:\n"
    "    capture->tokens   from the frame's last sample at the microphone's\n"
    "                      converter to its tokens: capture buffer, resampler,\n"
    "                      codec time (or the daemon's round trip)\n"
    "    tokens->playback  from the tokens to the frame's first sample at the\n"
    "                      speaker's converter: decoding, the jitter buffer (one\n"
    "                      frame plus --delay), the output buffer\n"
    "    end-to-end        a frame's first sample from microphone to speaker: the\n"
    "                      frame itself (20 ms) plus both of the above\n"
    "  and the frames dropped on the way in (capture overruns) or out (playback\n"
    "  full), the late ones (tokens later than a frame plus the capture buffer), the\n"
    "  overruns and the underruns (playback ran dry and played silence). None of\n"
    "  them stops the stream.\n"
    "\n"
    "Examples:\n"
    "  hificodec stream --local                       hear yourself through the codec\n"
    "  hificodec stream --local -o none -t talk.hfc -d 10\n"
    "  hificodec stream --daemon /run/hificodec/hificodecd.sock -r heard.wav\n"
    "  hificodec stream --local -o none -t - | ssh host hificodec play -\n"
    "\n" HFC_CLI_EXIT_STATUS_HELP
    "  Ctrl-C ends a stream normally: the exit status is 0 when everything was\n"
    "  written.\n";

enum {
    OPT_LOCAL = HFC_CLI_OPT_FIRST_OWN,
    OPT_INPUT,
    OPT_OUTPUT,
    OPT_DELAY,
    OPT_TOKENS,
    OPT_FORMAT,
    OPT_RECORD,
    OPT_DURATION,
    OPT_LIST_DEVICES
};

typedef struct stream_options {
    int local;
    const char *input;          /* NULL: the default input */
    const char *output;         /* NULL: the default output if any; "none": none */
    int delay_ms;
    const char *tokens_path;
    int token_format;
    const char *record_path;
    double duration_s;          /* 0: until stopped */
    int list_devices;
} stream_options;

static int apply_stream_option(void *user, int id, const char *value)
{
    stream_options *options = user;
    switch (id) {
    case OPT_LOCAL:
        options->local = 1;
        return 0;
    case OPT_INPUT:
        options->input = value;
        return 0;
    case OPT_OUTPUT:
        options->output = value;
        return 0;
    case OPT_DELAY:
        return hfc_cli_parse_int("stream", "--delay", value, 0, 10000, &options->delay_ms);
    case OPT_TOKENS:
        options->tokens_path = value;
        return 0;
    case OPT_FORMAT:
        options->token_format = hfc_cli_token_format_from_name(value);
        if (options->token_format == HFC_TOKENS_AUTO) {
            hfc_cli_print_error("stream", "--format wants hfc or npy, got '%s'", value);
            return -1;
        }
        return 0;
    case OPT_RECORD:
        options->record_path = value;
        return 0;
    case OPT_DURATION: {
        char *end;
        options->duration_s = strtod(value, &end);
        if (value[0] == '\0' || *end != '\0' || !(options->duration_s > 0) ||
            options->duration_s > 1e7) {
            hfc_cli_print_error("stream", "--duration wants seconds above 0, got '%s'", value);
            return -1;
        }
        return 0;
    }
    case OPT_LIST_DEVICES:
        options->list_devices = 1;
        return 0;
    default:
        return -1;
    }
}

/* The command line's consistency, before any device or file is touched. */
static int check_options(const hfc_cli_common *common, stream_options *options)
{
    if (options->local == (common->daemon_socket != NULL)) {
        hfc_cli_print_error("stream",
                            "choose where the codec runs: --local (in this process) or "
                            "--daemon SOCKET (see 'hificodec stream --help')");
        return -1;
    }
    if (options->tokens_path != NULL && options->token_format == HFC_TOKENS_AUTO) {
        options->token_format = hfc_cli_is_stdio(options->tokens_path)
                                    ? HFC_TOKENS_HFC
                                    : hfc_cli_token_format_from_path(options->tokens_path);
        if (options->token_format == HFC_TOKENS_AUTO) {
            hfc_cli_print_error("stream",
                                "cannot tell the token format of '%s': name it .hfc or .npy, "
                                "or pass --format hfc|npy",
                                options->tokens_path);
            return -1;
        }
    }
    if (options->tokens_path != NULL && options->token_format == HFC_TOKENS_NPY &&
        hfc_cli_is_stdio(options->tokens_path)) {
        hfc_cli_print_error("stream", ".npy tokens cannot go live to stdout (the header needs "
                                      "the frame count); use --format hfc");
        return -1;
    }
    if (options->tokens_path != NULL && hfc_cli_is_stdio(options->tokens_path) &&
        isatty(STDOUT_FILENO)) {
        hfc_cli_print_error("stream", "-t - would write binary tokens to the terminal; "
                                      "redirect stdout to a file or a pipe");
        return -1;
    }
    char err[HFC_CLI_ERROR_BYTES];
    if (options->record_path != NULL && hfc_record_check(options->record_path, err, sizeof err)) {
        hfc_cli_print_error(options->record_path, "%s", err);
        return -1;
    }
    return 0;
}

/* Everything one run holds, so that one function can release it all. */
typedef struct stream_run {
    hfc_model *model;
    hfc_stream_codec codec;
    int codec_open;
    hfc_capture capture;
    hfc_playback playback;
    int have_playback;
    hfc_token_sink tokens;
    hfc_record record;
    hfc_stream_engine *engine;
} stream_run;

static int open_codec(stream_run *run, const hfc_cli_common *common)
{
    char err[HFC_CLI_ERROR_BYTES];
    if (common->daemon_socket != NULL) {
        if (hfc_stream_codec_open_daemon(&run->codec, common->daemon_socket, err, sizeof err)) {
            char what[HFC_CLI_ERROR_BYTES];
            hfc_stream_codec_name(&run->codec, what, sizeof what);
            hfc_cli_print_error(what, "%s", err);
            return -1;
        }
    } else {
        run->model = hfc_cli_model_load(common, NULL, 0);
        if (run->model == NULL)
            return -1;
        if (hfc_stream_codec_open_local(&run->codec, run->model, common->lookahead_frames, err,
                                        sizeof err) != 0) {
            hfc_cli_print_error("stream", "%s", err);
            return -1;
        }
    }
    run->codec_open = 1;
    return 0;
}

static int open_devices(stream_run *run, const hfc_cli_common *common,
                        const stream_options *options)
{
    char err[HFC_CLI_ERROR_BYTES];
    int input = hfc_audio_find_device(options->input, HFC_AUDIO_INPUT, err, sizeof err);
    if (input < 0) {
        hfc_cli_print_error("stream", "%s", err);
        return -1;
    }
    int output = -1;
    int want_output = options->output == NULL || strcmp(options->output, "none") != 0;
    if (want_output) {
        output = hfc_audio_find_device(options->output, HFC_AUDIO_OUTPUT, err, sizeof err);
        /* Without a default output the stream is still useful when it keeps its
         * tokens or audio; only a device asked for by name must exist. */
        int can_skip = options->output == NULL &&
                       (options->tokens_path != NULL || options->record_path != NULL);
        if (output < 0 && !can_skip) {
            hfc_cli_print_error("stream", "%s", err);
            return -1;
        }
        if (output < 0 && !common->quiet)
            fprintf(stderr, "hificodec: stream: no default output device, not playing\n");
    }
    const hfc_stream_codec_info *info = &run->codec.info;
    double frame_s = (double)info->hop_samples / info->sample_rate_hz;
    if (output >= 0) {
        /* The jitter buffer: one frame, since tokens come a frame at a time, plus
         * the delay asked for. */
        double prime_s = frame_s + options->delay_ms / 1000.0;
        if (hfc_playback_open(&run->playback, output, 0, 2.0, prime_s, err, sizeof err) != 0) {
            hfc_cli_print_error("stream", "%s", err);
            return -1;
        }
        run->have_playback = 1;
    }
    /* A frame is encoded when its last sample is in. At the model's rate, blocks
     * of one frame end exactly there (capture starts at a frame boundary), so
     * smaller ones would gain nothing. Through the resampler its delay moves the
     * frame ends off the block ends and a frame waits for the next block: a
     * quarter frame keeps that wait short. */
    int capture_rate = hfc_audio_device_rate_hz(input);
    double block_s = capture_rate == info->sample_rate_hz ? frame_s : frame_s / 4;
    /* Capture opens last, just before it starts: some devices deliver from the
     * moment they are open. Its ring holds two seconds: the codec thread may
     * stall that long (a slow disk, a busy daemon) before input is lost. */
    if (hfc_capture_open(&run->capture, input, capture_rate, 2.0, block_s, err, sizeof err) != 0) {
        hfc_cli_print_error("stream", "%s", err);
        return -1;
    }
    return 0;
}

static int open_outputs(stream_run *run, const stream_options *options)
{
    char err[HFC_CLI_ERROR_BYTES];
    if (options->tokens_path != NULL) {
        const hfc_stream_codec_info *info = &run->codec.info;
        hfc_token_header header = {
            .model_id = info->model_id,
            .sample_rate_hz = info->sample_rate_hz,
            .hop_samples = info->hop_samples,
            .codebook_size = info->codebook_size,
            .n_codebooks = info->n_codebooks,
            .n_frames = HFC_TOKENS_UNKNOWN_FRAMES,
        };
        if (hfc_token_sink_open(&run->tokens, options->tokens_path, options->token_format,
                                &header, err, sizeof err) != 0) {
            hfc_cli_print_error(hfc_cli_output_name(options->tokens_path), "%s", err);
            return -1;
        }
    }
    if (options->record_path != NULL &&
        hfc_record_open(&run->record, options->record_path, run->codec.info.sample_rate_hz, err,
                        sizeof err) != 0) {
        hfc_cli_print_error(options->record_path, "%s", err);
        return -1;
    }
    return 0;
}

static void describe_setup(const stream_run *run, const hfc_cli_common *common,
                           const stream_options *options)
{
    const hfc_stream_codec_info *info = &run->codec.info;
    double frame_ms = 1000.0 * info->hop_samples / info->sample_rate_hz;
    fprintf(stderr, "hificodec: stream: '%s' at %d Hz -> %s%s (%d Hz, %d tokens every %.1f ms)",
            hfc_audio_device_name(run->capture.device), run->capture.rate_hz,
            common->daemon_socket != NULL ? "daemon " : "local codec",
            common->daemon_socket != NULL ? common->daemon_socket : "", info->sample_rate_hz,
            info->n_codebooks, frame_ms);
    if (run->have_playback)
        fprintf(stderr, " -> '%s' at %d Hz", hfc_audio_device_name(run->playback.device),
                run->playback.rate_hz);
    fprintf(stderr, "; %s\n", options->duration_s > 0 ? "Ctrl-C stops early" : "Ctrl-C stops");
    if (!common->verbose)
        return;
    fprintf(stderr,
            "hificodec: stream: fixed latency: frame and look-ahead %.1f ms, decoder look-ahead "
            "%.1f ms, input buffer %.1f ms",
            1000.0 * info->encoder_latency_samples / info->sample_rate_hz,
            1000.0 * info->decoder_latency_samples / info->sample_rate_hz,
            1000.0 * run->capture.latency_s);
    if (run->have_playback)
        fprintf(stderr, ", jitter buffer %.1f ms, output buffer %.1f ms",
                1000.0 * run->playback.prime_samples / run->playback.rate_hz,
                1000.0 * run->playback.latency_s);
    fputc('\n', stderr);
}

static void sleep_ms(int ms)
{
    struct timespec pause = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&pause, NULL); /* a stop signal cuts it short, which is what we want */
}

/* Starts playback, the codec thread and capture, runs until a stop signal, the
 * duration or a failure, then stops them in the order that loses nothing:
 * capture first, then the codec thread drains its ring and flushes, then
 * playback plays what is left. Returns 0 or -1 (printed). */
static int run_stream(stream_run *run, const hfc_cli_common *common,
                      const stream_options *options)
{
    char err[HFC_CLI_ERROR_BYTES];
    hfc_stream_engine_config config = {
        .codec = &run->codec,
        .capture = &run->capture,
        .playback = run->have_playback ? &run->playback : NULL,
        .tokens = options->tokens_path != NULL ? &run->tokens : NULL,
        .tokens_name = options->tokens_path != NULL ? hfc_cli_output_name(options->tokens_path)
                                                    : NULL,
        .record = options->record_path != NULL ? &run->record : NULL,
        .record_name = options->record_path,
        .max_capture_samples = options->duration_s > 0
                                   ? llround(options->duration_s * run->capture.rate_hz)
                                   : 0,
    };
    run->engine = hfc_stream_engine_create(&config, err, sizeof err);
    if (run->engine == NULL) {
        hfc_cli_print_error("stream", "%s", err);
        return -1;
    }
    if (!common->quiet)
        describe_setup(run, common, options);
    if ((run->have_playback && hfc_audio_stream_start(run->playback.stream, err, sizeof err)) ||
        hfc_stream_engine_start(run->engine, err, sizeof err) != 0) {
        hfc_cli_print_error("stream", "%s", err);
        return -1;
    }
    int capture_failed = hfc_audio_stream_start(run->capture.stream, err, sizeof err) != 0;
    hfc_stop_signals_unblock(); /* every other thread runs now, with them blocked */

    hfc_live_display display;
    hfc_live_display_init(&display, stderr);
    hfc_live_snapshot snapshot;
    while (!capture_failed && !hfc_stop_requested() && !hfc_stream_engine_finished(run->engine)) {
        double now = hfc_audio_now();
        if (!common->quiet && hfc_live_display_due(&display, now)) {
            hfc_stream_engine_snapshot(run->engine, &snapshot);
            hfc_live_display_draw(&display, &snapshot, now);
        }
        sleep_ms(20);
    }

    hfc_audio_stream_stop(run->capture.stream);
    hfc_stream_engine_end_input(run->engine);
    const char *what, *why;
    int engine_failed = hfc_stream_engine_join(run->engine, &what, &why) != 0;
    if (run->have_playback) {
        /* After a failure the rest is not worth waiting for. */
        if (!engine_failed && !capture_failed)
            hfc_playback_drain(&run->playback, 5.0);
        hfc_audio_stream_stop(run->playback.stream);
    }
    if (!common->quiet) {
        hfc_stream_engine_snapshot(run->engine, &snapshot);
        hfc_live_display_finish(&display, &snapshot, hfc_audio_now());
    }
    if (capture_failed) {
        hfc_cli_print_error("stream", "%s", err);
        return -1;
    }
    if (engine_failed) {
        hfc_cli_print_error(what, "%s", why);
        return -1;
    }
    return 0;
}

/* Closes the files (reporting what could not be finished) and frees the rest.
 * Returns -1 when a file could not be finished. */
static int close_run(stream_run *run, const stream_options *options)
{
    char err[HFC_CLI_ERROR_BYTES];
    int failed = 0;
    /* The engine's thread must be gone before the files it writes are closed. */
    hfc_stream_engine_destroy(run->engine);
    if (hfc_token_sink_close(&run->tokens, err, sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_output_name(options->tokens_path), "%s", err);
        failed = 1;
    }
    if (hfc_record_close(&run->record, err, sizeof err) != 0) {
        hfc_cli_print_error(options->record_path, "%s", err);
        failed = 1;
    }
    hfc_capture_close(&run->capture);
    if (run->have_playback)
        hfc_playback_close(&run->playback);
    if (run->codec_open)
        hfc_stream_codec_close(&run->codec);
    hfc_model_free(run->model);
    return failed ? -1 : 0;
}

int hfc_cmd_stream(int argc, char **argv)
{
    static const hfc_cli_option option_table[] = {
        {"help", 'h', 0, HFC_CLI_OPT_HELP},
        {"model", 'm', 1, HFC_CLI_OPT_MODEL},
        {"quiet", 'q', 0, HFC_CLI_OPT_QUIET},
        {"verbose", 'v', 0, HFC_CLI_OPT_VERBOSE},
        {"lookahead", 0, 1, HFC_CLI_OPT_LOOKAHEAD},
        {"daemon", 0, 1, HFC_CLI_OPT_DAEMON},
        {"local", 0, 0, OPT_LOCAL},
        {"input", 'i', 1, OPT_INPUT},
        {"output", 'o', 1, OPT_OUTPUT},
        {"delay", 0, 1, OPT_DELAY},
        {"tokens", 't', 1, OPT_TOKENS},
        {"format", 'f', 1, OPT_FORMAT},
        {"record", 'r', 1, OPT_RECORD},
        {"duration", 'd', 1, OPT_DURATION},
        {"list-devices", 0, 0, OPT_LIST_DEVICES},
        {NULL, 0, 0, 0},
    };
    hfc_cli_common common;
    stream_options options;
    memset(&options, 0, sizeof options);
    if (hfc_cli_parse_command("stream", argc, argv, option_table, &common, apply_stream_option,
                              &options, NULL, 0) < 0)
        return HFC_CLI_EXIT_USAGE;
    if (common.help) {
        fputs(stream_help, stdout);
        fputs(stream_help_display, stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (!options.list_devices && check_options(&common, &options) != 0)
        return HFC_CLI_EXIT_USAGE;

    hfc_stop_signals_install(); /* before any thread exists, so all inherit the block */
    char err[HFC_CLI_ERROR_BYTES];
    if (hfc_audio_init(common.verbose, err, sizeof err) != 0) {
        hfc_cli_print_error("stream", "%s", err);
        return HFC_CLI_EXIT_FAILURE;
    }
    if (options.list_devices) {
        hfc_audio_list_devices(stdout);
        hfc_audio_terminate();
        return HFC_CLI_EXIT_OK;
    }
    stream_run run;
    memset(&run, 0, sizeof run);
    int failed = open_codec(&run, &common) != 0 || open_devices(&run, &common, &options) != 0 ||
                 open_outputs(&run, &options) != 0 || run_stream(&run, &common, &options) != 0;
    if (close_run(&run, &options) != 0)
        failed = 1;
    hfc_audio_terminate();
    return failed ? HFC_CLI_EXIT_FAILURE : HFC_CLI_EXIT_OK;
}
