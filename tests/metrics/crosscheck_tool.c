/*
 * crosscheck_tool.c - the C half of the STOI/ESTOI/log-mel cross-check
 * (crosscheck.py is the other half).
 *
 *   metrics_crosscheck OUTDIR MAX_SECONDS FILE...
 *
 * For each 16 kHz FILE (first MAX_SECONDS seconds, channels averaged) it makes
 * degraded versions: white noise at 0 and 10 dB SNR (fixed seed) and Opus round
 * trips at 6 and 12 kbps; for the first file also the 0 dB noise case resampled
 * to 8 kHz and to 10 kHz, to cover STOI's other resampling paths. It writes
 * every signal as raw float32 (native byte order) into OUTDIR and prints one
 * tab-separated line per case:
 *   name  rate_hz  stoi  estoi  logmel  logmel_torchaudio  ref.f32  deg.f32
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "metrics.h"
#include "opus_baseline.h"

static uint64_t g_rng = 0x9E3779B97F4A7C15ULL;

static double gaussian(void)
{
    double u[2];
    for (int k = 0; k < 2; k++) {
        g_rng ^= g_rng >> 12;
        g_rng ^= g_rng << 25;
        g_rng ^= g_rng >> 27;
        u[k] = ((double)((g_rng * 2685821657736338717ULL) >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(2.0 * M_PI * u[1]);
}

static float *read_mono(const char *path, int64_t max_samples, int64_t *n_samples, int *rate_hz)
{
    SF_INFO info;
    memset(&info, 0, sizeof(info));
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
        return NULL;
    }
    int64_t n = info.frames < max_samples ? info.frames : max_samples;
    float *inter = malloc((size_t)(n * info.channels) * sizeof(*inter));
    float *mono = malloc((size_t)n * sizeof(*mono));
    if (inter == NULL || mono == NULL || sf_readf_float(f, inter, n) != n) {
        fprintf(stderr, "%s: read failed\n", path);
        free(inter);
        free(mono);
        sf_close(f);
        return NULL;
    }
    for (int64_t i = 0; i < n; i++) {
        double s = 0.0;
        for (int c = 0; c < info.channels; c++)
            s += inter[i * info.channels + c];
        mono[i] = (float)(s / info.channels);
    }
    free(inter);
    sf_close(f);
    *n_samples = n;
    *rate_hz = info.samplerate;
    return mono;
}

static int write_raw(const char *path, const float *x, int64_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t ok = fwrite(x, sizeof(*x), (size_t)n, f);
    return (fclose(f) == 0 && ok == (size_t)n) ? 0 : -1;
}

static float *with_noise(const float *x, int64_t n, double snr_db)
{
    float *y = malloc((size_t)n * sizeof(*y));
    double *w = malloc((size_t)n * sizeof(*w));
    if (y == NULL || w == NULL) {
        free(y);
        free(w);
        return NULL;
    }
    double ex = 0.0, ew = 0.0;
    for (int64_t i = 0; i < n; i++) {
        w[i] = gaussian();
        ex += (double)x[i] * x[i];
        ew += w[i] * w[i];
    }
    double g = sqrt(ex / ew * pow(10.0, -snr_db / 10.0));
    for (int64_t i = 0; i < n; i++)
        y[i] = (float)(x[i] + g * w[i]);
    free(w);
    return y;
}

/* Computes the C metrics of one case, writes its signals, prints its line. */
static int emit(const char *outdir, const char *name, const float *ref, const float *deg,
                int64_t n, int rate_hz)
{
    hfc_stoi_result r;
    double mel = NAN, mel_ta = NAN;
    int st = hfc_metrics_stoi(ref, deg, n, rate_hz, &r);
    if (st != HFC_OK) {
        fprintf(stderr, "%s: stoi failed: status %d\n", name, st);
        return -1;
    }
    st = hfc_metrics_logmel_distance(ref, deg, n, rate_hz, &mel);
    if (st == HFC_OK)
        st = hfc_metrics_logmel_distance_style(ref, deg, n, rate_hz, HFC_LOGMEL_TORCHAUDIO,
                                               &mel_ta);
    if (st != HFC_OK) {
        fprintf(stderr, "%s: log-mel failed: status %d\n", name, st);
        return -1;
    }
    char ref_path[4096], deg_path[4096];
    snprintf(ref_path, sizeof(ref_path), "%s/%s.ref.f32", outdir, name);
    snprintf(deg_path, sizeof(deg_path), "%s/%s.deg.f32", outdir, name);
    if (write_raw(ref_path, ref, n) != 0 || write_raw(deg_path, deg, n) != 0) {
        fprintf(stderr, "%s: cannot write into %s\n", name, outdir);
        return -1;
    }
    printf("%s\t%d\t%.12f\t%.12f\t%.12f\t%.12f\t%s\t%s\n", name, rate_hz, r.stoi, r.estoi, mel,
           mel_ta, ref_path, deg_path);
    return 0;
}

static int resampled_case(const char *outdir, const char *name, const float *ref,
                          const float *deg, int64_t n, int rate_hz, int new_rate_hz)
{
    int64_t m = hfc_metrics_resample_n_samples(n, rate_hz, new_rate_hz);
    float *a = malloc((size_t)m * sizeof(*a));
    float *b = malloc((size_t)m * sizeof(*b));
    int rc = -1;
    if (a != NULL && b != NULL && hfc_metrics_resample(ref, n, rate_hz, a, m, new_rate_hz) == m &&
        hfc_metrics_resample(deg, n, rate_hz, b, m, new_rate_hz) == m)
        rc = emit(outdir, name, a, b, m, new_rate_hz);
    free(a);
    free(b);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s OUTDIR MAX_SECONDS FILE...\n", argv[0]);
        return 2;
    }
    const char *outdir = argv[1];
    double max_seconds = atof(argv[2]);
    int failures = 0;
    for (int i = 3; i < argc; i++) {
        int64_t n = 0;
        int rate = 0;
        float *x = read_mono(argv[i], (int64_t)(max_seconds * 48000.0), &n, &rate);
        if (x == NULL)
            return 1;
        if (rate != 16000) {
            fprintf(stderr, "%s: %d Hz, expected 16000\n", argv[i], rate);
            free(x);
            return 1;
        }
        if (n > (int64_t)(max_seconds * rate))
            n = (int64_t)(max_seconds * rate);
        char name[64];
        float *y;

        y = with_noise(x, n, 0.0);
        snprintf(name, sizeof(name), "f%d_noise0dB", i - 3);
        failures += emit(outdir, name, x, y, n, rate) != 0;
        if (i == 3) {
            snprintf(name, sizeof(name), "f%d_noise0dB_8k", i - 3);
            failures += resampled_case(outdir, name, x, y, n, rate, 8000) != 0;
            snprintf(name, sizeof(name), "f%d_noise0dB_10k", i - 3);
            failures += resampled_case(outdir, name, x, y, n, rate, 10000) != 0;
        }
        free(y);

        y = with_noise(x, n, 10.0);
        snprintf(name, sizeof(name), "f%d_noise10dB", i - 3);
        failures += emit(outdir, name, x, y, n, rate) != 0;
        free(y);

        const int bitrates[] = {6000, 12000};
        for (int b = 0; b < 2; b++) {
            y = malloc((size_t)n * sizeof(*y));
            int st = y != NULL ? hfc_opus_baseline_roundtrip(x, n, rate, bitrates[b], y, NULL)
                               : HFC_ERR_NO_MEMORY;
            if (st != HFC_OK) {
                fprintf(stderr, "%s: opus failed: %d\n", argv[i], st);
                failures++;
            } else {
                snprintf(name, sizeof(name), "f%d_opus%dk", i - 3, bitrates[b] / 1000);
                failures += emit(outdir, name, x, y, n, rate) != 0;
            }
            free(y);
        }
        free(x);
    }
    return failures == 0 ? 0 : 1;
}
