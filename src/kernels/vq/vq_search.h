/* Nearest codeword: argmin over c of (|x|^2 + |e_c|^2) - 2 x.e_c in float32, the
 * official formula, lowest index on ties. code_norms[c] = |e_c|^2 precomputed at
 * load; x_norm = |x|^2. The codebook is [n_codes][dim], row-major. */
#ifndef HFC_KERNELS_VQ_SEARCH_H
#define HFC_KERNELS_VQ_SEARCH_H

typedef int (*hfc_vq_nearest_fn)(const float *codebook, const float *code_norms, int n_codes,
                                 int dim, const float *x, float x_norm);

int hfc_vq_nearest_scalar(const float *codebook, const float *code_norms, int n_codes, int dim,
                          const float *x, float x_norm);

int hfc_vq_nearest_avx2(const float *codebook, const float *code_norms, int n_codes, int dim,
                        const float *x, float x_norm);
int hfc_vq_nearest_avx512(const float *codebook, const float *code_norms, int n_codes, int dim,
                          const float *x, float x_norm);
int hfc_vq_nearest_neon(const float *codebook, const float *code_norms, int n_codes, int dim,
                        const float *x, float x_norm);

/* |x|^2 summed in order, as torch.sum does for short rows. */
float hfc_vq_sum_squares(const float *x, int dim);

#endif
