/* An activation: `channels` rows of `n` columns with `margin` zero columns on both
 * sides, so a conv can read its padding in place. Row c starts at data + c*ld;
 * columns -margin .. n+margin-1 are addressable. */
#ifndef HFC_ACTIVATION_H
#define HFC_ACTIVATION_H

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_act {
    float *base;     /* the allocation */
    float *data;     /* column 0 of row 0 */
    int channels;
    int64_t n;
    int margin;
    ptrdiff_t ld;
    int64_t capacity; /* floats allocated at base */
} hfc_act;

/* Allocates channels x n with at least `margin` zeroed columns each side (rounded
 * up to 16 so rows are 64-byte aligned). Returns HFC_OK or HFC_ERR_NO_MEMORY
 * (also when the size overflows). */
int hfc_act_alloc(hfc_act *a, int channels, int64_t n, int margin);
void hfc_act_free(hfc_act *a);

/* Reuses a's storage for channels x n when it fits (re-zeroing the margins), else
 * reallocates. */
int hfc_act_reshape(hfc_act *a, int channels, int64_t n, int margin);

static inline float *hfc_act_row(const hfc_act *a, int c)
{
    return a->data + c * a->ld;
}

/* v >= 0 ? v : v * slope, decided on the sign bit: the same values (NaN stays NaN),
 * but a plain integer select that GCC vectorises, where a float comparison would
 * count as a possible trap under -ftrapping-math and keep the loop scalar. */
static inline float hfc_leaky_relu(float v, float slope)
{
    union {
        float f;
        uint32_t u;
    } in = {v}, scaled = {v * slope}, out;
    const uint32_t negative = 0u - (in.u >> 31); /* all ones when the sign bit is set */
    out.u = (in.u & ~negative) | (scaled.u & negative);
    return out.f;
}

/* dst = leaky_relu(src) over the n columns of every row (margins untouched). */
void hfc_act_leaky_relu(hfc_act *dst, const hfc_act *src, float slope);

#endif
