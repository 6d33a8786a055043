#include "workers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "stream.h"
#include "utterance.h"

typedef struct worker {
    hfcd_workers *pool;
    pthread_t thread;
    int index;
    _Atomic int64_t turn_started_ms; /* 0: idle */
} worker;

struct hfcd_workers {
    hfcd_jobq *queue;
    int n;
    int nice_level;
    int batch;
    char name[12];
    worker *threads;
};

/* s has a frame of kind due: takes the streams queued now (up to the batch size),
 * batches those with a frame of the same kind and model, and gives the others a
 * turn of their own after the batch. Streams are queued only when they have work,
 * so under load the queue holds the streams due together; idle, a batch is one
 * stream and costs nothing extra. */
static void run_batch(hfcd_workers *pool, hfcd_stream *s, int kind)
{
    hfcd_stream *batch[64], *others[64];
    int n = 1, n_others = 0;
    batch[0] = s;
    while (n + n_others < pool->batch) {
        hfcd_stream *t = hfcd_jobq_pop_now(pool->queue);
        if (!t)
            break;
        if (t->model == s->model && hfcd_stream_batch_kind(t) == kind)
            batch[n++] = t;
        else
            others[n_others++] = t;
    }
    if (n > 1)
        hfcd_stream_run_batch(batch, n, kind);
    else
        hfcd_stream_run_turn(s);
    for (int i = 0; i < n_others; i++)
        hfcd_stream_run_turn(others[i]);
}

static void *worker_main(void *arg)
{
    worker *self = arg;
    hfcd_workers *pool = self->pool;
    char name[16];
    snprintf(name, sizeof name, "%s%d", pool->name, self->index);
    pthread_setname_np(pthread_self(), name);
    /* Linux nice values are per thread. */
    if (pool->nice_level > 0 &&
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), pool->nice_level) != 0)
        hfcd_log(HFCD_LOG_WARN, "%s: cannot lower the priority", name);
    for (;;) {
        hfcd_stream *s = hfcd_jobq_pop_wait(pool->queue);
        if (!s) {
            hfcd_utterance_thread_done();
            return NULL;
        }
        atomic_store_explicit(&self->turn_started_ms, hfcd_now_ms(), memory_order_relaxed);
        const int kind = pool->batch > 1 ? hfcd_stream_batch_kind(s) : 0;
        if (kind)
            run_batch(pool, s, kind);
        else
            hfcd_stream_run_turn(s);
        atomic_store_explicit(&self->turn_started_ms, 0, memory_order_relaxed);
    }
}

hfcd_workers *hfcd_workers_start(hfcd_jobq *queue, int n, int nice_level, int batch,
                                 const char *name)
{
    hfcd_workers *w = calloc(1, sizeof *w);
    if (!w || !(w->threads = calloc((size_t)n, sizeof *w->threads))) {
        free(w);
        return NULL;
    }
    w->queue = queue;
    w->nice_level = nice_level;
    w->batch = batch < 64 ? batch : 64;
    snprintf(w->name, sizeof w->name, "%s", name);
    for (int i = 0; i < n; i++) {
        worker *t = &w->threads[i];
        t->pool = w;
        t->index = i;
        atomic_init(&t->turn_started_ms, 0);
        if (pthread_create(&t->thread, NULL, worker_main, t) != 0) {
            hfcd_log(HFCD_LOG_ERROR, "cannot start worker thread %s%d", name, i);
            hfcd_workers_stop(w);
            return NULL;
        }
        w->n = i + 1;
    }
    return w;
}

void hfcd_workers_stop(hfcd_workers *w)
{
    if (!w)
        return;
    hfcd_jobq_stop(w->queue, w->n);
    for (int i = 0; i < w->n; i++)
        pthread_join(w->threads[i].thread, NULL);
    free(w->threads);
    free(w);
}

int hfcd_workers_healthy(hfcd_workers *w, int64_t max_turn_ms)
{
    int64_t now = hfcd_now_ms();
    for (int i = 0; i < w->n; i++) {
        int64_t started =
            atomic_load_explicit(&w->threads[i].turn_started_ms, memory_order_relaxed);
        if (started && now - started > max_turn_ms)
            return 0;
    }
    return 1;
}
