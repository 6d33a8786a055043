/* Nearest codeword with AVX2 + FMA. Eight codes at a time: each code's dot product
 * accumulates in its own vector of 8 partial sums along dim, then a fixed hadd tree
 * folds the 8 vectors into one vector of 8 dot products. Deterministic; differs from
 * the scalar sequential sum by rounding only (see vq_search_avx512.c). */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

#include "vq_search.h"

/* sum[c] = sum over lanes of a[c], for 8 vectors, as a vector in code order. */
static __m256 sum8(const __m256 a[8])
{
    const __m256 h01 = _mm256_hadd_ps(a[0], a[1]), h23 = _mm256_hadd_ps(a[2], a[3]);
    const __m256 h45 = _mm256_hadd_ps(a[4], a[5]), h67 = _mm256_hadd_ps(a[6], a[7]);
    const __m256 g0 = _mm256_hadd_ps(h01, h23), g1 = _mm256_hadd_ps(h45, h67);
    /* g0 = [codes 0-3 low half | codes 0-3 high half], g1 likewise for 4-7 */
    return _mm256_add_ps(_mm256_permute2f128_ps(g0, g1, 0x20),
                         _mm256_permute2f128_ps(g0, g1, 0x31));
}

int hfc_vq_nearest_avx2(const float *codebook, const float *code_norms, int n_codes, int dim,
                        const float *x, float x_norm)
{
    const int dim_vec = dim / 8 * 8;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(dim - dim_vec), lane);
    const __m256 xn = _mm256_set1_ps(x_norm), two = _mm256_set1_ps(2.0f);
    __m256 best_d = _mm256_set1_ps(INFINITY);
    __m256i best_i = _mm256_setzero_si256(), idx = lane;
    float d0 = 0.0f;
    for (int c0 = 0; c0 < n_codes; c0 += 8) {
        const int n_here = n_codes - c0 < 8 ? n_codes - c0 : 8;
        const float *rows[8];
        for (int c = 0; c < 8; c++) /* a short last block repeats its last code */
            rows[c] = codebook + (size_t)(c0 + (c < n_here ? c : n_here - 1)) * dim;
        __m256 acc[8];
        for (int c = 0; c < 8; c++)
            acc[c] = _mm256_setzero_ps();
        for (int i = 0; i < dim_vec; i += 8) {
            const __m256 xv = _mm256_loadu_ps(x + i);
            for (int c = 0; c < 8; c++)
                acc[c] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(rows[c] + i), acc[c]);
        }
        if (dim > dim_vec) {
            const __m256 xv = _mm256_maskload_ps(x + dim_vec, tail);
            for (int c = 0; c < 8; c++)
                acc[c] = _mm256_fmadd_ps(xv, _mm256_maskload_ps(rows[c] + dim_vec, tail), acc[c]);
        }
        const __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(n_here), lane);
        const __m256 norms = _mm256_maskload_ps(code_norms + c0, valid);
        const __m256 d = _mm256_sub_ps(_mm256_add_ps(xn, norms), _mm256_mul_ps(two, sum8(acc)));
        if (c0 == 0)
            d0 = _mm256_cvtss_f32(d);
        /* strict <: within a lane the lowest code wins ties; NaN never wins */
        const __m256 better =
            _mm256_and_ps(_mm256_cmp_ps(d, best_d, _CMP_LT_OQ), _mm256_castsi256_ps(valid));
        best_d = _mm256_blendv_ps(best_d, d, better);
        best_i = _mm256_castps_si256(
            _mm256_blendv_ps(_mm256_castsi256_ps(best_i), _mm256_castsi256_ps(idx), better));
        idx = _mm256_add_epi32(idx, _mm256_set1_epi32(8));
    }
    if (isnan(d0)) /* the reference keeps code 0 when its distance is NaN */
        return 0;
    float d[8];
    int i[8];
    _mm256_storeu_ps(d, best_d);
    _mm256_storeu_si256((__m256i *)i, best_i);
    int best = 0;
    float best_v = INFINITY;
    for (int l = 0; l < 8; l++) /* lowest code among the lanes holding the minimum */
        if (d[l] < best_v || (d[l] == best_v && i[l] < best)) {
            best_v = d[l];
            best = i[l];
        }
    return best;
}
