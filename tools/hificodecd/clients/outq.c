#include "outq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Each queued message is a 4-byte length, then the message. */
#define PREFIX_BYTES 4

int hfcd_outq_init(hfcd_outq *q, size_t cap_bytes)
{
    q->buf = malloc(cap_bytes);
    q->cap = cap_bytes;
    q->head = q->tail = 0;
    return q->buf ? 0 : -1;
}

void hfcd_outq_free(hfcd_outq *q)
{
    free(q->buf);
    q->buf = NULL;
}

uint8_t *hfcd_outq_begin(hfcd_outq *q, size_t max_bytes)
{
    if (q->tail + PREFIX_BYTES + max_bytes > q->cap)
        return NULL;
    return q->buf + q->tail + PREFIX_BYTES;
}

void hfcd_outq_end(hfcd_outq *q, size_t n_bytes)
{
    uint32_t n = (uint32_t)n_bytes;
    memcpy(q->buf + q->tail, &n, PREFIX_BYTES);
    q->tail += PREFIX_BYTES + n_bytes;
}

int hfcd_outq_send(hfcd_outq *q, int fd)
{
    while (q->head < q->tail) {
        uint32_t n;
        memcpy(&n, q->buf + q->head, PREFIX_BYTES);
        ssize_t sent = send(fd, q->buf + q->head + PREFIX_BYTES, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return HFCD_OUTQ_BLOCKED;
        if (sent != (ssize_t)n) /* SEQPACKET sends whole messages or fail */
            return HFCD_OUTQ_GONE;
        q->head += PREFIX_BYTES + n;
    }
    q->head = q->tail = 0;
    return HFCD_OUTQ_SENT;
}
