#include "ring.h"

#include <sys/mman.h>

int hfcd_ring_init(hfcd_ring *ring, uint32_t n_slots, size_t max_payload_bytes)
{
    /* Slots keep the payload 8-byte aligned, so it can be read as floats in place. */
    ring->slot_bytes = (sizeof(hfcd_record) + max_payload_bytes + 7) & ~(size_t)7;
    ring->n_slots = n_slots;
    /* Mapped, not malloc'd: the pages of a slot that a stream's small messages
     * never reach cost address space only, not memory. */
    void *p = mmap(NULL, ring->slot_bytes * n_slots, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ring->slots = p == MAP_FAILED ? NULL : p;
    atomic_init(&ring->head, 0);
    atomic_init(&ring->tail, 0);
    return ring->slots ? 0 : -1;
}

void hfcd_ring_free(hfcd_ring *ring)
{
    if (ring->slots)
        munmap(ring->slots, ring->slot_bytes * ring->n_slots);
    ring->slots = NULL;
}

static hfcd_record *slot(hfcd_ring *ring, uint32_t index)
{
    return (hfcd_record *)(ring->slots + (size_t)(index % ring->n_slots) * ring->slot_bytes);
}

hfcd_record *hfcd_ring_reserve(hfcd_ring *ring)
{
    uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    uint32_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
    return tail - head < ring->n_slots ? slot(ring, tail) : NULL;
}

void hfcd_ring_commit(hfcd_ring *ring)
{
    uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    atomic_store_explicit(&ring->tail, tail + 1, memory_order_release);
}

hfcd_record *hfcd_ring_peek(hfcd_ring *ring)
{
    uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
    return head != tail ? slot(ring, head) : NULL;
}

void hfcd_ring_pop(hfcd_ring *ring)
{
    uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    atomic_store_explicit(&ring->head, head + 1, memory_order_release);
}

uint32_t hfcd_ring_count(hfcd_ring *ring)
{
    return atomic_load_explicit(&ring->tail, memory_order_acquire) -
           atomic_load_explicit(&ring->head, memory_order_acquire);
}
