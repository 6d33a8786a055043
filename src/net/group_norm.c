/* GroupNorm as torch.nn.GroupNorm applies it in the official encoder: statistics of
 * each group of channels over the whole utterance, biased variance, eps inside the
 * square root. The sums run in double: an utterance has millions of columns and a
 * float sum would drift far beyond the 1e-5 the quantizer can tolerate. */
#include <math.h>

#include "network.h"

void hfc_group_norm_apply(const hfc_group_norm *gn, hfc_act *x)
{
    const int per_group = gn->channels / gn->groups;
    const double count = (double)per_group * (double)x->n;
    for (int g = 0; g < gn->groups; g++) {
        double sum = 0.0, sum_sq = 0.0;
        for (int c = g * per_group; c < (g + 1) * per_group; c++) {
            const float *row = hfc_act_row(x, c);
            for (int64_t t = 0; t < x->n; t++)
                sum += row[t];
        }
        const double mean = sum / count;
        /* Two passes: the centred sum of squares avoids cancellation. */
        for (int c = g * per_group; c < (g + 1) * per_group; c++) {
            const float *row = hfc_act_row(x, c);
            for (int64_t t = 0; t < x->n; t++) {
                double d = row[t] - mean;
                sum_sq += d * d;
            }
        }
        const double rstd = 1.0 / sqrt(sum_sq / count + gn->eps);
        for (int c = g * per_group; c < (g + 1) * per_group; c++) {
            /* y = x * scale + shift, the form PyTorch's CPU kernel evaluates. */
            const float scale = (float)(rstd * gn->gamma[c]);
            const float shift = (float)(gn->beta[c] - mean * rstd * gn->gamma[c]);
            float *row = hfc_act_row(x, c);
            for (int64_t t = 0; t < x->n; t++)
                row[t] = row[t] * scale + shift;
        }
    }
}
