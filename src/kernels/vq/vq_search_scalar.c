#include "vq_search.h"

float hfc_vq_sum_squares(const float *x, int dim)
{
    float s = 0.0f;
    for (int i = 0; i < dim; i++)
        s += x[i] * x[i];
    return s;
}

int hfc_vq_nearest_scalar(const float *codebook, const float *code_norms, int n_codes, int dim,
                          const float *x, float x_norm)
{
    int best = 0;
    float best_d = 0.0f;
    for (int c = 0; c < n_codes; c++) {
        const float *e = codebook + (long)c * dim;
        float dot = 0.0f;
        for (int i = 0; i < dim; i++)
            dot += x[i] * e[i];
        /* Same association as the reference: (|x|^2 + |e|^2) - 2 x.e */
        float d = (x_norm + code_norms[c]) - 2.0f * dot;
        /* Strict < keeps the lowest index on ties; NaN never wins. */
        if (c == 0 || d < best_d) {
            best = c;
            best_d = d;
        }
    }
    return best;
}
