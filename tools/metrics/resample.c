/*
 * resample.c - rational polyphase resampling with GNU Octave's resample() filter.
 *
 * STOI is defined at 10 kHz, and its reference implementations (the authors'
 * MATLAB code, pystoi) resample with MATLAB's/Octave's resample(). We use the same
 * filter design so that our STOI matches theirs to well below the metric's
 * resolution; libsoxr would be as good a resampler, but a different one, and its
 * differences show up in the third decimal of STOI on short files.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* Octave's design constants: 60 dB rejection, roll-off a tenth of the cutoff. */
#define HFC_RESAMPLE_REJECTION_DB 60.0
/* Largest reduced rate factor; larger ones need filters of millions of taps. */
#define HFC_RESAMPLE_MAX_FACTOR 4000
#define HFC_RESAMPLE_MIN_RATE_HZ 1000
#define HFC_RESAMPLE_MAX_RATE_HZ 384000

static int64_t gcd_i64(int64_t a, int64_t b)
{
    while (b != 0) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return -floor_div(-a, b);
}

/* Modified Bessel function of the first kind, order 0, by its power series;
 * the arguments here are at most the Kaiser beta (about 5.7). */
static double bessel_i0(double x)
{
    double term = 1.0;
    double sum = 1.0;
    double half_x_sq = 0.25 * x * x;
    for (int k = 1; k < 500; k++) {
        term *= half_x_sq / ((double)k * (double)k);
        sum += term;
        if (term < sum * 1e-17)
            break;
    }
    return sum;
}

static double sinc(double x)
{
    if (x == 0.0)
        return 1.0;
    double px = M_PI * x;
    return sin(px) / px;
}

static int reduce_rates(int in_rate_hz, int out_rate_hz, int64_t *up, int64_t *down)
{
    if (in_rate_hz < HFC_RESAMPLE_MIN_RATE_HZ || in_rate_hz > HFC_RESAMPLE_MAX_RATE_HZ ||
        out_rate_hz < HFC_RESAMPLE_MIN_RATE_HZ || out_rate_hz > HFC_RESAMPLE_MAX_RATE_HZ)
        return HFC_ERR_INVALID_ARG;
    int64_t g = gcd_i64(in_rate_hz, out_rate_hz);
    *up = out_rate_hz / g;
    *down = in_rate_hz / g;
    return HFC_OK;
}

int64_t hfc_metrics_resample_n_samples(int64_t n_in_samples, int in_rate_hz, int out_rate_hz)
{
    int64_t up, down;
    if (n_in_samples < 0 || reduce_rates(in_rate_hz, out_rate_hz, &up, &down) != HFC_OK)
        return HFC_ERR_INVALID_ARG;
    if (n_in_samples > INT64_MAX / up)
        return HFC_ERR_INVALID_ARG;
    return ceil_div(n_in_samples * up, down);
}

/*
 * Fills h[0 .. 2 half_len] with the filter for up/down, scaled to a DC gain of
 * `up` (the zero-stuffed input has 1/up of the signal's energy per sample).
 * Octave: L = ceil((rejection - 8) / (28.714 * roll_off)), ideal lowpass
 * 2 p fc sinc(2 fc t) for t = -L .. L, times kaiser(2L + 1, beta).
 */
static double *design_filter(int64_t up, int64_t down, int64_t *half_len)
{
    int64_t max_factor = up > down ? up : down;
    double cutoff = 1.0 / (2.0 * (double)max_factor);
    double roll_off_width = cutoff / 10.0;
    double rejection_db = HFC_RESAMPLE_REJECTION_DB;
    int64_t len = (int64_t)ceil((rejection_db - 8.0) / (28.714 * roll_off_width));
    double beta = 0.1102 * (rejection_db - 8.7); /* Kaiser's formula above 50 dB */

    double *h = malloc((size_t)(2 * len + 1) * sizeof(*h));
    if (h == NULL)
        return NULL;
    double i0_beta = bessel_i0(beta);
    double sum = 0.0;
    for (int64_t k = 0; k <= 2 * len; k++) {
        double t = (double)(k - len);
        double r = t / (double)len;
        double arg = 1.0 - r * r;
        double window = bessel_i0(beta * sqrt(arg > 0.0 ? arg : 0.0)) / i0_beta;
        h[k] = window * 2.0 * (double)up * cutoff * sinc(2.0 * cutoff * t);
        sum += h[k];
    }
    for (int64_t k = 0; k <= 2 * len; k++)
        h[k] = h[k] / sum * (double)up;
    *half_len = len;
    return h;
}

int64_t hfc_metrics_resample(const float *in, int64_t n_in_samples, int in_rate_hz, float *out,
                             int64_t max_out_samples, int out_rate_hz)
{
    int64_t up, down;
    if (in == NULL || out == NULL || n_in_samples < 0 ||
        reduce_rates(in_rate_hz, out_rate_hz, &up, &down) != HFC_OK)
        return HFC_ERR_INVALID_ARG;
    if (up > HFC_RESAMPLE_MAX_FACTOR || down > HFC_RESAMPLE_MAX_FACTOR)
        return HFC_ERR_UNSUPPORTED;
    int64_t n_out = hfc_metrics_resample_n_samples(n_in_samples, in_rate_hz, out_rate_hz);
    if (n_out < 0)
        return n_out;
    if (n_out > max_out_samples)
        return HFC_ERR_BUFFER_TOO_SMALL;
    if (up == 1 && down == 1) {
        if (n_in_samples > 0)
            memcpy(out, in, (size_t)n_in_samples * sizeof(*in));
        return n_in_samples;
    }

    int64_t half_len;
    double *h = design_filter(up, down, &half_len);
    if (h == NULL)
        return HFC_ERR_NO_MEMORY;

    /* Output n sits at upsampled position n * down; input m at m * up. The tap
     * joining them is k = n * down + half_len - m * up, valid for 0 <= k <= 2L. */
    for (int64_t n = 0; n < n_out; n++) {
        int64_t centre = n * down + half_len;
        int64_t m_first = ceil_div(centre - 2 * half_len, up);
        int64_t m_last = floor_div(centre, up);
        if (m_first < 0)
            m_first = 0;
        if (m_last > n_in_samples - 1)
            m_last = n_in_samples - 1;
        double acc = 0.0;
        for (int64_t m = m_first; m <= m_last; m++)
            acc += h[centre - m * up] * (double)in[m];
        out[n] = (float)acc;
    }
    free(h);
    return n_out;
}
