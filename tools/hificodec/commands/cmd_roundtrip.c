/* hificodec roundtrip: audio -> tokens -> audio in one process, no token file. */
#include "audio_io.h"
#include "cli_common.h"
#include "codec_chunked.h"
#include "codec_run.h"
#include "commands.h"
#include "file_io.h"
#include "lossy_decode.h"

#include <stdio.h>
#include <stdlib.h>

static const char roundtrip_help[] =
    "Usage: hificodec roundtrip [OPTIONS] IN OUT\n"
    "\n"
    "Encode speech and decode it again: what a listener on the other end of a\n"
    "HiFi-Codec link hears. The same as 'hificodec encode' followed by 'hificodec\n"
    "decode', without the token file.\n"
    "\n"
    "IN is any audio file libsndfile reads, at any rate and channel count, or a 1-D\n"
    ".npy array at the model's rate; \"-\" reads stdin. It is averaged to mono and\n"
    "resampled to the model's rate. OUT receives floor(n / hop) x hop samples at the\n"
    "model's rate (the samples after the last whole frame are dropped), in the format\n"
    "of its extension (.wav, .flac, .ogg, .opus, .aiff, .au, .caf, .w64, .rf64,\n"
    ".npy); \"-\" writes WAV to stdout. 16-bit PCM unless --float.\n"
    "\n"
    "With --loss (or --redundancy) the tokens cross a simulated lossy network:\n"
    "one RTP packet per frame (docs/RTP.md), lost by the pattern asked for, and the\n"
    "streaming decoder conceals what is missing; OUT keeps its length. -v then\n"
    "prints packets lost, frames recovered from redundancy and concealed, and the\n"
    "CPU time per concealed and per decoded frame. 'hificodec opus' takes the same\n"
    "--loss, --burst and --loss-seed and loses the same packets.\n"
    "\n"
    "Options:\n"
    "      --float        write 32-bit float samples (not for FLAC)\n"
    HFC_CLI_LOSSY_OPTIONS_HELP
    HFC_CLI_CODEC_OPTIONS_HELP
    HFC_CLI_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  hificodec roundtrip speech.flac coded.wav\n"
    "  hificodec roundtrip -v -m causal.safetensors --float in.wav out.wav\n"
    "  hificodec roundtrip -v --loss 10 --burst 3 speech.flac lossy.wav\n"
    "  hificodec roundtrip -v --loss 10 --redundancy 2 speech.flac lossy.wav\n"
    "\n" HFC_CLI_EXIT_STATUS_HELP;

enum { OPT_FLOAT = HFC_CLI_OPT_FIRST_OWN, OPT_LOSSY_FIRST };

typedef struct roundtrip_options {
    int as_float;
    hfc_cli_lossy_options lossy;
} roundtrip_options;

static int apply_roundtrip_option(void *user, int id, const char *value)
{
    roundtrip_options *o = user;
    if (id == OPT_FLOAT) {
        o->as_float = 1;
        return 0;
    }
    if (id >= OPT_LOSSY_FIRST && id < OPT_LOSSY_FIRST + HFC_CLI_LOSSY_OPTION_COUNT)
        return hfc_cli_lossy_apply(&o->lossy, "roundtrip", id - OPT_LOSSY_FIRST, value);
    return -1;
}

/* Decodes through the simulated lossy link (lossy_decode.h) into a malloc'd *pcm. */
static int run_lossy_decode(const hfc_cli_codec *codec, const hfc_cli_common *common,
                            const hfc_cli_lossy_options *lossy, const hfc_token *tokens,
                            int64_t n_frames, float **pcm, int64_t *n_samples)
{
    const int64_t capacity = n_frames * codec->info.hop_samples;
    float *out = malloc((size_t)capacity * sizeof *out);
    char err[HFC_CLI_ERROR_BYTES];
    hfc_cli_lossy_stats stats;
    if (out == NULL) {
        hfc_cli_print_error("roundtrip", "out of memory for %lld frames", (long long)n_frames);
        return -1;
    }
    if (hfc_cli_lossy_decode(codec->model, lossy, tokens, n_frames, out, &stats, err,
                             sizeof err) != 0) {
        hfc_cli_print_error("roundtrip", "%s", err);
        free(out);
        return -1;
    }
    if (common->verbose)
        hfc_cli_lossy_report("roundtrip", lossy, &stats);
    *pcm = out;
    *n_samples = capacity;
    return 0;
}

int hfc_cmd_roundtrip(int argc, char **argv)
{
    static const hfc_cli_option options[] = {
        HFC_CLI_COMMON_OPTIONS, HFC_CLI_CODEC_OPTIONS, {"float", 0, 0, OPT_FLOAT},
        HFC_CLI_LOSSY_OPTIONS(OPT_LOSSY_FIRST), {NULL, 0, 0, 0}};
    hfc_cli_common common;
    roundtrip_options o = {0};
    hfc_cli_lossy_options_init(&o.lossy);
    const char *paths[2];
    int n_paths = hfc_cli_parse_command("roundtrip", argc, argv, options, &common,
                                        apply_roundtrip_option, &o, paths, 2);
    if (n_paths < 0)
        return HFC_CLI_EXIT_USAGE;
    const int as_float = o.as_float;
    if (common.help) {
        fputs(roundtrip_help, stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (n_paths != 2) {
        hfc_cli_print_error("roundtrip", "needs IN and OUT (see 'hificodec roundtrip --help')");
        return HFC_CLI_EXIT_USAGE;
    }
    const int lossy = common.help ? 0 : hfc_cli_lossy_wanted(&o.lossy, "roundtrip");
    if (lossy < 0)
        return HFC_CLI_EXIT_USAGE;
    if (lossy && common.daemon_socket != NULL) {
        hfc_cli_print_error("roundtrip", "--loss and --redundancy run in this process, not "
                            "with --daemon");
        return HFC_CLI_EXIT_USAGE;
    }
    char err[HFC_CLI_ERROR_BYTES];
    if (hfc_cli_audio_check_writable(paths[1], as_float, err, sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_output_name(paths[1]), "%s", err);
        return HFC_CLI_EXIT_USAGE;
    }

    hfc_cli_codec codec;
    if (hfc_cli_codec_open(&codec, &common, "roundtrip") != 0)
        return HFC_CLI_EXIT_FAILURE;
    /* The lossy link decodes the whole token stream itself; the constant-memory
     * path is for lossless round trips. */
    if (!lossy && hfc_cli_chunked_applies(&codec, &common)) {
        int chunked = hfc_cli_chunked_roundtrip(&codec, &common, paths[0], paths[1], as_float);
        hfc_cli_codec_close(&codec);
        return chunked;
    }
    const hfc_model_info info = codec.info;
    int status = HFC_CLI_EXIT_FAILURE;
    hfc_cli_audio audio;
    hfc_token *tokens = NULL;
    int64_t n_frames = 0, n_samples = 0;
    float *pcm = NULL;
    if (hfc_cli_audio_read(paths[0], info.sample_rate_hz, &audio, err, sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_input_name(paths[0]), "%s", err);
    } else if (hfc_cli_run_encode(&codec, &common, &audio, &tokens, &n_frames) == 0 &&
               (lossy ? run_lossy_decode(&codec, &common, &o.lossy, tokens, n_frames, &pcm,
                                         &n_samples)
                      : hfc_cli_run_decode(&codec, &common, tokens, n_frames, &pcm,
                                           &n_samples)) == 0) {
        if (hfc_cli_audio_write(paths[1], pcm, n_samples, info.sample_rate_hz, as_float, err,
                                sizeof err) != 0)
            hfc_cli_print_error(hfc_cli_output_name(paths[1]), "%s", err);
        else
            status = HFC_CLI_EXIT_OK;
    }
    free(pcm);
    free(tokens);
    hfc_cli_audio_free(&audio);
    hfc_cli_codec_close(&codec);
    return status;
}
