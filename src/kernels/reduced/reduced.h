/* What the reduced-precision kernels (bf16, int8) share: their input conversion
 * works on chunks of columns in a stack buffer of HFC_REDUCED_BUF_BYTES, so a
 * call never allocates; a layer whose receptive field does not leave a useful
 * chunk in it stays in a wider format (precision.c asks hfc_reduced_fits). */
#ifndef HFC_KERNELS_REDUCED_H
#define HFC_KERNELS_REDUCED_H

#include <stddef.h>

#include "layers.h"

#define HFC_REDUCED_BUF_BYTES (128 * 1024)

/* Input columns a chunk may convert when a column of the converted input takes
 * row_bytes: whole multiples of 16, so every converted row starts 64-byte aligned. */
static inline int hfc_reduced_max_columns(size_t row_bytes)
{
    return (int)(HFC_REDUCED_BUF_BYTES / row_bytes / 16 * 16);
}

/* Output columns of a conv1d per chunk whose input (row_bytes a column) fits. At
 * least 48 (the SIMD tiles' widest span) when that fits, in multiples of 48;
 * 0 when not even one output column fits. */
static inline int hfc_reduced_conv_chunk(const hfc_conv *cv, size_t row_bytes)
{
    const int cols = hfc_reduced_max_columns(row_bytes);
    const int span = (cv->kernel - 1) * cv->dilation + 1;
    if (cols < span)
        return 0;
    const int n = (cols - span) / cv->stride + 1;
    return n >= 48 ? n / 48 * 48 : n;
}

/* Output columns of a transposed conv per chunk (a multiple of its stride). */
static inline int hfc_reduced_convt_chunk(const hfc_convt *cv, size_t row_bytes)
{
    const int cols = hfc_reduced_max_columns(row_bytes);
    const int taps = (cv->kernel + cv->stride - 1) / cv->stride;
    return cols > taps + 2 ? (cols - taps - 2) * cv->stride : 0;
}

/* Whether the reduced kernels take the layer: a chunk of at least 16 outputs. */
static inline int hfc_reduced_fits(const hfc_conv *cv, const hfc_convt *cvt, size_t row_bytes)
{
    return (cv ? hfc_reduced_conv_chunk(cv, row_bytes) : hfc_reduced_convt_chunk(cvt, row_bytes)) >=
           16;
}

#endif
