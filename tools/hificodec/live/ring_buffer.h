/*
 * ring_buffer.h - a lock-free single-producer, single-consumer ring of fixed-size
 * items: the only way samples and timing marks cross between PortAudio's
 * real-time callbacks and the codec thread.
 *
 * Exactly one thread writes and exactly one thread reads (they may be the same).
 * hfc_ring_write, hfc_ring_read and the fill queries never block, lock, allocate
 * or make system calls, so either side may be a real-time callback. Only
 * hfc_ring_init and hfc_ring_free allocate and free; call them while no stream
 * runs.
 */
#ifndef HFC_CLI_RING_BUFFER_H
#define HFC_CLI_RING_BUFFER_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct hfc_ring {
    unsigned char *items;
    size_t item_bytes;
    size_t capacity;                    /* items; a power of two */
    /* Running counts, never reset: their difference is the fill, and an index
     * masked by capacity - 1 is a slot. Unsigned wrap-around keeps both right
     * after 2^64 items. Each is stored by one side only; separate cache lines keep
     * the producer's and the consumer's stores from contending. */
    alignas(64) atomic_size_t write_count;  /* stored by the producer */
    alignas(64) atomic_size_t read_count;   /* stored by the consumer */
} hfc_ring;

/* Allocates room for at least min_items items of item_bytes each (rounded up to a
 * power of two). Returns 0, or -1 when out of memory or the size overflows. */
int hfc_ring_init(hfc_ring *ring, size_t min_items, size_t item_bytes);

/* Frees the items; the ring must not be in use. A zeroed ring is a no-op. */
void hfc_ring_free(hfc_ring *ring);

/* Producer: copies up to n_items from items in; returns how many fitted. */
size_t hfc_ring_write(hfc_ring *ring, const void *items, size_t n_items);

/* Consumer: copies up to n_items out into items; returns how many there were. */
size_t hfc_ring_read(hfc_ring *ring, void *items, size_t n_items);

/* Items the consumer can read now. From the producer's side it is an upper bound
 * (the consumer may be reading). */
size_t hfc_ring_readable(hfc_ring *ring);

/* Items the producer can write now; from the consumer's side a lower bound. */
size_t hfc_ring_writable(hfc_ring *ring);

/* Items ever read: the running index of the next item the consumer reads. */
size_t hfc_ring_read_index(hfc_ring *ring);

/* Items ever written: the running index of the next item the producer writes. */
size_t hfc_ring_write_index(hfc_ring *ring);

#endif
