/* A stream's outgoing messages: the replies to the request being handled, queued
 * in one buffer sized at stream open for the largest reply, then sent without
 * blocking. What the socket does not take yet stays queued; the stream handles no
 * further request until it is all sent, so order is kept and the buffer never
 * needs more than one reply's room. */
#ifndef HFCD_OUTQ_H
#define HFCD_OUTQ_H

#include <stddef.h>
#include <stdint.h>

typedef struct hfcd_outq {
    uint8_t *buf;
    size_t cap;
    size_t head;  /* next byte to send */
    size_t tail;  /* end of the queued messages */
} hfcd_outq;

enum hfcd_outq_state { HFCD_OUTQ_SENT, HFCD_OUTQ_BLOCKED, HFCD_OUTQ_GONE };

int hfcd_outq_init(hfcd_outq *q, size_t cap_bytes);
void hfcd_outq_free(hfcd_outq *q);

/* Room for a message of up to max_bytes: where to write it, or NULL when it does
 * not fit (a sizing bug the caller reports). Then hfcd_outq_end with its size. */
uint8_t *hfcd_outq_begin(hfcd_outq *q, size_t max_bytes);
void hfcd_outq_end(hfcd_outq *q, size_t n_bytes);

static inline int hfcd_outq_empty(const hfcd_outq *q)
{
    return q->head == q->tail;
}

/* Sends queued messages, each with one non-blocking send on the SOCK_SEQPACKET
 * socket fd: SENT when all went, BLOCKED when the socket is full, GONE when the
 * peer has gone. */
int hfcd_outq_send(hfcd_outq *q, int fd);

#endif
