/*
 * align.c - delay estimation by FFT cross-correlation (contract in metrics.h).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <fftw3.h>

#include "metrics.h"

/* Lags next to the FFT's best one that are re-evaluated exactly: float FFT
 * rounding can swap neighbouring lags of a smooth (low-pass) correlation peak. */
#define REFINE_RADIUS 2

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

/* Best lag in [lag_min, lag_max] by one single-precision FFT correlation. */
static int fft_best_lag(const float *ref, int64_t n_ref, const float *deg, int64_t n_deg,
                        int64_t lag_min, int64_t lag_max, int64_t *best_lag)
{
    int64_t n_fft = fft_size_at_least(n_ref + n_deg - 1);
    if (n_fft > INT32_MAX)
        return HFC_ERR_INVALID_ARG;
    int64_t n_bins = n_fft / 2 + 1;
    float *a = fftwf_malloc((size_t)n_fft * sizeof(*a));
    float *b = fftwf_malloc((size_t)n_fft * sizeof(*b));
    fftwf_complex *fa = fftwf_malloc((size_t)n_bins * sizeof(*fa));
    fftwf_complex *fb = fftwf_malloc((size_t)n_bins * sizeof(*fb));
    fftwf_plan forward = NULL, backward = NULL;
    int status = HFC_ERR_NO_MEMORY;
    if (a == NULL || b == NULL || fa == NULL || fb == NULL)
        goto done;
    forward = fftwf_plan_dft_r2c_1d((int)n_fft, a, fa, FFTW_ESTIMATE);
    backward = fftwf_plan_dft_c2r_1d((int)n_fft, fa, a, FFTW_ESTIMATE);
    if (forward == NULL || backward == NULL)
        goto done;

    memset(a, 0, (size_t)n_fft * sizeof(*a));
    memset(b, 0, (size_t)n_fft * sizeof(*b));
    memcpy(a, ref, (size_t)n_ref * sizeof(*a));
    memcpy(b, deg, (size_t)n_deg * sizeof(*b));
    fftwf_execute_dft_r2c(forward, a, fa);
    fftwf_execute_dft_r2c(forward, b, fb);
    /* conj(REF) * DEG is the transform of c[lag] = sum_n ref[n] deg[n + lag]. */
    for (int64_t k = 0; k < n_bins; k++) {
        float re = fa[k][0] * fb[k][0] + fa[k][1] * fb[k][1];
        float im = fa[k][0] * fb[k][1] - fa[k][1] * fb[k][0];
        fa[k][0] = re;
        fa[k][1] = im;
    }
    fftwf_execute_dft_c2r(backward, fa, a);

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
        int status = fft_best_lag(ref, n_ref_samples, deg, n_deg_samples, lag_min, lag_max, &lag);
        if (status != HFC_OK)
            return status;
        int64_t centre = lag;
        double best_value = -INFINITY;
        for (int64_t l = centre - REFINE_RADIUS; l <= centre + REFINE_RADIUS; l++) {
            if (l < lag_min || l > lag_max)
                continue;
            double value = exact_correlation(ref, n_ref_samples, deg, n_deg_samples, l);
            if (better(value, l, best_value, lag)) {
                best_value = value;
                lag = l;
            }
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
