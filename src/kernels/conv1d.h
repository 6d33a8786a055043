/* conv1d: y[co][t] = bias[co] + sum_{ci,k} w[co][ci][k] * x[ci][t*stride + k*dilation]
 * for t in [0, n_out).
 *
 * x points at the first input column the first output reads (the caller has put
 * the layer's padding in front), rows x_ld floats apart; y rows are y_ld apart.
 * With accumulate != 0 the result is added to y (the resblocks' residual), bias
 * included. x and y must not overlap. */
#ifndef HFC_KERNELS_CONV1D_H
#define HFC_KERNELS_CONV1D_H

#include <stddef.h>

#include "layers.h"

typedef void (*hfc_conv1d_fn)(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                              ptrdiff_t y_ld, int n_out, int accumulate);

void hfc_conv1d_scalar(const hfc_conv *cv, const float *x, ptrdiff_t x_ld, float *y,
                       ptrdiff_t y_ld, int n_out, int accumulate);

#endif
