/*
 * align.c - delay estimation by FFT cross-correlation (contract in metrics.h).
 */
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <fftw3.h>

#include "metrics.h"

/* Lags next to the FFT's best one that are re-evaluated exactly: float FFT
 * rounding can swap neighbouring lags of a smooth (low-pass) correlation peak. */
#define REFINE_RADIUS 2

/* Band envelopes for aligning output whose waveform does not correlate with
 * the input (envelope_best_lag): 16 ms frames every 1 ms at 16 kHz, 8 bands.
 * The hop bounds the envelope's resolution; the waveform refines within it. */
#define ENV_WINDOW 256
#define ENV_HOP 16
#define ENV_BANDS 8
/* The waveform's lag stands when it is this close to the envelopes' one. */
#define ENV_AGREE_SAMPLES (2 * ENV_HOP)

/* Smallest 2^a 3^b 5^c >= n: sizes FFTW transforms fast. */
static int64_t fft_size_at_least(int64_t n)
{
    for (int64_t m = n > 1 ? n : 1;; m++) {
        int64_t r = m;
        while (r % 2 == 0)
            r /= 2;
        while (r % 3 == 0)
            r /= 3;
        while (r % 5 == 0)
            r /= 5;
        if (r == 1)
            return m;
    }
}

/* sum_n ref[n] deg[n + lag] over the overlap, in double. */
static double exact_correlation(const float *ref, int64_t n_ref, const float *deg, int64_t n_deg,
                                int64_t lag)
{
    int64_t r0 = lag < 0 ? -lag : 0;
    int64_t d0 = lag > 0 ? lag : 0;
    int64_t n = n_ref - r0 < n_deg - d0 ? n_ref - r0 : n_deg - d0;
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++)
        acc += (double)ref[r0 + i] * (double)deg[d0 + i];
    return acc;
}

/* Is (value, lag) better than (best, best_lag)? Larger wins; on a tie the
 * smaller |lag|, then the smaller lag, so the choice never depends on order. */
static int better(double value, int64_t lag, double best, int64_t best_lag)
{
    if (value != best)
        return value > best;
    int64_t a = lag < 0 ? -lag : lag, b = best_lag < 0 ? -best_lag : best_lag;
    return a != b ? a < b : lag < best_lag;
}

/* Best lag in [lag_min, lag_max] of the correlation summed over n_channels
 * channel pairs (channel c of ref at ref + c * n_ref, of deg at deg + c * n_deg),
 * by single-precision FFTs: the products are summed in the frequency domain and
 * transformed back once. */
static int fft_best_lag(const float *ref, int64_t n_ref, const float *deg, int64_t n_deg,
                        int n_channels, int64_t lag_min, int64_t lag_max, int64_t *best_lag)
{
    int64_t n_fft = fft_size_at_least(n_ref + n_deg - 1);
    if (n_fft > INT32_MAX)
        return HFC_ERR_INVALID_ARG;
    int64_t n_bins = n_fft / 2 + 1;
    float *a = fftwf_malloc((size_t)n_fft * sizeof(*a));
    float *b = fftwf_malloc((size_t)n_fft * sizeof(*b));
    fftwf_complex *fa = fftwf_malloc((size_t)n_bins * sizeof(*fa));
    fftwf_complex *fb = fftwf_malloc((size_t)n_bins * sizeof(*fb));
    fftwf_complex *sum = fftwf_malloc((size_t)n_bins * sizeof(*sum));
    fftwf_plan forward = NULL, backward = NULL;
    int status = HFC_ERR_NO_MEMORY;
    if (a == NULL || b == NULL || fa == NULL || fb == NULL || sum == NULL)
        goto done;
    forward = fftwf_plan_dft_r2c_1d((int)n_fft, a, fa, FFTW_ESTIMATE);
    backward = fftwf_plan_dft_c2r_1d((int)n_fft, sum, a, FFTW_ESTIMATE);
    if (forward == NULL || backward == NULL)
        goto done;

    memset(sum, 0, (size_t)n_bins * sizeof(*sum));
    for (int c = 0; c < n_channels; c++) {
        memset(a, 0, (size_t)n_fft * sizeof(*a));
        memset(b, 0, (size_t)n_fft * sizeof(*b));
        memcpy(a, ref + c * n_ref, (size_t)n_ref * sizeof(*a));
        memcpy(b, deg + c * n_deg, (size_t)n_deg * sizeof(*b));
        fftwf_execute_dft_r2c(forward, a, fa);
        fftwf_execute_dft_r2c(forward, b, fb);
        /* conj(REF) * DEG is the transform of c[lag] = sum_n ref[n] deg[n + lag]. */
        for (int64_t k = 0; k < n_bins; k++) {
            sum[k][0] += fa[k][0] * fb[k][0] + fa[k][1] * fb[k][1];
            sum[k][1] += fa[k][0] * fb[k][1] - fa[k][1] * fb[k][0];
        }
    }
    fftwf_execute_dft_c2r(backward, sum, a);

    int64_t best = 0;
    double best_value = -INFINITY;
    for (int64_t lag = lag_min; lag <= lag_max; lag++) {
        double value = a[lag >= 0 ? lag : n_fft + lag];
        if (better(value, lag, best_value, best)) {
            best_value = value;
            best = lag;
        }
    }
    *best_lag = best;
    status = HFC_OK;

done:
    if (forward != NULL)
        fftwf_destroy_plan(forward);
    if (backward != NULL)
        fftwf_destroy_plan(backward);
    fftwf_free(a);
    fftwf_free(b);
    fftwf_free(fa);
    fftwf_free(fb);
    fftwf_free(sum);
    return status;
}

/* The lag in [lo, hi] (clipped to [lag_min, lag_max]) with the largest exact
 * waveform correlation; centre when the window is empty. */
static int64_t exact_best_lag(const float *ref, int64_t n_ref, const float *deg, int64_t n_deg,
                              int64_t lo, int64_t hi, int64_t lag_min, int64_t lag_max,
                              int64_t centre)
{
    int64_t lag = centre;
    double best_value = -INFINITY;
    for (int64_t l = lo < lag_min ? lag_min : lo; l <= (hi > lag_max ? lag_max : hi); l++) {
        double value = exact_correlation(ref, n_ref, deg, n_deg, l);
        if (better(value, l, best_value, lag)) {
            best_value = value;
            lag = l;
        }
    }
    return lag;
}

/*
 * Band envelopes: the log energy of ENV_BANDS equal-width frequency bands in
 * Hann-windowed frames of ENV_WINDOW samples every ENV_HOP samples, each band
 * with its mean removed, as [ENV_BANDS][*n_frames] (frame t starts at sample
 * t * ENV_HOP; zeros past the end). Energies are floored 60 dB below the
 * signal's mean band energy, so silence and a codec's noise floor look alike.
 * Returns NULL when out of memory; *has_variance is 0 for an envelope with no
 * variation at all (silence, a steady tone), which cannot be aligned by.
 */
static float *band_envelopes(const float *x, int64_t n_samples, int64_t *n_frames,
                             int *has_variance)
{
    int64_t frames = (n_samples + ENV_HOP - 1) / ENV_HOP;
    float *env = malloc((size_t)(ENV_BANDS * frames) * sizeof(*env));
    float *in = fftwf_malloc(ENV_WINDOW * sizeof(*in));
    fftwf_complex *out = fftwf_malloc((ENV_WINDOW / 2 + 1) * sizeof(*out));
    fftwf_plan plan = NULL;
    if (env != NULL && in != NULL && out != NULL)
        plan = fftwf_plan_dft_r2c_1d(ENV_WINDOW, in, out, FFTW_ESTIMATE);
    if (plan == NULL) {
        free(env);
        env = NULL;
        goto done;
    }
    const int bins_per_band = (ENV_WINDOW / 2) / ENV_BANDS;
    float window[ENV_WINDOW];
    for (int i = 0; i < ENV_WINDOW; i++)
        window[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * (i + 0.5) / ENV_WINDOW));
    double total = 0.0;
    for (int64_t t = 0; t < frames; t++) {
        for (int i = 0; i < ENV_WINDOW; i++) {
            int64_t s = t * ENV_HOP + i;
            in[i] = s < n_samples ? window[i] * x[s] : 0.0f;
        }
        fftwf_execute(plan);
        for (int band = 0; band < ENV_BANDS; band++) {
            double e = 0.0;
            for (int k = 1 + band * bins_per_band; k <= (band + 1) * bins_per_band; k++)
                e += (double)out[k][0] * out[k][0] + (double)out[k][1] * out[k][1];
            env[band * frames + t] = (float)e;
            total += e;
        }
    }
    double floor_energy = 1e-6 * total / (double)(ENV_BANDS * frames) + 1e-30;
    double variance = 0.0;
    for (int band = 0; band < ENV_BANDS; band++) {
        float *e = env + band * frames;
        double mean = 0.0;
        for (int64_t t = 0; t < frames; t++) {
            e[t] = (float)log10((double)e[t] + floor_energy);
            mean += e[t];
        }
        mean /= (double)frames;
        for (int64_t t = 0; t < frames; t++) {
            e[t] = (float)(e[t] - mean);
            variance += (double)e[t] * e[t];
        }
    }
    *n_frames = frames;
    *has_variance = variance > 1e-6 * (double)(ENV_BANDS * frames);

done:
    if (plan != NULL)
        fftwf_destroy_plan(plan);
    fftwf_free(in);
    fftwf_free(out);
    return env;
}

/* The best lag, in samples, by band-envelope correlation (a multiple of
 * ENV_HOP); *found 0 when either envelope is flat. */
static int envelope_best_lag(const float *ref, int64_t n_ref, const float *deg, int64_t n_deg,
                             int64_t lag_min, int64_t lag_max, int64_t *lag, int *found)
{
    int64_t n_ref_frames = 0, n_deg_frames = 0;
    int ref_varies = 0, deg_varies = 0;
    float *er = band_envelopes(ref, n_ref, &n_ref_frames, &ref_varies);
    float *ed = band_envelopes(deg, n_deg, &n_deg_frames, &deg_varies);
    int status = HFC_ERR_NO_MEMORY;
    *found = 0;
    if (er != NULL && ed != NULL) {
        status = HFC_OK;
        if (ref_varies && deg_varies) {
            /* Frame lags whose sample lag stays within [lag_min, lag_max]. */
            int64_t lo = -((-lag_min) / ENV_HOP), hi = lag_max / ENV_HOP, frames = 0;
            if (lo < -(n_ref_frames - 1))
                lo = -(n_ref_frames - 1);
            if (hi > n_deg_frames - 1)
                hi = n_deg_frames - 1;
            status = fft_best_lag(er, n_ref_frames, ed, n_deg_frames, ENV_BANDS, lo, hi, &frames);
            *lag = frames * ENV_HOP;
            *found = status == HFC_OK;
        }
    }
    free(er);
    free(ed);
    return status;
}

int hfc_metrics_align(const float *ref, int64_t n_ref_samples, const float *deg,
                      int64_t n_deg_samples, int64_t max_lag_samples, hfc_alignment *alignment)
{
    if (alignment == NULL)
        return HFC_ERR_INVALID_ARG;
    memset(alignment, 0, sizeof(*alignment));
    alignment->correlation = NAN;
    if (ref == NULL || deg == NULL || n_ref_samples <= 0 || n_deg_samples <= 0 ||
        max_lag_samples < 0)
        return HFC_ERR_INVALID_ARG;
    for (int64_t i = 0; i < n_ref_samples; i++)
        if (!isfinite(ref[i]))
            return HFC_ERR_BAD_SAMPLE;
    for (int64_t i = 0; i < n_deg_samples; i++)
        if (!isfinite(deg[i]))
            return HFC_ERR_BAD_SAMPLE;

    int64_t lag_min = -max_lag_samples, lag_max = max_lag_samples;
    if (lag_min < -(n_ref_samples - 1))
        lag_min = -(n_ref_samples - 1);
    if (lag_max > n_deg_samples - 1)
        lag_max = n_deg_samples - 1;

    int64_t lag = 0;
    if (lag_max > lag_min) {
        int status = fft_best_lag(ref, n_ref_samples, deg, n_deg_samples, 1, lag_min, lag_max,
                                  &lag);
        if (status != HFC_OK)
            return status;
        lag = exact_best_lag(ref, n_ref_samples, deg, n_deg_samples, lag - REFINE_RADIUS,
                             lag + REFINE_RADIUS, lag_min, lag_max, lag);
    }
    /* A codec that does not keep the waveform's phase (a neural vocoder) leaves
     * the waveform correlation without a real peak: its maximum then lands
     * tens of ms off, which costs STOI dearly. The band envelopes keep the
     * timing either way, so where they disagree with the waveform they decide,
     * and the waveform only refines within one envelope hop. */
    if (lag_max - lag_min > 2 * ENV_AGREE_SAMPLES) {
        int64_t env_lag = 0;
        int found = 0;
        int status = envelope_best_lag(ref, n_ref_samples, deg, n_deg_samples, lag_min, lag_max,
                                       &env_lag, &found);
        if (status != HFC_OK)
            return status;
        if (found && llabs(lag - env_lag) > ENV_AGREE_SAMPLES) {
            lag = exact_best_lag(ref, n_ref_samples, deg, n_deg_samples, env_lag - ENV_HOP,
                                 env_lag + ENV_HOP, lag_min, lag_max, env_lag);
            alignment->by_envelope = 1;
        }
    }

    alignment->delay_samples = lag;
    alignment->ref_offset = lag < 0 ? -lag : 0;
    alignment->deg_offset = lag > 0 ? lag : 0;
    int64_t n_ref_left = n_ref_samples - alignment->ref_offset;
    int64_t n_deg_left = n_deg_samples - alignment->deg_offset;
    alignment->n_samples = n_ref_left < n_deg_left ? n_ref_left : n_deg_left;

    const float *r = ref + alignment->ref_offset;
    const float *d = deg + alignment->deg_offset;
    double rr = 0.0, dd = 0.0, rd = 0.0;
    for (int64_t i = 0; i < alignment->n_samples; i++) {
        rr += (double)r[i] * (double)r[i];
        dd += (double)d[i] * (double)d[i];
        rd += (double)r[i] * (double)d[i];
    }
    alignment->correlation = (rr > 0.0 && dd > 0.0) ? rd / sqrt(rr * dd) : 0.0;
    return HFC_OK;
}
