#include "jobq.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

int hfcd_jobq_init(hfcd_jobq *q, size_t capacity)
{
    size_t n = 2;
    while (n < capacity)
        n *= 2;
    q->cells = malloc(n * sizeof *q->cells);
    if (!q->cells || sem_init(&q->items, 0, 0) != 0) {
        free(q->cells);
        q->cells = NULL;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        atomic_init(&q->cells[i].seq, i);
    q->mask = n - 1;
    atomic_init(&q->enqueue_pos, 0);
    atomic_init(&q->dequeue_pos, 0);
    atomic_init(&q->stopping, 0);
    return 0;
}

void hfcd_jobq_free(hfcd_jobq *q)
{
    if (!q->cells)
        return;
    sem_destroy(&q->items);
    free(q->cells);
    q->cells = NULL;
}

int hfcd_jobq_push(hfcd_jobq *q, void *item)
{
    size_t pos = atomic_load_explicit(&q->enqueue_pos, memory_order_relaxed);
    hfcd_jobq_cell *cell;
    for (;;) {
        cell = &q->cells[pos & q->mask];
        size_t seq = atomic_load_explicit(&cell->seq, memory_order_acquire);
        intptr_t diff = (intptr_t)seq - (intptr_t)pos;
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->enqueue_pos, &pos, pos + 1,
                                                      memory_order_relaxed, memory_order_relaxed))
                break;
        } else if (diff < 0) {
            return -1; /* full */
        } else {
            pos = atomic_load_explicit(&q->enqueue_pos, memory_order_relaxed);
        }
    }
    cell->item = item;
    atomic_store_explicit(&cell->seq, pos + 1, memory_order_release);
    sem_post(&q->items);
    return 0;
}

/* One item, or NULL when the cell at the head is not yet published. */
static void *try_pop(hfcd_jobq *q)
{
    size_t pos = atomic_load_explicit(&q->dequeue_pos, memory_order_relaxed);
    hfcd_jobq_cell *cell;
    for (;;) {
        cell = &q->cells[pos & q->mask];
        size_t seq = atomic_load_explicit(&cell->seq, memory_order_acquire);
        intptr_t diff = (intptr_t)seq - (intptr_t)(pos + 1);
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->dequeue_pos, &pos, pos + 1,
                                                      memory_order_relaxed, memory_order_relaxed))
                break;
        } else if (diff < 0) {
            return NULL;
        } else {
            pos = atomic_load_explicit(&q->dequeue_pos, memory_order_relaxed);
        }
    }
    void *item = cell->item;
    atomic_store_explicit(&cell->seq, pos + q->mask + 1, memory_order_release);
    return item;
}

void *hfcd_jobq_pop_wait(hfcd_jobq *q)
{
    while (sem_wait(&q->items) != 0 && errno == EINTR)
        ;
    if (atomic_load_explicit(&q->stopping, memory_order_acquire))
        return NULL;
    /* The semaphore counts published items, but another producer may hold the
     * head cell between claiming and publishing it: the item is moments away. */
    void *item;
    while (!(item = try_pop(q)))
        sched_yield();
    return item;
}

void *hfcd_jobq_pop_now(hfcd_jobq *q)
{
    if (atomic_load_explicit(&q->stopping, memory_order_acquire) || sem_trywait(&q->items) != 0)
        return NULL;
    void *item;
    while (!(item = try_pop(q)))
        sched_yield();
    return item;
}

void hfcd_jobq_stop(hfcd_jobq *q, int n_waiters)
{
    atomic_store_explicit(&q->stopping, 1, memory_order_release);
    for (int i = 0; i < n_waiters; i++)
        sem_post(&q->items);
}
