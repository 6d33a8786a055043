#include "activation.h"

#include <stdlib.h>
#include <string.h>

#include "hificodec.h"

static void zero_margins(hfc_act *a)
{
    if (a->margin == 0)
        return;
    for (int c = 0; c < a->channels; c++) {
        float *row = hfc_act_row(a, c);
        memset(row - a->margin, 0, (size_t)a->margin * sizeof *row);
        memset(row + a->n, 0, (size_t)a->margin * sizeof *row);
    }
}

int hfc_act_alloc(hfc_act *a, int channels, int64_t n, int margin)
{
    memset(a, 0, sizeof *a);
    return hfc_act_reshape(a, channels, n, margin);
}

int hfc_act_reshape(hfc_act *a, int channels, int64_t n, int margin)
{
    if (channels < 1 || n < 0 || margin < 0 || n > ((int64_t)1 << 40))
        return HFC_ERR_INVALID_ARG;
    /* Margins and rows rounded up to 16 floats: every row's column 0 is then
     * 64-byte aligned, which the SIMD kernels like. */
    margin = (margin + 15) & ~15;
    int64_t ld = (n + 2 * (int64_t)margin + 15) & ~(int64_t)15;
    if ((uint64_t)ld * (uint64_t)channels > (SIZE_MAX / sizeof(float)) / 2)
        return HFC_ERR_NO_MEMORY;
    size_t need = (size_t)ld * (size_t)channels;
    size_t have = a->base ? (size_t)a->capacity : 0;
    if (need > have) {
        free(a->base);
        a->base = aligned_alloc(64, need * sizeof(float));
        if (!a->base) {
            memset(a, 0, sizeof *a);
            return HFC_ERR_NO_MEMORY;
        }
        a->capacity = (int64_t)need;
    }
    a->channels = channels;
    a->n = n;
    a->margin = margin;
    a->ld = (ptrdiff_t)ld;
    a->data = a->base + margin;
    zero_margins(a);
    return HFC_OK;
}

void hfc_act_free(hfc_act *a)
{
    if (!a)
        return;
    free(a->base);
    memset(a, 0, sizeof *a);
}

void hfc_act_leaky_relu(hfc_act *dst, const hfc_act *src, float slope)
{
    for (int c = 0; c < src->channels; c++) {
        const float *s = hfc_act_row(src, c);
        float *d = hfc_act_row(dst, c);
        for (int64_t t = 0; t < src->n; t++)
            d[t] = hfc_leaky_relu(s[t], slope);
    }
}
