/*
 * logmel.c - log-mel spectral distance (definition and exact choices in metrics.h).
 *
 * The default style reproduces librosa.filters.mel(sr, n_fft, n_mels) with its
 * defaults (Slaney's Auditory Toolbox scale and area normalisation), as most
 * codec papers compute log-mel distances with librosa; the torchaudio style
 * (HTK scale, unnormalised triangles, reflect padding) is there because the
 * project's published Opus reference rows were evidently computed with it.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <fftw3.h>

#include "metrics.h"

#define NFFT HFC_LOGMEL_FFT_SIZE
#define NBINS (HFC_LOGMEL_FFT_SIZE / 2 + 1)
#define HOP HFC_LOGMEL_HOP_SAMPLES
#define NMELS HFC_LOGMEL_N_MELS

/* Slaney mel scale: linear (200/3 Hz per mel) below 1 kHz, logarithmic above
 * with 27 mels per factor 6.4. */
#define SLANEY_HZ_PER_MEL (200.0 / 3.0)
#define SLANEY_BREAK_HZ 1000.0
#define SLANEY_BREAK_MEL (SLANEY_BREAK_HZ / SLANEY_HZ_PER_MEL)

static double slaney_log_step(void)
{
    return log(6.4) / 27.0;
}

static double hz_to_mel(double hz)
{
    if (hz >= SLANEY_BREAK_HZ)
        return SLANEY_BREAK_MEL + log(hz / SLANEY_BREAK_HZ) / slaney_log_step();
    return hz / SLANEY_HZ_PER_MEL;
}

static double mel_to_hz(double mel)
{
    if (mel >= SLANEY_BREAK_MEL)
        return SLANEY_BREAK_HZ * exp(slaney_log_step() * (mel - SLANEY_BREAK_MEL));
    return SLANEY_HZ_PER_MEL * mel;
}

/* HTK (O'Shaughnessy) mel scale, torchaudio's default. */
static double htk_hz_to_mel(double hz)
{
    return 2595.0 * log10(1.0 + hz / 700.0);
}

static double htk_mel_to_hz(double mel)
{
    return 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
}

/* weights[m * NBINS + k]: triangle m over FFT bin k; librosa style scales each
 * triangle to unit area (Slaney), torchaudio style leaves its peak at 1. */
static void mel_filterbank(int rate_hz, int style, double *weights)
{
    int htk = style == HFC_LOGMEL_TORCHAUDIO;
    double edges_hz[NMELS + 2];
    double mel_lo = htk ? htk_hz_to_mel(0.0) : hz_to_mel(0.0);
    double mel_hi = htk ? htk_hz_to_mel(rate_hz / 2.0) : hz_to_mel(rate_hz / 2.0);
    for (int i = 0; i < NMELS + 2; i++) {
        double mel = mel_lo + (mel_hi - mel_lo) * (double)i / (double)(NMELS + 1);
        edges_hz[i] = htk ? htk_mel_to_hz(mel) : mel_to_hz(mel);
    }
    for (int m = 0; m < NMELS; m++) {
        double left = edges_hz[m], centre = edges_hz[m + 1], right = edges_hz[m + 2];
        double norm = htk ? 1.0 : 2.0 / (right - left);
        for (int k = 0; k < NBINS; k++) {
            double f = (double)k * (double)rate_hz / (double)NFFT;
            double rising = (f - left) / (centre - left);
            double falling = (right - f) / (right - centre);
            double v = rising < falling ? rising : falling;
            weights[m * NBINS + k] = v > 0.0 ? v * norm : 0.0;
        }
    }
}

static int all_finite(const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

/* log10 mel energies of frame t of x (centred; padded with zeros, or by
 * reflection without repeating the edge sample), into out[NMELS]. */
static void frame_logmel(const float *x, int64_t n_samples, int64_t t, int reflect,
                         const double *window, const double *weights, float *in,
                         fftwf_complex *spec, fftwf_plan plan, double *out)
{
    int64_t start = t * HOP - NFFT / 2;
    for (int i = 0; i < NFFT; i++) {
        int64_t s = start + i;
        if (reflect) /* n_samples >= NFFT > the NFFT / 2 padding: one reflection suffices */
            s = s < 0 ? -s : (s >= n_samples ? 2 * (n_samples - 1) - s : s);
        in[i] = (s >= 0 && s < n_samples) ? (float)(window[i] * (double)x[s]) : 0.0f;
    }
    fftwf_execute_dft_r2c(plan, in, spec);
    double power[NBINS];
    for (int k = 0; k < NBINS; k++) {
        double re = spec[k][0], im = spec[k][1];
        power[k] = re * re + im * im;
    }
    for (int m = 0; m < NMELS; m++) {
        const double *wm = weights + m * NBINS;
        double e = 0.0;
        for (int k = 0; k < NBINS; k++)
            e += wm[k] * power[k];
        out[m] = log10(e > HFC_LOGMEL_FLOOR ? e : HFC_LOGMEL_FLOOR);
    }
}

int hfc_metrics_logmel_distance(const float *ref, const float *deg, int64_t n_samples, int rate_hz,
                                double *distance)
{
    return hfc_metrics_logmel_distance_style(ref, deg, n_samples, rate_hz, HFC_LOGMEL_LIBROSA,
                                             distance);
}

int hfc_metrics_logmel_distance_style(const float *ref, const float *deg, int64_t n_samples,
                                      int rate_hz, int style, double *distance)
{
    if (distance == NULL)
        return HFC_ERR_INVALID_ARG;
    *distance = NAN;
    if (ref == NULL || deg == NULL || n_samples <= 0 || rate_hz < 1000 || rate_hz > 384000 ||
        (style != HFC_LOGMEL_LIBROSA && style != HFC_LOGMEL_TORCHAUDIO))
        return HFC_ERR_INVALID_ARG;
    if (n_samples < NFFT)
        return HFC_ERR_TOO_SHORT;
    if (!all_finite(ref, n_samples) || !all_finite(deg, n_samples))
        return HFC_ERR_BAD_SAMPLE;

    double *weights = malloc((size_t)NMELS * NBINS * sizeof(*weights));
    float *in = fftwf_malloc(NFFT * sizeof(*in));
    fftwf_complex *spec = fftwf_malloc(NBINS * sizeof(*spec));
    fftwf_plan plan = NULL;
    int status = HFC_ERR_NO_MEMORY;
    if (weights == NULL || in == NULL || spec == NULL)
        goto done;
    plan = fftwf_plan_dft_r2c_1d(NFFT, in, spec, FFTW_ESTIMATE);
    if (plan == NULL)
        goto done;

    mel_filterbank(rate_hz, style, weights);
    double window[NFFT]; /* periodic Hann */
    for (int i = 0; i < NFFT; i++)
        window[i] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)NFFT);

    int reflect = style == HFC_LOGMEL_TORCHAUDIO;
    int64_t n_frames = 1 + n_samples / HOP;
    double sum = 0.0;
    double a[NMELS], b[NMELS];
    for (int64_t t = 0; t < n_frames; t++) {
        frame_logmel(ref, n_samples, t, reflect, window, weights, in, spec, plan, a);
        frame_logmel(deg, n_samples, t, reflect, window, weights, in, spec, plan, b);
        double frame_sum = 0.0;
        for (int m = 0; m < NMELS; m++)
            frame_sum += fabs(a[m] - b[m]);
        sum += frame_sum;
    }
    *distance = sum / ((double)n_frames * NMELS);
    status = HFC_OK;

done:
    if (plan != NULL)
        fftwf_destroy_plan(plan);
    fftwf_free(in);
    fftwf_free(spec);
    free(weights);
    return status;
}
