/*
 * stoi.c - STOI (Taal, Hendriks, Heusdens, Jensen, IEEE TASLP 2011) and extended
 * STOI (Jensen & Taal, IEEE TASLP 2016), following the authors' MATLAB reference
 * step by step; see metrics.h for the steps and the few numerical guards.
 *
 * Layout: band envelopes are stored band-major, env[band * n_frames + frame], so
 * a segment of one band is a contiguous run of 30 values.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "metrics.h"

#define FRAME HFC_STOI_FRAME_SAMPLES
#define HOP (HFC_STOI_FRAME_SAMPLES / 2)
#define NFFT HFC_STOI_FFT_SIZE
#define NBINS (HFC_STOI_FFT_SIZE / 2 + 1)
#define NBANDS HFC_STOI_N_BANDS
#define SEG HFC_STOI_SEGMENT_FRAMES
#define DYN_RANGE_DB 40.0
#define MIN_BAND_CENTRE_HZ 150.0
#define BETA_DB (-15.0)

/* MATLAB's hanning(N): the symmetric Hann window of N + 2 points without its two
 * zero end points. */
static void stoi_window(double *w)
{
    for (int i = 0; i < FRAME; i++)
        w[i] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)(i + 1) / (double)(FRAME + 1));
}

/* Band j covers FFT bins [lo[j], hi[j]): edges at 150 * 2^((2j -+ 1) / 6) Hz,
 * each rounded to the nearest bin (the lower bin on a tie, as MATLAB's min()). */
static void stoi_band_edges(int *lo, int *hi)
{
    const double bin_hz = (double)HFC_STOI_RATE_HZ / (double)NFFT;
    for (int j = 0; j < NBANDS; j++) {
        double edge[2] = {
            MIN_BAND_CENTRE_HZ * pow(2.0, (2.0 * j - 1.0) / 6.0),
            MIN_BAND_CENTRE_HZ * pow(2.0, (2.0 * j + 1.0) / 6.0),
        };
        int bin[2];
        for (int e = 0; e < 2; e++) {
            int best = 0;
            double best_d = INFINITY;
            for (int k = 0; k < NBINS; k++) {
                double d = ((double)k * bin_hz - edge[e]) * ((double)k * bin_hz - edge[e]);
                if (d < best_d) {
                    best_d = d;
                    best = k;
                }
            }
            bin[e] = best;
        }
        lo[j] = bin[0];
        hi[j] = bin[1];
    }
}

static int all_finite(const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

/* Number of frames of FRAME samples at hop HOP whose start is < n - FRAME
 * (MATLAB's 1:K:(length(x) - N)). */
static int64_t count_frames(int64_t n)
{
    if (n <= FRAME)
        return 0;
    return (n - FRAME + HOP - 1) / HOP;
}

/*
 * Drops the frames of x (and the same frames of y) more than 40 dB below x's
 * loudest frame and overlap-adds the kept, windowed frames. x_out and y_out hold
 * at least n samples; returns the output length (0 when x has no whole frame).
 */
static int64_t remove_silent_frames(const float *x, const float *y, int64_t n, const double *w,
                                    double *x_out, double *y_out, double *energy_db)
{
    int64_t n_frames = count_frames(n);
    if (n_frames == 0)
        return 0;
    double max_db = -INFINITY;
    for (int64_t f = 0; f < n_frames; f++) {
        const float *xf = x + f * HOP;
        double sum = 0.0;
        for (int i = 0; i < FRAME; i++) {
            double v = w[i] * (double)xf[i];
            sum += v * v;
        }
        energy_db[f] = 20.0 * log10(sqrt(sum) + DBL_EPSILON);
        if (energy_db[f] > max_db)
            max_db = energy_db[f];
    }
    int64_t n_kept = 0;
    for (int64_t f = 0; f < n_frames; f++) {
        if (!(max_db - DYN_RANGE_DB - energy_db[f] < 0.0))
            continue;
        /* With FRAME = 2 HOP, output frame k overlaps only frame k - 1, whose tail
         * already holds its first HOP samples: zero just the new tail. */
        double *xo = x_out + n_kept * HOP;
        double *yo = y_out + n_kept * HOP;
        const float *xf = x + f * HOP;
        const float *yf = y + f * HOP;
        if (n_kept == 0) {
            memset(xo, 0, HOP * sizeof(*xo));
            memset(yo, 0, HOP * sizeof(*yo));
        }
        memset(xo + HOP, 0, (FRAME - HOP) * sizeof(*xo));
        memset(yo + HOP, 0, (FRAME - HOP) * sizeof(*yo));
        for (int i = 0; i < FRAME; i++) {
            xo[i] += w[i] * (double)xf[i];
            yo[i] += w[i] * (double)yf[i];
        }
        n_kept++;
    }
    return (n_kept - 1) * HOP + FRAME;
}

/* One-third-octave band envelopes (band-major, n_frames per band) of the STFT of
 * x: frames start at 0, HOP, ... while start < n - FRAME. */
static int band_envelopes(const double *x, int64_t n_frames, const double *w, const int *lo,
                          const int *hi, double *env)
{
    float *in = fftwf_malloc(NFFT * sizeof(*in));
    fftwf_complex *spec = fftwf_malloc(NBINS * sizeof(*spec));
    if (in == NULL || spec == NULL) {
        fftwf_free(in);
        fftwf_free(spec);
        return HFC_ERR_NO_MEMORY;
    }
    fftwf_plan plan = fftwf_plan_dft_r2c_1d(NFFT, in, spec, FFTW_ESTIMATE);
    if (plan == NULL) {
        fftwf_free(in);
        fftwf_free(spec);
        return HFC_ERR_NO_MEMORY;
    }
    double power[NBINS];
    for (int64_t t = 0; t < n_frames; t++) {
        const double *xf = x + t * HOP;
        for (int i = 0; i < FRAME; i++)
            in[i] = (float)(w[i] * xf[i]);
        for (int i = FRAME; i < NFFT; i++)
            in[i] = 0.0f;
        fftwf_execute(plan);
        for (int k = 0; k < NBINS; k++) {
            double re = spec[k][0], im = spec[k][1];
            power[k] = re * re + im * im;
        }
        for (int j = 0; j < NBANDS; j++) {
            double sum = 0.0;
            for (int k = lo[j]; k < hi[j]; k++)
                sum += power[k];
            env[(int64_t)j * n_frames + t] = sqrt(sum);
        }
    }
    fftwf_destroy_plan(plan);
    fftwf_free(in);
    fftwf_free(spec);
    return HFC_OK;
}

static double sum_sq(const double *v, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += v[i] * v[i];
    return s;
}

/* Correlation coefficient of two SEG-long vectors with pystoi's EPS guards. */
static double guarded_correlation(const double *a, const double *b)
{
    double ma = 0.0, mb = 0.0;
    for (int i = 0; i < SEG; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= SEG;
    mb /= SEG;
    double ca[SEG], cb[SEG];
    for (int i = 0; i < SEG; i++) {
        ca[i] = a[i] - ma;
        cb[i] = b[i] - mb;
    }
    double na = sqrt(sum_sq(ca, SEG)) + DBL_EPSILON;
    double nb = sqrt(sum_sq(cb, SEG)) + DBL_EPSILON;
    double dot = 0.0;
    for (int i = 0; i < SEG; i++)
        dot += (ca[i] / na) * (cb[i] / nb);
    return dot;
}

/* Taal 2011 eq. (2)-(6): mean over segments and bands of the correlation of the
 * ref envelope with the energy-matched, clipped deg envelope. */
static double stoi_from_envelopes(const double *x_env, const double *y_env, int64_t n_frames)
{
    const double clip = pow(10.0, -BETA_DB / 20.0);
    int64_t n_segments = n_frames - SEG + 1;
    double total = 0.0;
    for (int64_t m = 0; m < n_segments; m++) {
        for (int j = 0; j < NBANDS; j++) {
            const double *xs = x_env + (int64_t)j * n_frames + m;
            const double *ys = y_env + (int64_t)j * n_frames + m;
            double alpha = sqrt(sum_sq(xs, SEG)) / (sqrt(sum_sq(ys, SEG)) + DBL_EPSILON);
            double y_prime[SEG];
            for (int i = 0; i < SEG; i++) {
                double scaled = alpha * ys[i];
                double limit = xs[i] * (1.0 + clip);
                y_prime[i] = scaled < limit ? scaled : limit;
            }
            total += guarded_correlation(xs, y_prime);
        }
    }
    return total / ((double)n_segments * NBANDS);
}

/* Subtracts the mean of n values spaced `stride` apart and scales them to unit
 * norm; a zero vector stays zero. */
static void normalise_strided(double *v, int n, int stride)
{
    double mean = 0.0;
    for (int i = 0; i < n; i++)
        mean += v[i * stride];
    mean /= n;
    double ss = 0.0;
    for (int i = 0; i < n; i++) {
        v[i * stride] -= mean;
        ss += v[i * stride] * v[i * stride];
    }
    double inv = ss > 0.0 ? 1.0 / sqrt(ss) : 0.0;
    for (int i = 0; i < n; i++)
        v[i * stride] *= inv;
}

/* Jensen & Taal 2016 eq. (9)-(11): per segment, row- then column-normalise both
 * NBANDS x SEG matrices and average the column correlations. */
static double estoi_from_envelopes(const double *x_env, const double *y_env, int64_t n_frames)
{
    int64_t n_segments = n_frames - SEG + 1;
    double total = 0.0;
    double xs[NBANDS * SEG], ys[NBANDS * SEG]; /* row-major: [band][frame] */
    for (int64_t m = 0; m < n_segments; m++) {
        for (int j = 0; j < NBANDS; j++) {
            memcpy(xs + j * SEG, x_env + (int64_t)j * n_frames + m, SEG * sizeof(double));
            memcpy(ys + j * SEG, y_env + (int64_t)j * n_frames + m, SEG * sizeof(double));
        }
        for (int j = 0; j < NBANDS; j++) {
            normalise_strided(xs + j * SEG, SEG, 1);
            normalise_strided(ys + j * SEG, SEG, 1);
        }
        for (int i = 0; i < SEG; i++) {
            normalise_strided(xs + i, NBANDS, SEG);
            normalise_strided(ys + i, NBANDS, SEG);
        }
        double dot = 0.0;
        for (int k = 0; k < NBANDS * SEG; k++)
            dot += xs[k] * ys[k];
        total += dot / SEG;
    }
    return total / (double)n_segments;
}

int hfc_metrics_stoi(const float *ref, const float *deg, int64_t n_samples, int rate_hz,
                     hfc_stoi_result *result)
{
    if (result == NULL)
        return HFC_ERR_INVALID_ARG;
    result->stoi = NAN;
    result->estoi = NAN;
    result->n_frames = 0;
    result->n_segments = 0;
    if (ref == NULL || deg == NULL || n_samples <= 0 || rate_hz <= 0)
        return HFC_ERR_INVALID_ARG;
    if (!all_finite(ref, n_samples) || !all_finite(deg, n_samples))
        return HFC_ERR_BAD_SAMPLE;

    int64_t n = hfc_metrics_resample_n_samples(n_samples, rate_hz, HFC_STOI_RATE_HZ);
    if (n < 0)
        return (int)n;
    int status = HFC_OK;
    float *x = malloc((size_t)(n > 0 ? n : 1) * sizeof(*x));
    float *y = malloc((size_t)(n > 0 ? n : 1) * sizeof(*y));
    double *x_sil = malloc((size_t)(n + FRAME) * sizeof(*x_sil));
    double *y_sil = malloc((size_t)(n + FRAME) * sizeof(*y_sil));
    double *energy = malloc((size_t)(n / HOP + 1) * sizeof(*energy));
    double *x_env = NULL, *y_env = NULL;
    if (x == NULL || y == NULL || x_sil == NULL || y_sil == NULL || energy == NULL) {
        status = HFC_ERR_NO_MEMORY;
        goto done;
    }
    int64_t got = hfc_metrics_resample(ref, n_samples, rate_hz, x, n, HFC_STOI_RATE_HZ);
    if (got >= 0)
        got = hfc_metrics_resample(deg, n_samples, rate_hz, y, n, HFC_STOI_RATE_HZ);
    if (got < 0) {
        status = (int)got;
        goto done;
    }

    double w[FRAME];
    stoi_window(w);
    int64_t n_sil = remove_silent_frames(x, y, n, w, x_sil, y_sil, energy);
    int64_t n_frames = count_frames(n_sil);
    if (n_frames < SEG) {
        status = HFC_ERR_TOO_SHORT;
        goto done;
    }

    int lo[NBANDS], hi[NBANDS];
    stoi_band_edges(lo, hi);
    x_env = malloc((size_t)(n_frames * NBANDS) * sizeof(*x_env));
    y_env = malloc((size_t)(n_frames * NBANDS) * sizeof(*y_env));
    if (x_env == NULL || y_env == NULL) {
        status = HFC_ERR_NO_MEMORY;
        goto done;
    }
    status = band_envelopes(x_sil, n_frames, w, lo, hi, x_env);
    if (status == HFC_OK)
        status = band_envelopes(y_sil, n_frames, w, lo, hi, y_env);
    if (status != HFC_OK)
        goto done;

    result->stoi = stoi_from_envelopes(x_env, y_env, n_frames);
    result->estoi = estoi_from_envelopes(x_env, y_env, n_frames);
    result->n_frames = n_frames;
    result->n_segments = n_frames - SEG + 1;

done:
    free(x);
    free(y);
    free(x_sil);
    free(y_sil);
    free(energy);
    free(x_env);
    free(y_env);
    return status;
}
