/* Nearest codeword with AVX-512F. Sixteen codes at a time: each code's dot product
 * with x accumulates in its own vector of 16 partial sums along dim (one FMA per 16
 * dims), then a fixed tree of shuffles and adds (30 shuffles, 15 adds) folds the 16
 * vectors into one vector of 16 dot products. The order of every sum is fixed by
 * dim and the code's position, so the result is deterministic; it differs from the
 * scalar reference's sequential sum by rounding only (near-ties may flip; the kernel
 * tests bound them). */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

#include "vq_search.h"

/* sum[c] = sum over lanes of a[c], for 16 vectors, as a vector in code order. */
static __m512 sum16(__m512 a[16])
{
    __m512 b[8], c[4], d[2];
    for (int i = 0; i < 8; i++) /* halves: code 2i in 128-bit lanes 0-1, 2i+1 in 2-3 */
        b[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0x44),
                             _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0xEE));
    for (int i = 0; i < 4; i++) /* quarters: code 4i + q in 128-bit lane q */
        c[i] = _mm512_add_ps(_mm512_shuffle_f32x4(b[2 * i], b[2 * i + 1], 0x88),
                             _mm512_shuffle_f32x4(b[2 * i], b[2 * i + 1], 0xDD));
    for (int i = 0; i < 2; i++) { /* lane q: codes 8i+q, 8i+4+q, two partials each */
        __m512d lo = _mm512_unpacklo_pd(_mm512_castps_pd(c[2 * i]), _mm512_castps_pd(c[2 * i + 1]));
        __m512d hi = _mm512_unpackhi_pd(_mm512_castps_pd(c[2 * i]), _mm512_castps_pd(c[2 * i + 1]));
        d[i] = _mm512_add_ps(_mm512_castpd_ps(lo), _mm512_castpd_ps(hi));
    }
    /* element 4q + r holds code q + 4r */
    __m512 e =
        _mm512_add_ps(_mm512_shuffle_ps(d[0], d[1], 0x88), _mm512_shuffle_ps(d[0], d[1], 0xDD));
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_ps(order, e);
}

int hfc_vq_nearest_avx512(const float *codebook, const float *code_norms, int n_codes, int dim,
                          const float *x, float x_norm)
{
    const int dim_vec = dim / 16 * 16;
    const __mmask16 tail = (__mmask16)((1u << (dim - dim_vec)) - 1u);
    const __m512 xn = _mm512_set1_ps(x_norm), two = _mm512_set1_ps(2.0f);
    __m512 best_d = _mm512_set1_ps(INFINITY);
    __m512i best_i = _mm512_setzero_si512();
    __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    float d0 = 0.0f;
    for (int c0 = 0; c0 < n_codes; c0 += 16) {
        const int n_here = n_codes - c0 < 16 ? n_codes - c0 : 16;
        const float *rows[16];
        for (int c = 0; c < 16; c++) /* a short last block repeats its last code */
            rows[c] = codebook + (size_t)(c0 + (c < n_here ? c : n_here - 1)) * dim;
        __m512 acc[16];
        for (int c = 0; c < 16; c++)
            acc[c] = _mm512_setzero_ps();
        for (int i = 0; i < dim_vec; i += 16) {
            const __m512 xv = _mm512_loadu_ps(x + i);
            for (int c = 0; c < 16; c++)
                acc[c] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(rows[c] + i), acc[c]);
        }
        if (tail) {
            const __m512 xv = _mm512_maskz_loadu_ps(tail, x + dim_vec);
            for (int c = 0; c < 16; c++)
                acc[c] =
                    _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(tail, rows[c] + dim_vec), acc[c]);
        }
        const __mmask16 valid = (__mmask16)((1u << n_here) - 1u);
        const __m512 norms = _mm512_maskz_loadu_ps(valid, code_norms + c0);
        /* (|x|^2 + |e|^2) - 2 x.e, the reference's association */
        const __m512 d = _mm512_sub_ps(_mm512_add_ps(xn, norms), _mm512_mul_ps(two, sum16(acc)));
        if (c0 == 0)
            d0 = _mm512_cvtss_f32(d);
        /* strict <: within a lane the lowest code wins ties; NaN never wins */
        const __mmask16 better = _mm512_mask_cmp_ps_mask(valid, d, best_d, _CMP_LT_OQ);
        best_d = _mm512_mask_blend_ps(better, best_d, d);
        best_i = _mm512_mask_blend_epi32(better, best_i, idx);
        idx = _mm512_add_epi32(idx, _mm512_set1_epi32(16));
    }
    /* The reference keeps code 0 when its distance is NaN. */
    if (isnan(d0))
        return 0;
    const float min_d = _mm512_reduce_min_ps(best_d);
    const __mmask16 at_min = _mm512_cmp_ps_mask(best_d, _mm512_set1_ps(min_d), _CMP_EQ_OQ);
    /* Among lanes holding the minimum, the lowest code; none (all +inf): code 0. */
    return at_min ? _mm512_mask_reduce_min_epi32(at_min, best_i) : 0;
}
