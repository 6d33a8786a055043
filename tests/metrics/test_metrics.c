/*
 * test_metrics.c - unit tests of tools/metrics: STOI/ESTOI, log-mel distance,
 * SI-SDR, alignment, resampling and the Opus baseline, on synthetic signals.
 *
 * Randomised: prints its seed; pass one back as argv[1] to replay.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "opus_baseline.h"

static int g_failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            g_failures++;                                                    \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
        }                                                                    \
    } while (0)

/* xorshift64* and Box-Muller: reproducible noise from the printed seed. */
static uint64_t g_rng;

static double uniform01(void)
{
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return (double)((g_rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static double gaussian(void)
{
    double u = uniform01(), v = uniform01();
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

#define RATE 16000

/*
 * A speech-like test signal: voiced "syllables" (harmonics of a gliding f0
 * shaped by three formant bumps, raised-cosine envelopes), some noisy
 * "fricatives", and pauses of near silence between them. It has the 4 Hz-ish
 * envelope modulation that STOI measures and silent frames for it to drop.
 */
static float *make_speech(int64_t n, uint64_t seed)
{
    uint64_t saved = g_rng;
    g_rng = seed | 1;
    float *x = calloc((size_t)n, sizeof(*x));
    if (x == NULL)
        return NULL;
    int64_t pos = 0;
    double phase[40] = {0};
    while (pos < n) {
        int64_t len = (int64_t)((0.12 + 0.2 * uniform01()) * RATE);
        int64_t pause = (int64_t)((0.04 + 0.15 * uniform01()) * RATE);
        int voiced = uniform01() < 0.75;
        double f0 = 95.0 + 120.0 * uniform01();
        double glide = (uniform01() - 0.5) * 60.0;
        double formant[3] = {300 + 500 * uniform01(), 900 + 1300 * uniform01(),
                             2200 + 900 * uniform01()};
        double amp = 0.05 + 0.25 * uniform01();
        double prev = 0.0;
        for (int64_t i = 0; i < len && pos + i < n; i++) {
            double env = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)len);
            double s = 0.0;
            if (voiced) {
                double f = f0 + glide * (double)i / (double)len;
                for (int h = 1; h < 40 && h * f < 7500.0; h++) {
                    double g = 0.0;
                    for (int k = 0; k < 3; k++) {
                        double d = (h * f - formant[k]) / (80.0 + 40.0 * k);
                        g += exp(-0.5 * d * d) / (1.0 + k);
                    }
                    phase[h] += 2.0 * M_PI * h * f / RATE;
                    s += (g + 0.02) * sin(phase[h]);
                }
                s *= 0.3;
            } else {
                double w = gaussian();
                s = 0.3 * (w - prev); /* first difference: a high-pass hiss */
                prev = w;
            }
            x[pos + i] = (float)(amp * env * s);
        }
        pos += len;
        for (int64_t i = 0; i < pause && pos < n; i++, pos++)
            x[pos] = (float)(1e-5 * gaussian());
    }
    g_rng = saved;
    return x;
}

static double energy(const float *x, int64_t n)
{
    double e = 0.0;
    for (int64_t i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return e;
}

/* ref + white Gaussian noise at snr_db (over the whole signal). */
static float *add_noise(const float *ref, int64_t n, double snr_db)
{
    float *y = malloc((size_t)n * sizeof(*y));
    double *noise = malloc((size_t)n * sizeof(*noise));
    if (y == NULL || noise == NULL) {
        free(y);
        free(noise);
        return NULL;
    }
    double ne = 0.0;
    for (int64_t i = 0; i < n; i++) {
        noise[i] = gaussian();
        ne += noise[i] * noise[i];
    }
    double g = sqrt(energy(ref, n) / ne * pow(10.0, -snr_db / 10.0));
    for (int64_t i = 0; i < n; i++)
        y[i] = (float)(ref[i] + g * noise[i]);
    free(noise);
    return y;
}

static void test_identical(void)
{
    int64_t n = 4 * RATE;
    float *x = make_speech(n, 11);
    hfc_stoi_result r;
    int st = hfc_metrics_stoi(x, x, n, RATE, &r);
    CHECK(st == HFC_OK, "status %d", st);
    /* Only the DBL_EPSILON guards separate these from 1. */
    CHECK(fabs(r.stoi - 1.0) < 1e-9, "stoi %.12f", r.stoi);
    CHECK(fabs(r.estoi - 1.0) < 1e-9, "estoi %.12f", r.estoi);
    CHECK(r.n_segments == r.n_frames - 29 && r.n_segments > 0, "segments %" PRId64, r.n_segments);
    /* Pauses must have been dropped: 4 s at 10 kHz is 311 frames without removal. */
    CHECK(r.n_frames < 300, "no silent frames removed: %" PRId64, r.n_frames);

    double d = -1.0;
    st = hfc_metrics_logmel_distance(x, x, n, RATE, &d);
    CHECK(st == HFC_OK && d == 0.0, "status %d logmel %g", st, d);

    double s = 0.0;
    st = hfc_metrics_si_sdr_db(x, x, n, &s);
    CHECK(st == HFC_OK && s >= 250.0, "status %d si-sdr %g", st, s);
    free(x);
}

/* Level: a copy scaled by g reads 20 log10 g dB whatever the signal; a
 * silent reference is refused; a silent copy reads -HFC_LEVEL_MIN_DB. */
static void test_level(void)
{
    enum { N = 4000 };
    static float x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = (float)(0.3 * sin(0.05 * i) + 0.01 * (i % 7));
    static const double gains[] = {1.0, 0.5, 2.0, 0.1};
    for (size_t g = 0; g < sizeof gains / sizeof gains[0]; g++) {
        for (int i = 0; i < N; i++)
            y[i] = (float)(gains[g] * x[i]);
        double l = 0.0;
        /* Tolerance: float rounding of y moves the energy ratio by ~1e-7. */
        CHECK(hfc_metrics_level_db(x, y, N, &l) == HFC_OK &&
                  fabs(l - 20.0 * log10(gains[g])) < 1e-5,
              "gain %g: level %.6f dB", gains[g], l);
    }
    static float zero[N];
    double l = 0.0;
    CHECK(hfc_metrics_level_db(zero, x, N, &l) == HFC_ERR_INVALID_ARG && isnan(l),
          "silent reference accepted");
    CHECK(hfc_metrics_level_db(x, zero, N, &l) == HFC_OK && l == -HFC_LEVEL_MIN_DB,
          "silent degraded: %g", l);
    x[5] = NAN;
    CHECK(hfc_metrics_level_db(x, y, N, &l) == HFC_ERR_BAD_SAMPLE, "NaN accepted");
}

static void test_si_sdr_closed_form(void)
{
    int64_t n = 20000;
    double *x = malloc((size_t)n * sizeof(*x));
    double *e = malloc((size_t)n * sizeof(*e));
    float *xf = malloc((size_t)n * sizeof(*xf));
    float *yf = malloc((size_t)n * sizeof(*yf));
    if (x == NULL || e == NULL || xf == NULL || yf == NULL)
        abort();
    /* Zero-mean x (stored exactly in float) and noise e orthogonal to it. */
    double mx = 0.0, me = 0.0;
    for (int64_t i = 0; i < n; i++) {
        xf[i] = (float)gaussian();
        x[i] = xf[i];
        e[i] = gaussian();
        mx += x[i];
        me += e[i];
    }
    mx /= (double)n;
    me /= (double)n;
    double xx = 0.0, xe = 0.0;
    for (int64_t i = 0; i < n; i++) {
        x[i] -= mx;
        e[i] -= me;
    }
    for (int64_t i = 0; i < n; i++) {
        xx += x[i] * x[i];
        xe += x[i] * e[i];
    }
    double ee = 0.0;
    for (int64_t i = 0; i < n; i++) {
        e[i] -= xe / xx * x[i];
        ee += e[i] * e[i];
    }
    const double targets_db[] = {-5.0, 0.0, 10.0, 25.0};
    for (size_t t = 0; t < sizeof(targets_db) / sizeof(targets_db[0]); t++) {
        /* y = a x + e with a^2 |x|^2 / |e|^2 = 10^(target/10); the gain a must
         * not matter, so scale y by 3 as well. */
        double a = sqrt(pow(10.0, targets_db[t] / 10.0) * ee / xx);
        for (int64_t i = 0; i < n; i++)
            yf[i] = (float)(3.0 * (a * x[i] + e[i]));
        double s = 0.0;
        int st = hfc_metrics_si_sdr_db(xf, yf, n, &s);
        /* Tolerance: float rounding of y (2^-24 relative) moves SI-SDR by ~1e-6 dB. */
        CHECK(st == HFC_OK && fabs(s - targets_db[t]) < 1e-3, "target %g got %.6f",
              targets_db[t], s);
    }
    double s = 0.0;
    float zero[4] = {0};
    CHECK(hfc_metrics_si_sdr_db(zero, xf, 4, &s) == HFC_ERR_INVALID_ARG && isnan(s),
          "silent reference accepted");
    CHECK(hfc_metrics_si_sdr_db(xf, zero, 4, &s) == HFC_OK && s == -HFC_SI_SDR_MAX_DB,
          "silent degraded: %g", s);
    free(x);
    free(e);
    free(xf);
    free(yf);
}

static void check_delay(const float *ref, int64_t n_ref, int64_t delay, int64_t max_lag,
                        int64_t expect)
{
    /* deg = ref delayed by `delay` (zeros in front, or ref's head cut off),
     * scaled, with white noise (about 5 dB SNR), and 1000 samples shorter at the end. */
    int64_t n_deg = n_ref + delay - 1000;
    float *deg = calloc((size_t)n_deg, sizeof(*deg));
    if (deg == NULL)
        abort();
    for (int64_t i = 0; i < n_deg; i++) {
        int64_t j = i - delay;
        deg[i] = (float)((j >= 0 && j < n_ref ? 0.7 * ref[j] : 0.0) + 0.02 * gaussian());
    }
    hfc_alignment al;
    int st = hfc_metrics_align(ref, n_ref, deg, n_deg, max_lag, &al);
    CHECK(st == HFC_OK && al.delay_samples == expect, "delay %" PRId64 " max %" PRId64
          ": status %d got %" PRId64, delay, max_lag, st, al.delay_samples);
    int64_t want_ref_off = expect < 0 ? -expect : 0, want_deg_off = expect > 0 ? expect : 0;
    int64_t want_n = n_ref - want_ref_off < n_deg - want_deg_off ? n_ref - want_ref_off
                                                                 : n_deg - want_deg_off;
    CHECK(al.ref_offset == want_ref_off && al.deg_offset == want_deg_off &&
          al.n_samples == want_n, "trim %" PRId64 " %" PRId64 " %" PRId64, al.ref_offset,
          al.deg_offset, al.n_samples);
    if (expect == delay)
        CHECK(al.correlation > 0.6, "correlation %g", al.correlation); /* ~5 dB SNR */
    free(deg);
}

/* A phase-free copy of x delayed by delay samples, like a neural decoder's
 * output: white noise shaped by x's 5 ms envelope. Its waveform does not
 * correlate with x at any lag; only the envelope tells the delay. */
static void check_envelope_delay(const float *x, int64_t n, int64_t delay)
{
    const int64_t half = RATE / 400; /* 2.5 ms each side */
    float *deg = calloc((size_t)n, sizeof(*deg));
    if (deg == NULL)
        abort();
    for (int64_t i = 0; i < n; i++) {
        double env = 0.0;
        for (int64_t j = i - delay - half; j <= i - delay + half; j++)
            env += j >= 0 && j < n ? fabs(x[j]) : 0.0;
        deg[i] = (float)(env / (double)(2 * half + 1) * gaussian());
    }
    hfc_alignment al;
    int st = hfc_metrics_align(x, n, deg, n, 1600, &al);
    CHECK(st == HFC_OK && al.by_envelope && llabs(al.delay_samples - delay) <= 16,
          "phase-free copy delayed %" PRId64 ": status %d, delay %" PRId64 " (by envelope %d)",
          delay, st, al.delay_samples, al.by_envelope);
    free(deg);
}

static void test_align(void)
{
    int64_t n = 3 * RATE;
    float *x = make_speech(n, 23);
    check_delay(x, n, 0, 800, 0);
    check_delay(x, n, 37, 800, 37);
    check_delay(x, n, -23, 800, -23);
    check_delay(x, n, 1500, 1600, 1500);
    check_delay(x, n, 1, 1, 1);
    check_delay(x, n, 37, 0, 0); /* no search */
    check_envelope_delay(x, n, 0);
    check_envelope_delay(x, n, 437);
    check_envelope_delay(x, n, -250);

    /* A waveform copy never goes by the envelope. */
    hfc_alignment same;
    CHECK(hfc_metrics_align(x, n, x, n, 1600, &same) == HFC_OK && same.delay_samples == 0 &&
          !same.by_envelope, "identical input: delay %" PRId64, same.delay_samples);

    /* Silence: delay 0 by the tie rule. */
    float *z = calloc(4000, sizeof(*z));
    hfc_alignment al;
    CHECK(hfc_metrics_align(z, 4000, z, 3000, 500, &al) == HFC_OK && al.delay_samples == 0 &&
          al.n_samples == 3000 && al.correlation == 0.0, "silence");
    CHECK(hfc_metrics_align(x, n, x, n, -1, &al) == HFC_ERR_INVALID_ARG, "negative lag");
    free(z);
    free(x);
}

static void test_monotone_in_snr(void)
{
    int64_t n = 5 * RATE;
    float *x = make_speech(n, 5);
    const double snrs[] = {-10.0, -5.0, 0.0, 5.0, 10.0, 20.0, 30.0};
    double prev_stoi = -2.0, prev_estoi = -2.0, prev_mel = INFINITY;
    for (size_t k = 0; k < sizeof(snrs) / sizeof(snrs[0]); k++) {
        float *y = add_noise(x, n, snrs[k]);
        hfc_stoi_result r;
        double mel = NAN, sdr = NAN;
        int st = hfc_metrics_stoi(x, y, n, RATE, &r);
        st |= hfc_metrics_logmel_distance(x, y, n, RATE, &mel);
        st |= hfc_metrics_si_sdr_db(x, y, n, &sdr);
        printf("snr %5.1f dB: stoi %.4f estoi %.4f logmel %.4f si-sdr %7.3f\n", snrs[k], r.stoi,
               r.estoi, mel, sdr);
        CHECK(st == HFC_OK, "status");
        CHECK(r.stoi > prev_stoi, "stoi not increasing at %g dB", snrs[k]);
        CHECK(r.estoi > prev_estoi, "estoi not increasing at %g dB", snrs[k]);
        CHECK(mel < prev_mel, "log-mel not decreasing at %g dB", snrs[k]);
        /* Independent white noise: SI-SDR ~ SNR (the noise's chance correlation
         * with x is ~1/sqrt(n)). */
        CHECK(fabs(sdr - snrs[k]) < 0.1, "si-sdr %g at snr %g", sdr, snrs[k]);
        prev_stoi = r.stoi;
        prev_estoi = r.estoi;
        prev_mel = mel;
        free(y);
    }
    CHECK(prev_stoi > 0.95, "stoi at 30 dB %g", prev_stoi);
    free(x);
}

static void test_errors(void)
{
    float *x = make_speech(RATE, 3);
    hfc_stoi_result r;
    /* 0.3 s: at most 22 frames at 10 kHz, fewer than one 30-frame segment. */
    CHECK(hfc_metrics_stoi(x, x, RATE * 3 / 10, RATE, &r) == HFC_ERR_TOO_SHORT &&
          isnan(r.stoi) && isnan(r.estoi), "short stoi");
    CHECK(hfc_metrics_stoi(x, x, 100, RATE, &r) == HFC_ERR_TOO_SHORT, "tiny stoi");
    CHECK(hfc_metrics_stoi(NULL, x, RATE, RATE, &r) == HFC_ERR_INVALID_ARG, "null");
    CHECK(hfc_metrics_stoi(x, x, RATE, 0, &r) == HFC_ERR_INVALID_ARG, "rate 0");
    double d = 0.0;
    CHECK(hfc_metrics_logmel_distance(x, x, 1000, RATE, &d) == HFC_ERR_TOO_SHORT && isnan(d),
          "short logmel");
    float saved = x[500];
    x[500] = NAN;
    CHECK(hfc_metrics_stoi(x, x, RATE, RATE, &r) == HFC_ERR_BAD_SAMPLE, "nan stoi");
    CHECK(hfc_metrics_logmel_distance(x, x, RATE, RATE, &d) == HFC_ERR_BAD_SAMPLE, "nan logmel");
    CHECK(hfc_metrics_si_sdr_db(x, x, RATE, &d) == HFC_ERR_BAD_SAMPLE, "nan si-sdr");
    x[500] = saved;
    free(x);
}

static void test_logmel_gain(void)
{
    /* Loud noise keeps every mel energy far above the 1e-7 floor, so a gain of 2
     * shifts every log10 energy by exactly log10(4). */
    int64_t n = RATE;
    float *x = malloc((size_t)n * sizeof(*x));
    float *y = malloc((size_t)n * sizeof(*y));
    for (int64_t i = 0; i < n; i++) {
        x[i] = (float)(0.1 * gaussian());
        y[i] = 2.0f * x[i];
    }
    double d = 0.0;
    CHECK(hfc_metrics_logmel_distance(x, y, n, RATE, &d) == HFC_OK &&
          fabs(d - log10(4.0)) < 1e-6, "gain 2: %.9f", d);
    CHECK(hfc_metrics_logmel_distance_style(x, y, n, RATE, HFC_LOGMEL_TORCHAUDIO, &d) == HFC_OK &&
          fabs(d - log10(4.0)) < 1e-6, "torchaudio style, gain 2: %.9f", d);
    CHECK(hfc_metrics_logmel_distance_style(x, y, n, RATE, 7, &d) == HFC_ERR_INVALID_ARG,
          "unknown style");
    /* Silence against silence: both floored, distance 0. */
    memset(y, 0, (size_t)n * sizeof(*y));
    CHECK(hfc_metrics_logmel_distance(y, y, n, RATE, &d) == HFC_OK && d == 0.0, "silence");
    free(x);
    free(y);
}

static void test_resample(void)
{
    /* A 1 kHz sine through 16 kHz -> 10 kHz and 44.1 kHz -> 10 kHz: away from the
     * edges the output is the same sine (passband ripple and the 60 dB stop band
     * bound the error near 1e-3). */
    const int rates[] = {16000, 44100, 8000};
    for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
        int fs = rates[r];
        int64_t n = fs;
        float *x = malloc((size_t)n * sizeof(*x));
        for (int64_t i = 0; i < n; i++)
            x[i] = (float)(0.5 * sin(2.0 * M_PI * 1000.0 * (double)i / fs + 0.3));
        int64_t n_out = hfc_metrics_resample_n_samples(n, fs, 10000);
        CHECK(n_out == 10000, "rate %d: n_out %" PRId64, fs, n_out);
        float *y = malloc((size_t)n_out * sizeof(*y));
        int64_t got = hfc_metrics_resample(x, n, fs, y, n_out, 10000);
        CHECK(got == n_out, "rate %d: got %" PRId64, fs, got);
        double max_err = 0.0;
        for (int64_t i = 1000; i < n_out - 1000; i++) {
            double want = 0.5 * sin(2.0 * M_PI * 1000.0 * (double)i / 10000.0 + 0.3);
            double err = fabs(y[i] - want);
            if (err > max_err)
                max_err = err;
        }
        CHECK(max_err < 2e-3, "rate %d: max error %g", fs, max_err);
        CHECK(hfc_metrics_resample(x, n, fs, y, n_out - 1, 10000) == HFC_ERR_BUFFER_TOO_SMALL,
              "capacity");
        free(x);
        free(y);
    }
    CHECK(hfc_metrics_resample_n_samples(7, 16000, 10000) == 5, "ceil(7 * 5 / 8)");
    CHECK(hfc_metrics_resample_n_samples(10, 16000, 0) < 0, "bad rate");
}

static void test_opus_baseline(void)
{
    int64_t n = 3 * RATE + 123; /* not a whole number of frames */
    float *x = make_speech(n, 17);
    float *y = malloc((size_t)n * sizeof(*y));
    hfc_opus_baseline_info info;
    int st = hfc_opus_baseline_roundtrip(x, n, RATE, 16000, y, &info);
    CHECK(st == HFC_OK, "status %d", st);
    CHECK(info.lookahead_samples > 0 && info.n_packets == (n + info.lookahead_samples + 319) / 320,
          "lookahead %d packets %" PRId64, info.lookahead_samples, info.n_packets);
    hfc_alignment al;
    st = hfc_metrics_align(x, n, y, n, 800, &al);
    /* Compensated lookahead: the output is aligned to the sample. */
    CHECK(st == HFC_OK && al.delay_samples == 0, "opus delay %" PRId64, al.delay_samples);
    hfc_stoi_result r;
    st = hfc_metrics_stoi(x, y, n, RATE, &r);
    CHECK(st == HFC_OK && r.stoi > 0.8, "opus 16 kbps stoi %g", r.stoi);
    printf("opus 16 kbps: lookahead %d, %.0f bps, stoi %.4f estoi %.4f\n", info.lookahead_samples,
           info.mean_bitrate_bps, r.stoi, r.estoi);
    CHECK(hfc_opus_baseline_roundtrip(x, n, 44100, 16000, y, NULL) == HFC_ERR_UNSUPPORTED, "rate");
    CHECK(hfc_opus_baseline_roundtrip(x, n, RATE, 100, y, NULL) == HFC_ERR_INVALID_ARG, "bitrate");
    /* The reference rows force wideband; left to itself libopus codes 6 kbit/s
     * speech narrowband (what an application that sets nothing gets). */
    CHECK(info.last_bandwidth_hz == 8000, "forced wideband: %d Hz", info.last_bandwidth_hz);
    st = hfc_opus_baseline_roundtrip_bandwidth(x, n, RATE, 6000, HFC_OPUS_BANDWIDTH_AUTO, y, &info);
    CHECK(st == HFC_OK && info.last_bandwidth_hz == 4000, "auto at 6 kbit/s: %d Hz",
          info.last_bandwidth_hz);
    st = hfc_opus_baseline_roundtrip_bandwidth(x, n, RATE, 6000, HFC_OPUS_BANDWIDTH_WIDE, y, &info);
    CHECK(st == HFC_OK && info.last_bandwidth_hz == 8000, "wide at 6 kbit/s: %d Hz",
          info.last_bandwidth_hz);
    CHECK(hfc_opus_baseline_roundtrip_bandwidth(x, n, RATE, 6000, 7, y, NULL) ==
              HFC_ERR_INVALID_ARG, "bandwidth 7");
    free(x);
    free(y);
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 20240613ULL;
    printf("seed: %" PRIu64 "\n", seed);
    g_rng = seed | 1;

    test_identical();
    test_si_sdr_closed_form();
    test_level();
    test_align();
    test_monotone_in_snr();
    test_errors();
    test_logmel_gain();
    test_resample();
    test_opus_baseline();

    if (g_failures != 0) {
        fprintf(stderr, "%d check(s) failed (seed %" PRIu64 ")\n", g_failures, seed);
        return 1;
    }
    printf("all metrics checks passed\n");
    return 0;
}
