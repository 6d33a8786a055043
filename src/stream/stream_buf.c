#include "stream_buf.h"

#include <stdlib.h>
#include <string.h>

#include "hificodec.h"

int hfc_colbuf_init(hfc_colbuf *b, int channels, int cap)
{
    memset(b, 0, sizeof *b);
    b->channels = channels;
    b->cap = cap;
    b->ld = (cap + 15) & ~15;
    b->data = calloc((size_t)b->ld * (size_t)channels, sizeof(float));
    return b->data ? HFC_OK : HFC_ERR_NO_MEMORY;
}

void hfc_colbuf_free(hfc_colbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void hfc_colbuf_reset(hfc_colbuf *b, int64_t t0)
{
    b->t0 = t0;
    b->n = 0;
    b->overflow = 0;
}

int hfc_colbuf_grow(hfc_colbuf *b, int k)
{
    if (k < 0 || b->n + k > b->cap) {
        b->overflow = 1;
        return 0;
    }
    b->n += k;
    return 1;
}

void hfc_colbuf_append_zeros(hfc_colbuf *b, int k)
{
    int64_t end = hfc_colbuf_end(b);
    if (!hfc_colbuf_grow(b, k))
        return;
    for (int c = 0; c < b->channels; c++)
        memset(hfc_colbuf_at(b, c, end), 0, (size_t)k * sizeof(float));
}

void hfc_colbuf_drop_before(hfc_colbuf *b, int64_t t)
{
    if (t <= b->t0)
        return;
    int64_t drop = t - b->t0;
    if (drop > b->n)
        drop = b->n;
    int keep = b->n - (int)drop;
    if (keep > 0)
        for (int c = 0; c < b->channels; c++) {
            float *row = b->data + c * b->ld;
            memmove(row, row + drop, (size_t)keep * sizeof(float));
        }
    b->t0 += drop;
    b->n = keep;
}
