/* A stream's input queue: a single-producer, single-consumer ring of fixed slots.
 * The event loop (producer) copies each validated request into a slot; the worker
 * that runs the stream (consumer) takes them in order. Slots are allocated at
 * stream open, so neither side allocates or locks per message; the two indices are
 * C11 atomics with acquire/release ordering. */
#ifndef HFCD_RING_H
#define HFCD_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A queued request. FAIL is the daemon's own: it carries an error to send in
 * order, after the stream's earlier replies, and ends the stream. */
enum { HFCD_RECORD_FAIL = 0x100 };

typedef struct hfcd_record {
    uint32_t type;       /* HFC_MSG_PCM_IN, _TOKENS_IN, _FLUSH, _CLOSE or HFCD_RECORD_FAIL */
    uint32_t seq;
    uint32_t count;      /* PCM_IN: samples; TOKENS_IN: frames; FLUSH: directions */
    int32_t status;      /* FAIL: the enum hfc_status to report */
    int64_t received_ns; /* CLOCK_MONOTONIC at receipt, for the latency statistics */
    uint32_t n_bytes;    /* of payload */
    uint32_t pad;
    uint8_t payload[];   /* the message body (FAIL: the error text) */
} hfcd_record;

typedef struct hfcd_ring {
    uint8_t *slots;
    size_t slot_bytes;
    uint32_t n_slots;
    _Atomic uint32_t head; /* next slot to consume; written by the consumer only */
    _Atomic uint32_t tail; /* next slot to fill; written by the producer only */
} hfcd_ring;

/* n_slots slots of max_payload_bytes each. Returns 0 or -1 (no memory). */
int hfcd_ring_init(hfcd_ring *ring, uint32_t n_slots, size_t max_payload_bytes);
void hfcd_ring_free(hfcd_ring *ring);

/* Producer: the next free slot, or NULL when the ring is full. Fill it, then commit. */
hfcd_record *hfcd_ring_reserve(hfcd_ring *ring);
void hfcd_ring_commit(hfcd_ring *ring);

/* Consumer: the oldest record, or NULL when empty. Pop when done with it. */
hfcd_record *hfcd_ring_peek(hfcd_ring *ring);
void hfcd_ring_pop(hfcd_ring *ring);

/* Records queued; exact for either side, a snapshot for anyone else. */
uint32_t hfcd_ring_count(hfcd_ring *ring);

#endif
