/* hificodec decode: token file -> audio file. */
#include "audio_io.h"
#include "cli_common.h"
#include "codec_chunked.h"
#include "codec_run.h"
#include "commands.h"
#include "file_io.h"
#include "token_file.h"

#include <stdio.h>
#include <stdlib.h>

static const char decode_help[] =
    "Usage: hificodec decode [OPTIONS] IN OUT\n"
    "\n"
    "Decode HiFi-Codec tokens back into speech.\n"
    "\n"
    "IN is a .hfc bitstream or a .npy integer array of shape [frames, codebooks],\n"
    "recognised by its first bytes whatever its name, so \"-\" reads either from stdin.\n"
    "Every token must be in [0, codebook size). A .hfc file records the model that\n"
    "wrote it: its sample rate, hop and codebooks must match the decoding model, and\n"
    "so must its model id unless --force is given (another model's tokens decode to\n"
    "noise, so this is an error by default).\n"
    "\n"
    "OUT receives frames x hop mono samples at the model's rate, in the format of its\n"
    "extension: .wav, .flac, .ogg (Vorbis), .opus, .aiff, .au, .caf, .w64, .rf64, or\n"
    ".npy (float32); \"-\" writes WAV to stdout. Samples are 16-bit PCM (scaled by\n"
    "32768, rounded, clipped) unless --float.\n"
    "\n"
    "Options:\n"
    "      --float        write 32-bit float samples, unclipped (WAV, AIFF, AU, CAF,\n"
    "                     W64, RF64; .npy is always float32)\n"
    "      --force        decode a .hfc file that a different model wrote (its rate,\n"
    "                     hop and codebooks must still match); warns instead\n"
    HFC_CLI_CODEC_OPTIONS_HELP
    HFC_CLI_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  hificodec decode speech.hfc speech.wav\n"
    "  hificodec decode --float codes.npy speech.wav\n"
    "  hificodec encode --format hfc in.flac - | hificodec decode - - > out.wav\n"
    "\n" HFC_CLI_EXIT_STATUS_HELP;

enum { OPT_FLOAT = HFC_CLI_OPT_FIRST_OWN, OPT_FORCE };

typedef struct decode_options {
    int as_float;
    int force;
} decode_options;

static int apply_decode_option(void *user, int id, const char *value)
{
    decode_options *options = user;
    (void)value;
    if (id == OPT_FLOAT)
        options->as_float = 1;
    else if (id == OPT_FORCE)
        options->force = 1;
    else
        return -1;
    return 0;
}

int hfc_cmd_decode(int argc, char **argv)
{
    static const hfc_cli_option options[] = {HFC_CLI_COMMON_OPTIONS, HFC_CLI_CODEC_OPTIONS,
                                             {"float", 0, 0, OPT_FLOAT},
                                             {"force", 0, 0, OPT_FORCE},
                                             {NULL, 0, 0, 0}};
    hfc_cli_common common;
    decode_options own = {0, 0};
    const char *paths[2];
    int n_paths = hfc_cli_parse_command("decode", argc, argv, options, &common,
                                        apply_decode_option, &own, paths, 2);
    if (n_paths < 0)
        return HFC_CLI_EXIT_USAGE;
    if (common.help) {
        fputs(decode_help, stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (n_paths != 2) {
        hfc_cli_print_error("decode", "needs IN and OUT (see 'hificodec decode --help')");
        return HFC_CLI_EXIT_USAGE;
    }

    char err[HFC_CLI_ERROR_BYTES];
    if (hfc_cli_audio_check_writable(paths[1], own.as_float, err, sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_output_name(paths[1]), "%s", err);
        return HFC_CLI_EXIT_USAGE;
    }
    hfc_cli_codec codec;
    if (hfc_cli_codec_open(&codec, &common, "decode") != 0)
        return HFC_CLI_EXIT_FAILURE;
    if (hfc_cli_chunked_applies(&codec, &common)) {
        int chunked = hfc_cli_chunked_decode(&codec, &common, paths[0], paths[1], own.as_float,
                                             own.force);
        hfc_cli_codec_close(&codec);
        return chunked;
    }
    const hfc_model_info info = codec.info;
    const char *in_name = hfc_cli_input_name(paths[0]);
    int status = HFC_CLI_EXIT_FAILURE;
    hfc_cli_tokens tokens;
    float *pcm = NULL;
    int64_t n_samples = 0;
    if (hfc_cli_tokens_read(paths[0], info.codebook_size, &tokens, err, sizeof err) != 0) {
        hfc_cli_print_error(in_name, "%s", err);
    } else if (hfc_cli_check_tokens_fit(&tokens.header, &info, in_name, &common, own.force,
                                        "--force decodes it anyway") == 0 &&
               hfc_cli_run_decode(&codec, &common, tokens.tokens, tokens.n_frames, &pcm,
                                  &n_samples) == 0) {
        if (hfc_cli_audio_write(paths[1], pcm, n_samples, info.sample_rate_hz, own.as_float, err,
                                sizeof err) != 0)
            hfc_cli_print_error(hfc_cli_output_name(paths[1]), "%s", err);
        else
            status = HFC_CLI_EXIT_OK;
    }
    free(pcm);
    hfc_cli_tokens_free(&tokens);
    hfc_cli_codec_close(&codec);
    return status;
}
