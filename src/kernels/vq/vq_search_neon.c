/* Nearest codeword with NEON. Four codes at a time: each code's dot product
 * accumulates in its own vector of 4 partial sums along dim, then two pairwise adds
 * fold the 4 vectors into one vector of 4 dot products. Deterministic; differs from
 * the scalar sequential sum by rounding only (see vq_search_avx512.c). */
#include <arm_neon.h>
#include <math.h>
#include <stddef.h>

#include "vq_search.h"

int hfc_vq_nearest_neon(const float *codebook, const float *code_norms, int n_codes, int dim,
                        const float *x, float x_norm)
{
    const int dim_vec = dim / 4 * 4;
    const float32x4_t xn = vdupq_n_f32(x_norm);
    int best = 0;
    float best_d = INFINITY, d0 = 0.0f;
    for (int c0 = 0; c0 < n_codes; c0 += 4) {
        const int n_here = n_codes - c0 < 4 ? n_codes - c0 : 4;
        const float *rows[4];
        for (int c = 0; c < 4; c++) /* a short last block repeats its last code */
            rows[c] = codebook + (size_t)(c0 + (c < n_here ? c : n_here - 1)) * dim;
        float32x4_t acc[4];
        for (int c = 0; c < 4; c++)
            acc[c] = vdupq_n_f32(0.0f);
        for (int i = 0; i < dim_vec; i += 4) {
            const float32x4_t xv = vld1q_f32(x + i);
            for (int c = 0; c < 4; c++)
                acc[c] = vfmaq_f32(acc[c], xv, vld1q_f32(rows[c] + i));
        }
        float32x4_t dot = vpaddq_f32(vpaddq_f32(acc[0], acc[1]), vpaddq_f32(acc[2], acc[3]));
        for (int i = dim_vec; i < dim; i++) {
            const float e[4] = {rows[0][i], rows[1][i], rows[2][i], rows[3][i]};
            dot = vfmaq_f32(dot, vdupq_n_f32(x[i]), vld1q_f32(e));
        }
        float norms[4] = {0.0f, 0.0f, 0.0f, 0.0f}, d[4];
        for (int c = 0; c < n_here; c++)
            norms[c] = code_norms[c0 + c];
        vst1q_f32(d, vsubq_f32(vaddq_f32(xn, vld1q_f32(norms)), vmulq_n_f32(dot, 2.0f)));
        if (c0 == 0)
            d0 = d[0];
        for (int c = 0; c < n_here; c++) /* strict <: lowest code on ties, NaN never wins */
            if (d[c] < best_d) {
                best_d = d[c];
                best = c0 + c;
            }
    }
    return isnan(d0) ? 0 : best;
}
