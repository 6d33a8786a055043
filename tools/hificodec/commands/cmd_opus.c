/* hificodec opus: the Opus baseline that hificodec is compared against, as a round
 * trip through libopus with fixed speech settings (tools/metrics/opus_baseline.h). */
#include "audio_io.h"
#include "cli_common.h"
#include "commands.h"
#include "file_io.h"
#include "loss_options.h"
#include "opus_baseline.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The baseline runs at the codec's rate: wideband speech. */
#define OPUS_CMD_RATE_HZ 16000

static const char opus_help[] =
    "Usage: hificodec opus --bitrate BPS [OPTIONS] IN OUT\n"
    "\n"
    "Encode speech with Opus (libopus) and decode it again: the reference that\n"
    "hificodec is measured against. Pair it with 'hificodec eval'.\n"
    "\n"
    "Opus settings: 16 kHz mono, 20 ms frames, application VOIP, signal type\n"
    "voice, bandwidth and maximum bandwidth forced to wideband (unless\n"
    "--auto-bandwidth), variable bitrate and every other setting at libopus's\n"
    "defaults; no packet loss unless --loss, which loses packets exactly as\n"
    "'hificodec roundtrip --loss' does with the same --loss, --burst and\n"
    "--loss-seed, and decodes each lost one with libopus's own concealment\n"
    "(opus_decode_float with a NULL packet; no in-band FEC).\n"
    "\n"
    "IN is any audio file libsndfile reads, at any rate and channel count, or a 1-D\n"
    ".npy array at 16 kHz; \"-\" reads stdin. It is averaged to mono and resampled\n"
    "to 16 kHz. OUT receives as many samples as IN has at 16 kHz, time-aligned with\n"
    "it: the encoder's look-ahead (OPUS_GET_LOOKAHEAD, 6.5 ms) is removed. Its format\n"
    "follows its extension (.wav, .flac, .ogg, .opus, .aiff, .au, .caf, .w64, .rf64,\n"
    ".npy); \"-\" writes WAV to stdout. 16-bit PCM unless --float.\n"
    "\n"
    "Options:\n"
    "  -b, --bitrate BPS  target bitrate in bit/s, 500..512000; a 'k' suffix\n"
    "                     multiplies by 1000 (6000 and 6k are the same). Required.\n"
    "      --float        write 32-bit float samples (not for FLAC)\n"
    "      --auto-bandwidth  let libopus choose the bandwidth, as an application\n"
    "                     that sets none does (narrowband at 6 kbit/s)\n"
    HFC_CLI_LOSS_OPTIONS_HELP
    "  -q, --quiet        print errors only\n"
    "  -v, --verbose      print the look-ahead, packets and the bitrate reached\n"
    "  -h, --help         print this help and exit\n"
    "\n"
    "Examples:\n"
    "  hificodec opus --bitrate 8000 speech.flac opus8k.wav\n"
    "  hificodec opus -b 6k -v speech.wav - | aplay\n"
    "  hificodec opus -b 8k --loss 10 --burst 3 speech.flac opus8k-lossy.wav\n"
    "\n" HFC_CLI_EXIT_STATUS_HELP;

enum { OPT_BITRATE = HFC_CLI_OPT_FIRST_OWN, OPT_FLOAT, OPT_AUTO_BANDWIDTH, OPT_LOSS_FIRST };

typedef struct opus_options {
    int bitrate_bps; /* 0 until given */
    int as_float;
    int bandwidth; /* enum hfc_opus_bandwidth */
    hfc_cli_loss_options loss;
} opus_options;

static int lose_packet(void *user)
{
    return hfc_loss_pattern_next(user);
}

/* "8000" or "8k" (also "8.5k") -> bit/s in 500..512000. */
static int parse_bitrate(const char *text, int *out)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (end != text && (*end == 'k' || *end == 'K')) {
        value *= 1000.0;
        end++;
    }
    if (end == text || *end != '\0' || errno != 0 || !(value >= 500.0 && value <= 512000.0)) {
        hfc_cli_print_error("opus", "--bitrate wants bit/s in 500..512000 (or 0.5k..512k), "
                            "got '%s'", text);
        return -1;
    }
    *out = (int)(value + 0.5);
    return 0;
}

static int apply_opus_option(void *user, int id, const char *value)
{
    opus_options *o = user;
    switch (id) {
    case OPT_BITRATE:
        return parse_bitrate(value, &o->bitrate_bps);
    case OPT_FLOAT:
        o->as_float = 1;
        return 0;
    case OPT_AUTO_BANDWIDTH:
        o->bandwidth = HFC_OPUS_BANDWIDTH_AUTO;
        return 0;
    default:
        if (id >= OPT_LOSS_FIRST && id < OPT_LOSS_FIRST + HFC_CLI_LOSS_OPTION_COUNT)
            return hfc_cli_loss_apply(&o->loss, "opus", id - OPT_LOSS_FIRST, value);
        return -1;
    }
}

int hfc_cmd_opus(int argc, char **argv)
{
    static const hfc_cli_option options[] = {
        {"help", 'h', 0, HFC_CLI_OPT_HELP},   {"quiet", 'q', 0, HFC_CLI_OPT_QUIET},
        {"verbose", 'v', 0, HFC_CLI_OPT_VERBOSE}, {"bitrate", 'b', 1, OPT_BITRATE},
        {"float", 0, 0, OPT_FLOAT},           {"auto-bandwidth", 0, 0, OPT_AUTO_BANDWIDTH},
        HFC_CLI_LOSS_OPTIONS(OPT_LOSS_FIRST), {NULL, 0, 0, 0}};
    hfc_cli_common common;
    opus_options o = {0, 0, HFC_OPUS_BANDWIDTH_WIDE, {0}};
    hfc_cli_loss_options_init(&o.loss);
    const char *paths[2];
    int n_paths = hfc_cli_parse_command("opus", argc, argv, options, &common, apply_opus_option,
                                        &o, paths, 2);
    if (n_paths < 0)
        return HFC_CLI_EXIT_USAGE;
    if (common.help) {
        fputs(opus_help, stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (o.bitrate_bps == 0) {
        hfc_cli_print_error("opus", "needs --bitrate BPS (see 'hificodec opus --help')");
        return HFC_CLI_EXIT_USAGE;
    }
    if (n_paths != 2) {
        hfc_cli_print_error("opus", "needs IN and OUT (see 'hificodec opus --help')");
        return HFC_CLI_EXIT_USAGE;
    }
    if (hfc_cli_loss_check(&o.loss, "opus") != 0)
        return HFC_CLI_EXIT_USAGE;
    hfc_loss_pattern pattern;
    hfc_cli_loss_pattern(&o.loss, &pattern);
    char err[HFC_CLI_ERROR_BYTES];
    if (hfc_cli_audio_check_writable(paths[1], o.as_float, err, sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_output_name(paths[1]), "%s", err);
        return HFC_CLI_EXIT_USAGE;
    }

    hfc_cli_audio audio;
    if (hfc_cli_audio_read(paths[0], OPUS_CMD_RATE_HZ, &audio, err, sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_input_name(paths[0]), "%s", err);
        return HFC_CLI_EXIT_FAILURE;
    }
    int status = HFC_CLI_EXIT_FAILURE;
    float *decoded = malloc((size_t)audio.n_samples * sizeof(*decoded));
    hfc_opus_baseline_info info;
    int st = decoded == NULL ? HFC_ERR_NO_MEMORY
                             : hfc_opus_baseline_roundtrip_lossy(
                                   audio.samples, audio.n_samples, OPUS_CMD_RATE_HZ,
                                   o.bitrate_bps, o.bandwidth,
                                   o.loss.enabled ? lose_packet : NULL, &pattern, decoded,
                                   &info);
    if (st != HFC_OK) {
        hfc_cli_print_error("opus", "%s: %s", hfc_cli_input_name(paths[0]), hfc_strerror(st));
    } else if (hfc_cli_audio_write(paths[1], decoded, audio.n_samples, OPUS_CMD_RATE_HZ,
                                   o.as_float, err, sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_output_name(paths[1]), "%s", err);
    } else {
        status = HFC_CLI_EXIT_OK;
        if (common.verbose)
            fprintf(stderr, "hificodec: opus: %lld packets of 20 ms, %.0f bit/s on average "
                    "(target %d), look-ahead %d samples removed, last packet's bandwidth "
                    "%d Hz\n", (long long)info.n_packets, info.mean_bitrate_bps, o.bitrate_bps,
                    info.lookahead_samples, info.last_bandwidth_hz);
        if (common.verbose && o.loss.enabled) {
            char loss[64];
            hfc_cli_loss_describe(&o.loss, loss, sizeof loss);
            fprintf(stderr, "hificodec: opus: loss %s, seed %llu: %lld packets, %lld lost "
                    "(%.2f%%), concealed by libopus\n", loss, (unsigned long long)o.loss.seed,
                    (long long)info.n_packets, (long long)info.n_lost,
                    100.0 * (double)info.n_lost / (double)info.n_packets);
        }
    }
    free(decoded);
    hfc_cli_audio_free(&audio);
    return status;
}
