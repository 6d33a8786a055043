/* The run queue between the event loop and a worker pool: a bounded
 * multi-producer, multi-consumer FIFO of streams ready to run (D. Vyukov's bounded
 * MPMC queue: a sequence number per cell, no locks), plus a POSIX semaphore that
 * counts the queued items so idle workers sleep in the kernel. A stream is in at
 * most one queue at most once (its `scheduled` flag), so a capacity of at least the
 * number of streams means a push never fails. */
#ifndef HFCD_JOBQ_H
#define HFCD_JOBQ_H

#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct hfcd_jobq_cell {
    _Atomic size_t seq;
    void *item;
} hfcd_jobq_cell;

typedef struct hfcd_jobq {
    hfcd_jobq_cell *cells;
    size_t mask;
    _Atomic size_t enqueue_pos;
    _Atomic size_t dequeue_pos;
    sem_t items;
    _Atomic int stopping;
} hfcd_jobq;

/* Capacity is rounded up to a power of two. Returns 0 or -1. */
int hfcd_jobq_init(hfcd_jobq *q, size_t capacity);
void hfcd_jobq_free(hfcd_jobq *q);

/* Returns 0, or -1 when full. Any thread. */
int hfcd_jobq_push(hfcd_jobq *q, void *item);

/* Blocks until an item is queued and returns it; NULL once hfcd_jobq_stop was called. */
void *hfcd_jobq_pop_wait(hfcd_jobq *q);

/* An item if one is queued now, else NULL, without blocking. */
void *hfcd_jobq_pop_now(hfcd_jobq *q);

/* Wakes n_waiters blocked in pop_wait, which then return NULL. */
void hfcd_jobq_stop(hfcd_jobq *q, int n_waiters);

#endif
