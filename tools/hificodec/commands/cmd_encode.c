/* hificodec encode: audio file -> token file. */
#include "audio_io.h"
#include "cli_common.h"
#include "codec_chunked.h"
#include "codec_run.h"
#include "commands.h"
#include "file_io.h"
#include "token_file.h"

#include <stdio.h>
#include <stdlib.h>

static const char encode_help[] =
    "Usage: hificodec encode [OPTIONS] IN OUT\n"
    "\n"
    "Encode speech into HiFi-Codec tokens.\n"
    "\n"
    "IN is an audio file in any format libsndfile reads (WAV, FLAC, Ogg Vorbis, Opus,\n"
    "AIFF, ...), at any sample rate, with any number of channels; or a 1-D .npy array\n"
    "(float32, float64 or int16), taken to be at the model's rate. Channels are\n"
    "averaged to mono and the audio is resampled to the model's rate (16 kHz for the\n"
    "default model) with libsoxr's high-quality resampler. \"-\" reads stdin.\n"
    "\n"
    "OUT receives n_codebooks tokens per frame (the default model: 4 tokens of 10 bits\n"
    "every 20 ms, 2 kbit/s) as either\n"
    "  .hfc  the compact bitstream: a 44-byte header naming the model, then the\n"
    "        tokens bit-packed (docs/TOKENS.md), or\n"
    "  .npy  a NumPy int16 array of shape [frames, codebooks].\n"
    "The format follows OUT's extension; --format overrides it, and \"-\" (stdout)\n"
    "needs it. Audio of n samples gives floor(n / hop) frames (official model\n"
    "arithmetic); input shorter than one frame is an error.\n"
    "\n"
    "Options:\n"
    "  -f, --format FMT   token format: hfc or npy (default: OUT's extension)\n"
    HFC_CLI_CODEC_OPTIONS_HELP
    HFC_CLI_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  hificodec encode speech.flac speech.hfc\n"
    "  hificodec encode -v --threads 2 meeting-48k-stereo.wav meeting.npy\n"
    "  cat speech.wav | hificodec encode --format hfc - - | hificodec decode - out.wav\n"
    "\n" HFC_CLI_EXIT_STATUS_HELP;

enum { OPT_FORMAT = HFC_CLI_OPT_FIRST_OWN };

static int apply_encode_option(void *user, int id, const char *value)
{
    int *format = user;
    if (id != OPT_FORMAT)
        return -1;
    *format = hfc_cli_token_format_from_name(value);
    if (*format == HFC_TOKENS_AUTO) {
        hfc_cli_print_error("encode", "--format wants hfc or npy, got '%s'", value);
        return -1;
    }
    return 0;
}

/* The format for out_path: --format if given, else the extension. */
static int choose_format(int format_option, const char *out_path)
{
    if (format_option != HFC_TOKENS_AUTO)
        return format_option;
    int format = hfc_cli_token_format_from_path(out_path);
    if (format == HFC_TOKENS_AUTO)
        hfc_cli_print_error("encode",
                            "cannot tell the token format of '%s': name it .hfc or .npy, or "
                            "pass --format hfc|npy",
                            out_path);
    return format;
}

int hfc_cmd_encode(int argc, char **argv)
{
    static const hfc_cli_option options[] = {
        HFC_CLI_COMMON_OPTIONS, HFC_CLI_CODEC_OPTIONS, {"format", 'f', 1, OPT_FORMAT}, {NULL, 0, 0, 0}};
    hfc_cli_common common;
    int format_option = HFC_TOKENS_AUTO;
    const char *paths[2];
    int n_paths = hfc_cli_parse_command("encode", argc, argv, options, &common,
                                        apply_encode_option, &format_option, paths, 2);
    if (n_paths < 0)
        return HFC_CLI_EXIT_USAGE;
    if (common.help) {
        fputs(encode_help, stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (n_paths != 2) {
        hfc_cli_print_error("encode", "needs IN and OUT (see 'hificodec encode --help')");
        return HFC_CLI_EXIT_USAGE;
    }
    int format = choose_format(format_option, paths[1]);
    if (format == HFC_TOKENS_AUTO)
        return HFC_CLI_EXIT_USAGE;

    hfc_cli_codec codec;
    if (hfc_cli_codec_open(&codec, &common, "encode") != 0)
        return HFC_CLI_EXIT_FAILURE;
    if (hfc_cli_chunked_applies(&codec, &common)) {
        int chunked = hfc_cli_chunked_encode(&codec, &common, paths[0], paths[1], format);
        hfc_cli_codec_close(&codec);
        return chunked;
    }
    hfc_token_header header;
    hfc_cli_header_for_codec(&codec, &header);
    int status = HFC_CLI_EXIT_FAILURE;
    char err[HFC_CLI_ERROR_BYTES];
    hfc_cli_audio audio;
    hfc_token *tokens = NULL;
    int64_t n_frames = 0;
    if (hfc_cli_audio_read(paths[0], header.sample_rate_hz, &audio, err, sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_input_name(paths[0]), "%s", err);
    } else if (hfc_cli_run_encode(&codec, &common, &audio, &tokens, &n_frames) == 0) {
        if (hfc_cli_tokens_write(paths[1], format, &header, tokens, n_frames, err, sizeof err) != 0)
            hfc_cli_print_error(hfc_cli_output_name(paths[1]), "%s", err);
        else
            status = HFC_CLI_EXIT_OK;
    }
    free(tokens);
    hfc_cli_audio_free(&audio);
    hfc_cli_codec_close(&codec);
    return status;
}
