/* Workers sleep on a condition variable until a job is posted (a new generation),
 * then claim task indices from an atomic counter until none are left; the caller
 * claims tasks too and waits for the last one to finish. */
#include "threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct worker {
    struct hfc_pool *pool;
    int thread; /* 1.. ; the caller is 0 */
    pthread_t id;
} worker;

struct hfc_pool {
    int n_workers;
    worker *workers;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    unsigned generation; /* bumped per job; guarded by lock */
    int quit;
    int busy; /* workers still inside the current job; guarded by lock */
    hfc_pool_task_fn fn;
    void *ctx;
    int n_tasks;
    atomic_int next; /* next unclaimed task */
};

int hfc_pool_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static void run_tasks(hfc_pool *pool, int thread)
{
    for (;;) {
        int task = atomic_fetch_add(&pool->next, 1);
        if (task >= pool->n_tasks)
            return;
        pool->fn(pool->ctx, task, thread);
    }
}

static void *worker_main(void *arg)
{
    const worker *self = arg;
    hfc_pool *pool = self->pool;
    unsigned seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->quit && pool->generation == seen)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->quit)
            break;
        seen = pool->generation;
        pthread_mutex_unlock(&pool->lock);
        run_tasks(pool, self->thread);
        pthread_mutex_lock(&pool->lock);
        if (--pool->busy == 0)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

hfc_pool *hfc_pool_create(int n_threads)
{
    if (n_threads <= 0)
        n_threads = hfc_pool_cores();
    if (n_threads <= 1)
        return NULL;
    hfc_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pool->workers = calloc((size_t)n_threads - 1, sizeof *pool->workers);
    if (!pool->workers || pthread_mutex_init(&pool->lock, NULL) != 0) {
        free(pool->workers);
        free(pool);
        return NULL;
    }
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    atomic_init(&pool->next, 0);
    for (int i = 0; i < n_threads - 1; i++) {
        worker *w = &pool->workers[i];
        w->pool = pool;
        w->thread = i + 1;
        if (pthread_create(&w->id, NULL, worker_main, w) != 0)
            break;
        pool->n_workers++;
    }
    if (pool->n_workers == 0) {
        hfc_pool_destroy(pool);
        return NULL;
    }
    return pool;
}

void hfc_pool_destroy(hfc_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->n_workers; i++)
        pthread_join(pool->workers[i].id, NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool);
}

int hfc_pool_threads(const hfc_pool *pool)
{
    return pool ? pool->n_workers + 1 : 1;
}

void hfc_pool_run(hfc_pool *pool, int n_tasks, hfc_pool_task_fn fn, void *ctx)
{
    if (!pool || n_tasks <= 1) {
        for (int i = 0; i < n_tasks; i++)
            fn(ctx, i, 0);
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->n_tasks = n_tasks;
    atomic_store(&pool->next, 0);
    pool->busy = pool->n_workers;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    run_tasks(pool, 0);
    pthread_mutex_lock(&pool->lock);
    while (pool->busy > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}
