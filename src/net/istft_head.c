/* The istft head's elementwise steps (network.h): the polar step between conv_post
 * and the inverse-STFT transposed conv, and the output squashing of either head.
 * Plain libm, in the twin's order (exp of the capped log magnitude, times cos and
 * sin of the phase), so results differ from torch's only by the functions' own
 * rounding (an ulp or two). */
#include <math.h>

#include "network.h"

void hfc_istft_polar(float *rows, ptrdiff_t ld, int n_bins, int64_t n)
{
    for (int b = 0; b < n_bins; b++) {
        float *re = rows + b * ld, *im = rows + (b + n_bins) * ld;
        for (int64_t t = 0; t < n; t++) {
            const float m = re[t] > HFC_ISTFT_MAX_LOG_MAG ? HFC_ISTFT_MAX_LOG_MAG : re[t];
            const float mag = expf(m), p = im[t];
            re[t] = mag * cosf(p);
            im[t] = mag * sinf(p);
        }
    }
}

void hfc_generator_net_pcm(const hfc_generator_net *net, const float *src, float *dst, int64_t n)
{
    if (net->head_type == HFC_HEAD_ISTFT) {
        /* fminf/fmaxf would turn NaN into a bound; the comparisons keep it NaN, as
         * tanh and torch.clamp do. */
        for (int64_t i = 0; i < n; i++)
            dst[i] = src[i] > 1.0f ? 1.0f : src[i] < -1.0f ? -1.0f : src[i];
    } else {
        for (int64_t i = 0; i < n; i++)
            dst[i] = tanhf(src[i]);
    }
}
