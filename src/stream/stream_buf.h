/* A column buffer for streaming: `channels` rows holding the columns of one signal
 * for times [t0, t0 + n). Producers append at the end, consumers drop from the
 * front; the capacity is fixed at create so the per-frame path never allocates. */
#ifndef HFC_STREAM_BUF_H
#define HFC_STREAM_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_colbuf {
    float *data;
    ptrdiff_t ld;   /* row stride in floats (= cap rounded up) */
    int channels;
    int cap;        /* columns a row can hold */
    int64_t t0;     /* time of column 0 */
    int n;          /* columns held */
    int overflow;   /* set if an append did not fit: a sizing bug, reported by the caller */
} hfc_colbuf;

int hfc_colbuf_init(hfc_colbuf *b, int channels, int cap);
void hfc_colbuf_free(hfc_colbuf *b);

/* Empties the buffer and sets the time of its next column. */
void hfc_colbuf_reset(hfc_colbuf *b, int64_t t0);

static inline int64_t hfc_colbuf_end(const hfc_colbuf *b)
{
    return b->t0 + b->n;
}

/* Row c at time t (t0 <= t <= end). */
static inline float *hfc_colbuf_at(const hfc_colbuf *b, int c, int64_t t)
{
    return b->data + c * b->ld + (t - b->t0);
}

/* Reserves k columns at the end and returns 1, or sets overflow and returns 0. The
 * caller writes hfc_colbuf_at(b, c, end) .. + k - 1, then the columns count. */
int hfc_colbuf_grow(hfc_colbuf *b, int k);

void hfc_colbuf_append_zeros(hfc_colbuf *b, int k);

/* Discards the columns before time t (no-op for t <= t0). */
void hfc_colbuf_drop_before(hfc_colbuf *b, int64_t t);

#endif
