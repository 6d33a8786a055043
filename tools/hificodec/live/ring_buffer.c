#include "ring_buffer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int hfc_ring_init(hfc_ring *ring, size_t min_items, size_t item_bytes)
{
    memset(ring, 0, sizeof *ring);
    if (min_items == 0 || item_bytes == 0)
        return -1;
    size_t capacity = 1;
    while (capacity < min_items) {
        if (capacity > SIZE_MAX / 2)
            return -1;
        capacity *= 2;
    }
    if (capacity > SIZE_MAX / item_bytes)
        return -1;
    ring->items = calloc(capacity, item_bytes);
    if (ring->items == NULL)
        return -1;
    ring->item_bytes = item_bytes;
    ring->capacity = capacity;
    atomic_init(&ring->write_count, 0);
    atomic_init(&ring->read_count, 0);
    return 0;
}

void hfc_ring_free(hfc_ring *ring)
{
    free(ring->items);
    ring->items = NULL;
    ring->capacity = 0;
}

/* Copies n items between the ring's slots from `first` on and a flat buffer, in
 * at most two pieces around the end of the storage. */
static void copy_in(hfc_ring *ring, size_t first, const unsigned char *from, size_t n)
{
    size_t slot = first & (ring->capacity - 1);
    size_t head = ring->capacity - slot < n ? ring->capacity - slot : n;
    memcpy(ring->items + slot * ring->item_bytes, from, head * ring->item_bytes);
    memcpy(ring->items, from + head * ring->item_bytes, (n - head) * ring->item_bytes);
}

static void copy_out(const hfc_ring *ring, size_t first, unsigned char *to, size_t n)
{
    size_t slot = first & (ring->capacity - 1);
    size_t head = ring->capacity - slot < n ? ring->capacity - slot : n;
    memcpy(to, ring->items + slot * ring->item_bytes, head * ring->item_bytes);
    memcpy(to + head * ring->item_bytes, ring->items, (n - head) * ring->item_bytes);
}

size_t hfc_ring_write(hfc_ring *ring, const void *items, size_t n_items)
{
    /* Only this side stores write_count, so a relaxed load of it is exact; the
     * acquire on read_count orders the consumer's copy-out before our overwrite. */
    size_t written = atomic_load_explicit(&ring->write_count, memory_order_relaxed);
    size_t read = atomic_load_explicit(&ring->read_count, memory_order_acquire);
    size_t space = ring->capacity - (written - read);
    size_t n = n_items < space ? n_items : space;
    if (n == 0)
        return 0;
    copy_in(ring, written, items, n);
    /* Release: the items are in place before the consumer can see the count. */
    atomic_store_explicit(&ring->write_count, written + n, memory_order_release);
    return n;
}

size_t hfc_ring_read(hfc_ring *ring, void *items, size_t n_items)
{
    size_t read = atomic_load_explicit(&ring->read_count, memory_order_relaxed);
    size_t written = atomic_load_explicit(&ring->write_count, memory_order_acquire);
    size_t available = written - read;
    size_t n = n_items < available ? n_items : available;
    if (n == 0)
        return 0;
    copy_out(ring, read, items, n);
    atomic_store_explicit(&ring->read_count, read + n, memory_order_release);
    return n;
}

size_t hfc_ring_readable(hfc_ring *ring)
{
    size_t read = atomic_load_explicit(&ring->read_count, memory_order_acquire);
    size_t written = atomic_load_explicit(&ring->write_count, memory_order_acquire);
    return written - read;
}

size_t hfc_ring_writable(hfc_ring *ring)
{
    return ring->capacity - hfc_ring_readable(ring);
}

size_t hfc_ring_read_index(hfc_ring *ring)
{
    return atomic_load_explicit(&ring->read_count, memory_order_acquire);
}

size_t hfc_ring_write_index(hfc_ring *ring)
{
    return atomic_load_explicit(&ring->write_count, memory_order_acquire);
}
