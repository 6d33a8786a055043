/* hificodec eval: objective quality of a degraded (decoded) file against its
 * reference: delay, STOI, ESTOI, log-mel distance and SI-SDR (tools/metrics). */
#include "audio_io.h"
#include "cli_common.h"
#include "commands.h"
#include "file_io.h"
#include "metrics.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char eval_help[] =
    "Usage: hificodec eval [OPTIONS] REF DEGRADED\n"
    "\n"
    "Measure how close DEGRADED (a decoded or processed file) is to REF (the\n"
    "original) with objective speech-quality metrics. Both files are read like\n"
    "every hificodec input (any libsndfile format or a 1-D .npy array; \"-\" is\n"
    "stdin, for one of them), averaged to mono and resampled to a common rate.\n"
    "DEGRADED is then aligned to REF: the delay that maximises their\n"
    "cross-correlation within +-max-lag is removed and both are cut to the part\n"
    "they share, so codec delay and different lengths do not count against it.\n"
    "Where that delay disagrees with the one that best lines up the two files'\n"
    "band energy envelopes (output that does not keep the waveform's phase, as\n"
    "from a neural decoder), the envelopes decide, to within 1 ms at 16 kHz.\n"
    "\n"
    "Metrics (computed on the aligned overlap):\n"
    "  delay     how much DEGRADED lags REF, in ms (negative: it leads)\n"
    "  STOI      short-time objective intelligibility (Taal et al. 2011), at 10 kHz\n"
    "            after silent-frame removal; about 0.4 (unintelligible) to 1\n"
    "  ESTOI     extended STOI (Jensen & Taal 2016); also 1 for identical input,\n"
    "            lower and more sensitive to modulated distortion than STOI\n"
    "  log-mel   mean |log10 mel energy difference| over 80 mel bands, 1024-point\n"
    "            FFT, hop 256, energies floored at 1e-7; 0 is identical, lower is\n"
    "            better. Mel bands as torchaudio's MelSpectrogram (HTK scale, no\n"
    "            band normalisation, reflect padding), the convention of the\n"
    "            project's reference numbers, unless --logmel-style librosa\n"
    "  SI-SDR    scale-invariant signal-to-distortion ratio in dB; higher is\n"
    "            better; it punishes any phase change, so neural codecs score low\n"
    "            on it even when they sound right\n"
    "STOI and ESTOI need at least 30 frames (about 0.4 s) of non-silent speech;\n"
    "with less they are reported as n/a (null in JSON) with a warning.\n"
    "\n"
    "Options:\n"
    "      --json            print one JSON object instead of the table\n"
    "      --max-lag-ms N    largest delay searched, in ms (default 250; 0 = assume\n"
    "                        the files are aligned)\n"
    "      --rate HZ         common sample rate, 8000..48000 (default 16000)\n"
    "      --logmel-style S  torchaudio (default) or librosa: the mel spectrogram\n"
    "                        conventions of torchaudio's MelSpectrogram (HTK mel\n"
    "                        scale, unnormalised bands, reflect padding) or of\n"
    "                        librosa >= 0.10 (Slaney), which gives slightly lower\n"
    "                        distances\n"
    "  -q, --quiet           no warnings, only errors\n"
    "  -h, --help            print this help and exit\n"
    "\n"
    "JSON fields: reference, degraded, rate_hz, delay_samples, delay_ms, n_samples,\n"
    "duration_s, correlation (normalised cross-correlation at that delay), stoi,\n"
    "estoi, logmel_distance, logmel_style, si_sdr_db, level_db (the degraded\n"
    "file's energy against the reference's over the compared span, dB); a metric\n"
    "that could not be computed is null.\n"
    "\n"
    "Examples:\n"
    "  hificodec roundtrip speech.flac coded.wav && hificodec eval speech.flac coded.wav\n"
    "  hificodec opus --bitrate 8000 speech.flac opus8k.wav\n"
    "  hificodec eval --json speech.flac opus8k.wav\n"
    "\n" HFC_CLI_EXIT_STATUS_HELP;

enum { OPT_JSON = HFC_CLI_OPT_FIRST_OWN, OPT_MAX_LAG, OPT_RATE, OPT_LOGMEL_STYLE };

typedef struct eval_options {
    int json;
    int max_lag_ms;
    int rate_hz;
    int logmel_style; /* enum hfc_logmel_style */
} eval_options;

static const char *logmel_style_name(int style)
{
    return style == HFC_LOGMEL_TORCHAUDIO ? "torchaudio" : "librosa";
}

static int apply_eval_option(void *user, int id, const char *value)
{
    eval_options *o = user;
    switch (id) {
    case OPT_JSON:
        o->json = 1;
        return 0;
    case OPT_MAX_LAG:
        return hfc_cli_parse_int("eval", "--max-lag-ms", value, 0, 10000, &o->max_lag_ms);
    case OPT_RATE:
        return hfc_cli_parse_int("eval", "--rate", value, 8000, 48000, &o->rate_hz);
    case OPT_LOGMEL_STYLE:
        if (strcmp(value, "librosa") == 0) {
            o->logmel_style = HFC_LOGMEL_LIBROSA;
        } else if (strcmp(value, "torchaudio") == 0) {
            o->logmel_style = HFC_LOGMEL_TORCHAUDIO;
        } else {
            hfc_cli_print_error("eval", "--logmel-style wants librosa or torchaudio, got '%s'",
                                value);
            return -1;
        }
        return 0;
    default:
        return -1;
    }
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void print_json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void print_json_number(const char *key, double value, int last)
{
    if (isfinite(value))
        printf("\"%s\": %.6f%s", key, value, last ? "" : ", ");
    else
        printf("\"%s\": null%s", key, last ? "" : ", ");
}

static void print_row(const char *name, double value, const char *format, const char *unit)
{
    printf("%-10s ", name);
    if (isfinite(value)) {
        printf(format, value);
        printf("%s\n", unit);
    } else {
        printf("n/a\n");
    }
}

typedef struct eval_result {
    hfc_alignment alignment;
    hfc_stoi_result stoi;
    double logmel;
    double si_sdr_db;
    double level_db;
} eval_result;

/* Aligns and measures; returns 0, or -1 after printing an error. */
static int measure(const char *ref_name, const hfc_cli_audio *ref, const hfc_cli_audio *deg,
                   const eval_options *o, int quiet, eval_result *r)
{
    int64_t max_lag = (int64_t)o->max_lag_ms * o->rate_hz / 1000;
    int st = hfc_metrics_align(ref->samples, ref->n_samples, deg->samples, deg->n_samples, max_lag,
                               &r->alignment);
    if (st != HFC_OK) {
        hfc_cli_print_error("eval", "alignment failed: %s", hfc_strerror(st));
        return -1;
    }
    const float *a = ref->samples + r->alignment.ref_offset;
    const float *b = deg->samples + r->alignment.deg_offset;
    int64_t n = r->alignment.n_samples;
    if (n < HFC_LOGMEL_FFT_SIZE) {
        hfc_cli_print_error("eval", "the files overlap by only %lld samples after alignment; "
                            "need at least %d", (long long)n, HFC_LOGMEL_FFT_SIZE);
        return -1;
    }
    st = hfc_metrics_stoi(a, b, n, o->rate_hz, &r->stoi);
    if (st == HFC_ERR_UNSUPPORTED) {
        hfc_cli_print_error("eval", "STOI cannot resample %d Hz to 10 kHz; use a common --rate "
                            "such as 16000", o->rate_hz);
        return -1;
    }
    if (st == HFC_ERR_TOO_SHORT) {
        if (!quiet)
            fprintf(stderr, "hificodec: eval: warning: %s has under 30 non-silent STOI frames "
                    "(about 0.4 s of speech); STOI and ESTOI are n/a\n", ref_name);
    } else if (st != HFC_OK) {
        hfc_cli_print_error("eval", "STOI failed: %s", hfc_strerror(st));
        return -1;
    }
    st = hfc_metrics_logmel_distance_style(a, b, n, o->rate_hz, o->logmel_style, &r->logmel);
    if (st != HFC_OK) {
        hfc_cli_print_error("eval", "log-mel distance failed: %s", hfc_strerror(st));
        return -1;
    }
    st = hfc_metrics_si_sdr_db(a, b, n, &r->si_sdr_db);
    if (st == HFC_ERR_INVALID_ARG) {
        if (!quiet)
            fprintf(stderr, "hificodec: eval: warning: %s is silent; SI-SDR is n/a\n", ref_name);
    } else if (st != HFC_OK) {
        hfc_cli_print_error("eval", "SI-SDR failed: %s", hfc_strerror(st));
        return -1;
    }
    st = hfc_metrics_level_db(a, b, n, &r->level_db);
    if (st != HFC_OK && st != HFC_ERR_INVALID_ARG) { /* silent: reported above as SI-SDR n/a */
        hfc_cli_print_error("eval", "level failed: %s", hfc_strerror(st));
        return -1;
    }
    return 0;
}

static void print_result(const char *ref_path, const char *deg_path, const eval_options *o,
                         const eval_result *r)
{
    double delay_ms = (double)r->alignment.delay_samples * 1000.0 / o->rate_hz;
    double duration_s = (double)r->alignment.n_samples / o->rate_hz;
    if (o->json) {
        printf("{\"reference\": ");
        print_json_string(ref_path);
        printf(", \"degraded\": ");
        print_json_string(deg_path);
        printf(", \"rate_hz\": %d, \"delay_samples\": %lld, ", o->rate_hz,
               (long long)r->alignment.delay_samples);
        print_json_number("delay_ms", delay_ms, 0);
        printf("\"n_samples\": %lld, ", (long long)r->alignment.n_samples);
        print_json_number("duration_s", duration_s, 0);
        print_json_number("correlation", r->alignment.correlation, 0);
        printf("\"aligned_by\": \"%s\", ", r->alignment.by_envelope ? "envelope" : "waveform");
        print_json_number("stoi", r->stoi.stoi, 0);
        print_json_number("estoi", r->stoi.estoi, 0);
        print_json_number("logmel_distance", r->logmel, 0);
        printf("\"logmel_style\": \"%s\", ", logmel_style_name(o->logmel_style));
        print_json_number("si_sdr_db", r->si_sdr_db, 0);
        print_json_number("level_db", r->level_db, 1);
        printf("}\n");
        return;
    }
    printf("%-10s %s\n", "reference", ref_path);
    printf("%-10s %s\n", "degraded", deg_path);
    printf("%-10s %d Hz\n", "rate", o->rate_hz);
    printf("%-10s %.3f ms (%lld samples, correlation %.3f%s)\n", "delay", delay_ms,
           (long long)r->alignment.delay_samples, r->alignment.correlation,
           r->alignment.by_envelope ? ", by band envelopes" : "");
    printf("%-10s %.3f s\n", "compared", duration_s);
    print_row("STOI", r->stoi.stoi, "%.4f", "");
    print_row("ESTOI", r->stoi.estoi, "%.4f", "");
    print_row("log-mel", r->logmel, "%.4f",
              o->logmel_style == HFC_LOGMEL_TORCHAUDIO ? " (torchaudio style)" : " (librosa style)");
    print_row("SI-SDR", r->si_sdr_db, "%.2f", " dB");
    print_row("level", r->level_db, "%+.2f", " dB (degraded against reference)");
}

int hfc_cmd_eval(int argc, char **argv)
{
    static const hfc_cli_option options[] = {
        {"help", 'h', 0, HFC_CLI_OPT_HELP},  {"quiet", 'q', 0, HFC_CLI_OPT_QUIET},
        {"json", 0, 0, OPT_JSON},            {"max-lag-ms", 0, 1, OPT_MAX_LAG},
        {"rate", 0, 1, OPT_RATE},            {"logmel-style", 0, 1, OPT_LOGMEL_STYLE},
        {NULL, 0, 0, 0}};
    hfc_cli_common common;
    eval_options o = {
        .json = 0, .max_lag_ms = 250, .rate_hz = 16000, .logmel_style = HFC_LOGMEL_TORCHAUDIO};
    const char *paths[2];
    int n_paths = hfc_cli_parse_command("eval", argc, argv, options, &common, apply_eval_option,
                                        &o, paths, 2);
    if (n_paths < 0)
        return HFC_CLI_EXIT_USAGE;
    if (common.help) {
        fputs(eval_help, stdout);
        return HFC_CLI_EXIT_OK;
    }
    if (n_paths != 2) {
        hfc_cli_print_error("eval", "needs REF and DEGRADED (see 'hificodec eval --help')");
        return HFC_CLI_EXIT_USAGE;
    }
    if (hfc_cli_is_stdio(paths[0]) && hfc_cli_is_stdio(paths[1])) {
        hfc_cli_print_error("eval", "only one of REF and DEGRADED can be stdin");
        return HFC_CLI_EXIT_USAGE;
    }

    char err[HFC_CLI_ERROR_BYTES];
    hfc_cli_audio ref, deg;
    memset(&deg, 0, sizeof deg);
    if (hfc_cli_audio_read(paths[0], o.rate_hz, &ref, err, sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_input_name(paths[0]), "%s", err);
        return HFC_CLI_EXIT_FAILURE;
    }
    int status = HFC_CLI_EXIT_FAILURE;
    eval_result r;
    if (hfc_cli_audio_read(paths[1], o.rate_hz, &deg, err, sizeof err) != 0) {
        hfc_cli_print_error(hfc_cli_input_name(paths[1]), "%s", err);
    } else if (measure(hfc_cli_input_name(paths[0]), &ref, &deg, &o, common.quiet, &r) == 0) {
        print_result(paths[0], paths[1], &o, &r);
        status = fflush(stdout) == 0 ? HFC_CLI_EXIT_OK : HFC_CLI_EXIT_FAILURE;
    }
    hfc_cli_audio_free(&ref);
    hfc_cli_audio_free(&deg);
    return status;
}
